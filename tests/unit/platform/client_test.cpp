// Loopback tests of platform::Client against in-process wire::Servers that play replicas: a
// follower that redirects, a dead port, a leader that holds or refuses answers, a session the
// platform forgot. Each fake replica records what it was sent, so the tests assert where the
// client went and which client_id/seq it carried, never how long anything took.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/platform/answers.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/views.hpp"
#include "unit/wire/gate.hpp"
#include "unit/wire/loopback.hpp"
#include "wire/server.hpp"
#include "wire/spawn.hpp"

using namespace auction::test;
using auction::platform::Client;
using auction::platform::ClientOptions;
using auction::wire::Reply;
using auction::wire::Request;
using std::chrono::milliseconds;

namespace {

// A replica played by a test: every op it serves is answered by `behaviour`, which sees the
// request (op included in its body) and how many requests came before it.
class FakeReplica {
 public:
  using Behaviour = std::function<asio::awaitable<Reply>(const Json& request, std::size_t n)>;

  FakeReplica(const asio::any_io_executor& ex, Behaviour behaviour)
      : server_(ex, auction::wire::ServerOptions{}), behaviour_(std::move(behaviour)) {
    for (const char* op :
         {"login", "get_user_address", "create_auction", "fetch_auctions", "status"}) {
      server_.handle(op, [this](Request request) -> asio::awaitable<Reply> {
        Json body = std::move(request.body);
        body["op"] = request.op;
        requests.push_back(body);
        co_return co_await behaviour_(body, requests.size() - 1);
      });
    }
    auto port = server_.start();
    REQUIRE(port.has_value());
    endpoint = "127.0.0.1:" + std::to_string(*port);
  }

  std::string endpoint;
  std::vector<Json> requests;  // every request received, in order

 private:
  auction::wire::Server server_;
  Behaviour behaviour_;
};

asio::awaitable<Reply> async_answer(Reply reply) { co_return reply; }

FakeReplica::Behaviour always(Reply reply) {
  return [reply](const Json&, std::size_t) { return async_answer(reply); };
}

Reply not_leader(const Json& leader) {
  return Reply::failure({"not_leader", "not the leader"}, Json{{"leader", leader}});
}

Reply leadership_lost(const Json& leader) {
  return Reply::failure({"leadership_lost", "stopped leading before the entry committed"},
                        Json{{"leader", leader}});
}

Json leader_hint(const std::string& endpoint) { return {{"id", 2}, {"address", endpoint}}; }

Reply failure(const char* code) { return Reply::failure({code, std::string(code) + " here"}); }

// A loopback endpoint where nothing listens (bound, read, closed).
std::string dead_endpoint(const asio::any_io_executor& ex) {
  tcp::acceptor acceptor(ex, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  return "127.0.0.1:" + std::to_string(port);
}

ClientOptions options_for(std::vector<std::string> replicas) {
  ClientOptions options;
  options.replicas = std::move(replicas);
  options.is_plain = true;                  // the fake replicas here speak plain TCP
  options.deadline = milliseconds(10'000);  // only turns a hang into a failure
  options.attempt_timeout = milliseconds(2'000);
  return options;
}

// Built outside the coroutines: g++ 12 miscompiles braced lists inside a coroutine body.
const Json login_fields{{"username", "ann"}, {"address", "127.0.0.1:9000"}};
const Json lookup_fields{{"username", "ann"}};
const Json read_fields{{"username", "ann"}};
const Json status_request{{"op", "status"}};
const Json created{{"created", true}};
const Json auction_one{{"auction_id", 1}};
const Json follower_status{{"role", "follower"}};
const std::vector<Json> seqs_one_two_three{1, 2, 3};

// For the typed calls.
const auction::platform::CreateAuction lamp_sale{
    "ann", "spring sale", "lamp", "brass", auction::Cents{1000}, auction::Cents{100}, 1000};
const Json auction_seven{{"auction_id", 7}};
const Json auction_seven_as_text{{"auction_id", "7"}};

auction::platform::AuctionView view_of_auction(std::uint64_t id) {
  auction::platform::AuctionView view;
  view.auction_id = auction::AuctionId{id};
  view.auction_name = "sale " + std::to_string(id);
  view.item_name = "item";
  view.seller = "ann";
  view.base_price = auction::Cents{1000};
  view.increment = auction::Cents{100};
  view.period_ms = 1000;
  return view;
}

// fetch_auctions served from auctions 1..5 in pages of at most two, whatever the limit.
Reply page_after(const Json& request) {
  const std::uint64_t after = request["after_id"].get<std::uint64_t>();
  const std::uint64_t limit = std::min<std::uint64_t>(request["limit"].get<std::uint64_t>(), 2);
  auction::platform::AuctionPage page;
  for (std::uint64_t id = after + 1; id <= 5 && page.auctions.size() < limit; ++id) {
    page.auctions.push_back(view_of_auction(id));
  }
  page.more = page.auctions.empty() ? false : page.auctions.back().auction_id.value < 5;
  return Reply::success(auction::platform::encode_answer(page));
}

// The request as the fake replica recorded it, without what the client adds to every write.
Json without_session(Json request) {
  request.erase("op");
  request.erase("client_id");
  request.erase("seq");
  return request;
}

}  // namespace

TEST_CASE("platform: the client follows a not_leader hint and then goes straight to the leader",
          "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(ex, always(Reply::success(created)));
    FakeReplica follower(ex, always(not_leader(leader_hint(leader.endpoint))));
    Client client(ex, options_for({follower.endpoint, leader.endpoint}));

    auto first = co_await client.async_call("login", login_fields);
    REQUIRE(first.has_value());
    CHECK((*first)["created"] == true);
    CHECK(follower.requests.size() == 1);
    CHECK(leader.requests.size() == 1);

    auto second = co_await client.async_call("get_user_address", read_fields);
    REQUIRE(second.has_value());
    CHECK(follower.requests.size() == 1);
    CHECK(leader.requests.size() == 2);
  });
}

TEST_CASE("platform: the client tries the next replica when one is down or knows no leader",
          "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(ex, always(Reply::success()));
    FakeReplica lost(ex, always(not_leader(nullptr)));
    Client client(ex, options_for({dead_endpoint(ex), lost.endpoint, leader.endpoint}));

    auto result = co_await client.async_call("login", login_fields);
    REQUIRE(result.has_value());
    CHECK(lost.requests.size() == 1);
    CHECK(leader.requests.size() == 1);
  });
}

TEST_CASE(
    "platform: a write whose first answer was lost is retried with the same client_id "
    "and seq",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Gate never(ex);  // the first answer waits on it past the client's attempt_timeout
    FakeReplica leader(ex, [&](const Json&, std::size_t n) -> asio::awaitable<Reply> {
      if (n == 0) co_await never.async_wait();
      co_return Reply::success(auction_one);
    });
    ClientOptions options = options_for({leader.endpoint});
    options.attempt_timeout = milliseconds(100);
    Client client(ex, options);

    auto result = co_await client.async_call("login", login_fields);
    REQUIRE(result.has_value());
    REQUIRE(leader.requests.size() == 2);
    CHECK(leader.requests[0]["client_id"] == client.client_id());
    CHECK(leader.requests[1]["client_id"] == client.client_id());
    CHECK(leader.requests[0]["seq"] == 1);
    CHECK(leader.requests[1]["seq"] == 1);
    never.open();
  });
}

TEST_CASE(
    "platform: leader timeouts and overload are retried with the same seq, elsewhere or "
    "after a backoff",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica deposed(ex, always(failure("timeout")));
    FakeReplica busy(ex, [](const Json&, std::size_t n) {
      return async_answer(n == 0 ? failure("overloaded") : Reply::success());
    });
    Client client(ex, options_for({deposed.endpoint, busy.endpoint}));

    auto result = co_await client.async_call("login", login_fields);
    REQUIRE(result.has_value());
    REQUIRE(deposed.requests.size() == 1);
    REQUIRE(busy.requests.size() == 2);
    std::vector<Json> sent = busy.requests;
    sent.push_back(deposed.requests[0]);
    for (const Json& request : sent) {
      CHECK(request["seq"] == 1);
      CHECK(request["client_id"] == client.client_id());
    }
  });
}

TEST_CASE("platform: the platform's own errors reach the caller as they came, without a retry",
          "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(ex, always(failure("unknown_user")));
    Client client(ex, options_for({leader.endpoint}));

    auto result = co_await client.async_call("get_user_address", read_fields);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == "unknown_user");
    CHECK(result.error().message == "unknown_user here");
    CHECK(leader.requests.size() == 1);
  });
}

TEST_CASE(
    "platform: with no leader anywhere a call ends unavailable at its deadline, after "
    "backing off through several rounds",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica lost(ex, always(not_leader(nullptr)));
    ClientOptions options = options_for({dead_endpoint(ex), lost.endpoint});
    options.deadline = milliseconds(300);
    Client client(ex, options);

    auto result = co_await client.async_call("login", login_fields);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == "unavailable");
    CHECK_THAT(result.error().message, Catch::StartsWith("no leader answered within 300 ms"));
    CHECK(lost.requests.size() >= 2);
    for (const Json& request : lost.requests) CHECK(request["seq"] == 1);
  });
}

TEST_CASE(
    "platform: a write answered leadership_lost is sent again in its session to the leader "
    "the answer names",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(ex, always(Reply::success(created)));
    FakeReplica deposed(ex, always(leadership_lost(leader_hint(leader.endpoint))));
    FakeReplica bystander(ex, always(not_leader(nullptr)));
    Client client(ex, options_for({deposed.endpoint, bystander.endpoint, leader.endpoint}));

    auto result = co_await client.async_call("login", login_fields);
    REQUIRE(result.has_value());
    REQUIRE(deposed.requests.size() == 1);
    REQUIRE(leader.requests.size() == 1);
    CHECK(bystander.requests.empty());
    CHECK(leader.requests[0]["client_id"] == deposed.requests[0]["client_id"]);
    CHECK(leader.requests[0]["seq"] == deposed.requests[0]["seq"]);
  });
}

TEST_CASE(
    "platform: a write that may have been applied ends with timeout at its deadline -- "
    "never unavailable -- and a read in the same plight with unavailable",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica deposed(ex, always(leadership_lost(nullptr)));
    FakeReplica lost(ex, always(not_leader(nullptr)));
    FakeReplica slow(ex, always(failure("timeout")));
    ClientOptions options = options_for({lost.endpoint, deposed.endpoint});
    options.deadline = milliseconds(300);
    Client client(ex, options);

    auto write = co_await client.async_call("login", login_fields);
    REQUIRE_FALSE(write.has_value());
    CHECK(write.error().code == "timeout");
    CHECK_THAT(write.error().message,
               Catch::StartsWith("no leader confirmed the write within 300 ms; it may have "
                                 "been applied"));
    CHECK(deposed.requests.size() >= 1);

    ClientOptions slow_options = options_for({slow.endpoint});
    slow_options.deadline = milliseconds(300);
    Client reader(ex, slow_options);
    auto read = co_await reader.async_call("get_user_address", read_fields);
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().code == "unavailable");
    CHECK(slow.requests.size() >= 1);
  });
}

TEST_CASE(
    "platform: writes of one client go one at a time with increasing seqs, and reads carry "
    "no session and pass them",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Gate writes_may_finish(ex);
    int writes_in_flight = 0;
    int writes_in_flight_max = 0;
    int reads_done = 0;
    FakeReplica leader(ex, [&](const Json& request, std::size_t) -> asio::awaitable<Reply> {
      if (request["op"] == "login") {
        writes_in_flight_max = std::max(writes_in_flight_max, ++writes_in_flight);
        co_await writes_may_finish.async_wait();
        --writes_in_flight;
      } else {
        ++reads_done;
      }
      co_return Reply::success();
    });
    Client client(ex, options_for({leader.endpoint}));

    int calls_done = 0;
    const auto call = [&](std::string op, Json fields) -> asio::awaitable<void> {
      auto result = co_await client.async_call(std::move(op), std::move(fields));
      CHECK(result.has_value());
      ++calls_done;
    };
    for (int i = 0; i < 3; ++i) {
      auction::wire::spawn_logged(ex, call("login", login_fields), "test write");
    }
    for (int i = 0; i < 2; ++i) {
      auction::wire::spawn_logged(ex, call("get_user_address", read_fields), "test read");
    }
    // The reads are answered while the first write is still held.
    co_await async_until([&] { return reads_done == 2 && writes_in_flight == 1; });
    writes_may_finish.open();
    co_await async_until([&] { return calls_done == 5; });

    CHECK(writes_in_flight_max == 1);
    std::vector<Json> seqs;
    for (const Json& request : leader.requests) {
      if (request["op"] == "login") {
        CHECK(request["client_id"] == client.client_id());
        seqs.push_back(request["seq"]);
      } else {
        CHECK_FALSE(request.contains("client_id"));
        CHECK_FALSE(request.contains("seq"));
      }
    }
    CHECK(seqs == seqs_one_two_three);
  });
}

TEST_CASE(
    "platform: a session the platform ended before the call is restarted under a new "
    "client_id at seq 1",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(ex, [](const Json& request, std::size_t) {
      // This platform has forgotten every session: seq 1 starts one, any other is refused.
      return async_answer(request["seq"] == 1 ? Reply::success() : failure("session_expired"));
    });
    ClientOptions options = options_for({leader.endpoint});
    options.client_id = "first-id";
    Client client(ex, options);

    // (co_await stays out of Catch's macros, which g++ 12 may evaluate more than once.)
    auto first = co_await client.async_call("login", login_fields);
    REQUIRE(first.has_value());
    auto second = co_await client.async_call("login", login_fields);
    REQUIRE(second.has_value());
    REQUIRE(leader.requests.size() == 3);
    CHECK(leader.requests[0]["client_id"] == "first-id");
    CHECK(leader.requests[1]["client_id"] == "first-id");
    CHECK(leader.requests[1]["seq"] == 2);
    CHECK(leader.requests[2]["client_id"] == client.client_id());
    CHECK(leader.requests[2]["seq"] == 1);
    CHECK(client.client_id() != "first-id");
  });
}

TEST_CASE(
    "platform: after a first write that got no answer, the next write starts a new "
    "session",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica lost(ex, always(not_leader(nullptr)));
    ClientOptions options = options_for({lost.endpoint});
    options.deadline = milliseconds(100);
    Client client(ex, options);
    const std::string first_id = client.client_id();

    auto result = co_await client.async_call("login", login_fields);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == "unavailable");
    const std::size_t sent = lost.requests.size();
    co_await client.async_call("login", login_fields);
    REQUIRE(lost.requests.size() > sent);
    CHECK(lost.requests[sent]["client_id"] != first_id);
    CHECK(lost.requests[sent]["seq"] == 1);
  });
}

TEST_CASE(
    "platform: close() ends a write in flight with connection_lost -- it may have been "
    "applied -- and the next call connects again",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Gate never(ex);
    FakeReplica leader(ex, [&](const Json&, std::size_t n) -> asio::awaitable<Reply> {
      if (n == 0) co_await never.async_wait();
      co_return Reply::success();
    });
    Client client(ex, options_for({leader.endpoint}));

    std::optional<auction::Result<Json>> held;
    const auto hold = [&]() -> asio::awaitable<void> {
      held = co_await client.async_call("login", login_fields);
    };
    auction::wire::spawn_logged(ex, hold(), "held call");
    co_await async_until([&] { return leader.requests.size() == 1; });
    client.close();
    co_await async_until([&] { return held.has_value(); });
    REQUIRE_FALSE(held->has_value());
    CHECK(held->error().code == "connection_lost");
    CHECK(leader.requests.size() == 1);  // closing is not retrying

    auto later = co_await client.async_call("get_user_address", read_fields);
    CHECK(later.has_value());
    never.open();
  });
}

TEST_CASE("platform: status asks one replica, by index, without following the leader",
          "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica follower(ex, always(Reply::success(follower_status)));
    Client client(ex, options_for({dead_endpoint(ex), follower.endpoint}));

    auto status = co_await client.async_status(1);
    REQUIRE(status.has_value());
    CHECK((*status)["role"] == "follower");
    CHECK(follower.requests.at(0) == status_request);
    auto down = co_await client.async_status(0);
    REQUIRE_FALSE(down.has_value());
    CHECK(down.error().code == "unavailable");
    auto none = co_await client.async_status(2);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().code == "invalid_argument");
  });
}

TEST_CASE("platform: client options list the cluster file's client endpoints in id order",
          "[platform][client]") {
  auto config = auction::platform::ClusterConfig::parse(R"({"replicas": [
      {"id": 2, "host": "10.0.0.2", "client_port": 7101, "raft_port": 7201},
      {"id": 1, "host": "10.0.0.1", "client_port": 7100, "raft_port": 7200}]})");
  REQUIRE(config.has_value());
  const ClientOptions options = auction::platform::client_options_from(*config);
  CHECK(options.replicas == std::vector<std::string>{"10.0.0.1:7100", "10.0.0.2:7101"});
  CHECK(options.client_id.empty());
  // No tls section: no CA to check the replicas with, and no permission to skip it.
  CHECK(options.trusted_ca_file.empty());
  CHECK_FALSE(options.is_plain);
}

TEST_CASE("platform: client options check replicas against the cluster's CA unless told plain",
          "[platform][client]") {
  const std::string replicas =
      R"({"replicas": [{"id": 1, "host": "10.0.0.1", "client_port": 7100, "raft_port": 7200}],)";
  auto tls = auction::platform::ClusterConfig::parse(replicas + R"("tls": {"dir": "/c"}})");
  REQUIRE(tls.has_value());
  CHECK(auction::platform::client_options_from(*tls).trusted_ca_file == "/c/ca.crt");
  CHECK_FALSE(auction::platform::client_options_from(*tls).is_plain);
  auto plain = auction::platform::ClusterConfig::parse(
      replicas + R"("tls": {"dir": "/c", "client_port": "plain"}})");
  REQUIRE(plain.has_value());
  CHECK(auction::platform::client_options_from(*plain).is_plain);
}

TEST_CASE("platform: a client without a usable CA fails every call clearly, sending nothing",
          "[platform][client]") {
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    ClientOptions options = options_for({"127.0.0.1:1"});
    options.is_plain = false;
    Client no_ca(ex, options);
    auto call = co_await no_ca.async_call("get_user_address", lookup_fields);
    REQUIRE_FALSE(call.has_value());
    CHECK(call.error().code == "credentials_invalid");
    CHECK_THAT(call.error().message, Catch::Contains("no \"tls\" section"));
    options.trusted_ca_file = "/nonexistent/ca.crt";
    Client missing(ex, options);
    auto status = co_await missing.async_status(0);
    REQUIRE_FALSE(status.has_value());
    CHECK(status.error().code == "credentials_invalid");
    CHECK_THAT(status.error().message, Catch::Contains("/nonexistent/ca.crt"));
  });
}

TEST_CASE("platform: a client draws a random client_id when given none", "[platform][client]") {
  boost::asio::io_context io;
  Client a(io.get_executor(), options_for({"127.0.0.1:1"}));
  Client b(io.get_executor(), options_for({"127.0.0.1:1"}));
  CHECK(a.client_id() != b.client_id());
  CHECK(a.client_id().size() <= 64);
  CHECK(std::all_of(a.client_id().begin(), a.client_id().end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  }));
}

TEST_CASE(
    "platform: a typed call sends the codec's encoding as a write of this client and "
    "decodes its answer",
    "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(ex, always(Reply::success(auction_seven)));
    Client client(ex, options_for({leader.endpoint}));

    auto created = co_await client.async_create_auction(lamp_sale);
    REQUIRE(created.has_value());
    CHECK(created->auction_id == auction::AuctionId{7});
    REQUIRE(leader.requests.size() == 1);
    CHECK(leader.requests[0]["op"] == "create_auction");
    CHECK(without_session(leader.requests[0]) == auction::platform::encode_fields(lamp_sale));
    CHECK(leader.requests[0]["client_id"] == client.client_id());
    CHECK(leader.requests[0]["seq"] == 1);
  });
}

TEST_CASE("platform: a typed call whose answer does not decode is bad_response, not retried",
          "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(ex, always(Reply::success(auction_seven_as_text)));
    Client client(ex, options_for({leader.endpoint}));

    auto created = co_await client.async_create_auction(lamp_sale);
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().code == "bad_response");
    CHECK(created.error().message == "create_auction answer: auction_id: must be an integer");
    CHECK(leader.requests.size() == 1);
    // The write was answered: the session goes on.
    auto next = co_await client.async_create_auction(lamp_sale);
    CHECK_FALSE(next.has_value());
    REQUIRE(leader.requests.size() == 2);
    CHECK(leader.requests[1]["client_id"] == leader.requests[0]["client_id"]);
    CHECK(leader.requests[1]["seq"] == 2);
  });
}

TEST_CASE("platform: a command chosen at run time gets the answer to its own op",
          "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(ex, always(Reply::success(auction_seven)));
    Client client(ex, options_for({leader.endpoint}));

    auto answer = co_await client.async_call(auction::platform::Command(lamp_sale));
    REQUIRE(answer.has_value());
    REQUIRE(std::holds_alternative<auction::platform::CreatedAuction>(*answer));
    CHECK(std::get<auction::platform::CreatedAuction>(*answer).auction_id == auction::AuctionId{7});
  });
}

TEST_CASE("platform: fetching every auction follows the pages to the last", "[platform][client]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    FakeReplica leader(
        ex, [](const Json& request, std::size_t) { return async_answer(page_after(request)); });
    Client client(ex, options_for({leader.endpoint}));

    auto all = co_await client.async_fetch_all_auctions("ann");
    REQUIRE(all.has_value());
    REQUIRE(all->size() == 5);
    for (std::size_t i = 0; i < all->size(); ++i) CHECK((*all)[i] == view_of_auction(i + 1));
    REQUIRE(leader.requests.size() == 3);
    CHECK(leader.requests[0]["after_id"] == 0);
    CHECK(leader.requests[1]["after_id"] == 2);
    CHECK(leader.requests[2]["after_id"] == 4);
    for (const Json& request : leader.requests) CHECK_FALSE(request.contains("seq"));

    auto third = co_await client.async_fetch_auction("ann", auction::AuctionId{3});
    REQUIRE(third.has_value());
    CHECK(*third == view_of_auction(3));
    auto missing = co_await client.async_fetch_auction("ann", auction::AuctionId{9});
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == "unknown_auction");
  });
}

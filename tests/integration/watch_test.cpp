// The platform's watch with real replicas: a buyer's watch, long-polling the leader from its own
// thread, follows what it may see while the leader is killed again and again, and gets every
// event once, in order; a fresh watch from the same revision reads the same events back.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "auction/platform/client.hpp"
#include "integration/cluster.hpp"
#include "support/test_keys.hpp"

namespace {

namespace asio = boost::asio;
using auction::platform::Client;
using auction::platform::ClientOptions;
using auction::platform::Watch;
using auction::platform::WatchEvent;
using auction::platform::WatchEventKind;
using auction::platform::WatchPage;
using auction::test::Cluster;
using auction::test::cluster_wait_max;
using auction::test::PlatformUser;
using nlohmann::json;

// What a watcher got: its events, and the failures its calls ended with on the way.
struct Watched {
  std::vector<WatchEvent> events;
  std::vector<std::string> failures;
};

// Watches as `username` from revision `after` until an event satisfies `is_last`, or
// `give_up` is set; every call waits up to 500 ms on the replica.
asio::awaitable<void> async_follow(ClientOptions options, std::string username, std::uint64_t after,
                                   std::function<bool(const WatchEvent&)> is_last,
                                   const std::atomic<bool>& give_up, Watched& out) {
  options.user = auction::test::test_user(username);
  Client client(co_await asio::this_coro::executor, options);
  for (bool done = false; !done && !give_up;) {
    // Named, not a temporary of the co_await: g++ 12 may destroy such a temporary twice.
    Watch watch{username, after, 100, 500};
    auto page = co_await client.async_watch(std::move(watch));
    if (!page) {
      out.failures.push_back(page.error().code + ": " + page.error().message);
      continue;  // a failover: the client tried every replica until its deadline
    }
    for (WatchEvent& event : page->events) {
      done = done || is_last(event);
      out.events.push_back(std::move(event));
    }
    after = page->revision;
  }
  client.close();
}

asio::awaitable<void> async_watch_into(Client& client, Watch watch,
                                       std::optional<auction::Result<WatchPage>>& out) {
  out = co_await client.async_watch(std::move(watch));
}

// Calls `op` and fails the test, saying why, unless it succeeded.
json must(PlatformUser& users, const std::string& op, json fields) {
  auto result = users.call(op, std::move(fields));
  INFO(op << ": "
          << (result ? std::string("ok") : result.error().code + ": " + result.error().message));
  REQUIRE(result.has_value());
  return *result;
}

// alice creates an auction; returns its id.
std::uint64_t create_auction(PlatformUser& users, const std::string& name) {
  const json created = must(users, "create_auction",
                            {{"seller", "alice"},
                             {"auction_name", name},
                             {"item_name", "lamp"},
                             {"item_description", "brass"},
                             {"base_price", 1000},
                             {"increment", 100},
                             {"period_ms", 1000}});
  return created["auction_id"].get<std::uint64_t>();
}

std::string describe(const WatchEvent& e) {
  return std::string(auction::platform::watch_event_kind_name(e.kind)) + " " +
         (e.auction_id ? std::to_string(e.auction_id->value) : std::string("-")) + " @" +
         std::to_string(e.revision);
}

}  // namespace

TEST_CASE("integration: a watch follows every event once and in order while leaders are killed",
          "[integration][platform][watch]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  PlatformUser users(cluster.client_options());
  must(users, "login", {{"username", "alice"}, {"address", "127.0.0.1:7001"}});
  must(users, "login", {{"username", "bob"}, {"address", "127.0.0.1:7002"}});
  must(users, "login", {{"username", "dave"}, {"address", "127.0.0.1:7004"}});
  const auto now = users.call("watch", {{"username", "bob"}});
  REQUIRE(now);
  CHECK((*now)["events"].empty());
  const std::uint64_t start = (*now)["revision"].get<std::uint64_t>();

  // bob watches from its own thread while the test writes and kills.
  std::uint64_t marker = 0;  // the auction whose cancellation ends the watch
  std::atomic<std::uint64_t> last_auction{0};
  std::atomic<bool> give_up{false};
  Watched watched;
  // Ends the watcher however the test ends (a failed REQUIRE throws past the join).
  struct JoinOnExit {
    std::atomic<bool>& give_up;
    std::thread& thread;
    ~JoinOnExit() {
      give_up = true;
      if (thread.joinable()) thread.join();
    }
  };
  std::thread watcher([&] {
    asio::io_context io;
    asio::co_spawn(io,
                   async_follow(
                       cluster.client_options(), "bob", start,
                       [&](const WatchEvent& e) {
                         return e.kind == WatchEventKind::auction_cancelled &&
                                e.auction_id->value == last_auction.load();
                       },
                       give_up, watched),
                   asio::detached);
    io.run_for(cluster_wait_max * 3);
  });
  JoinOnExit join_on_exit{give_up, watcher};

  // What bob must see, in this order: the auctions alice creates, its own joins, dave's joins
  // (they take part in the same auctions), alice's new logins (bob's seller), the
  // cancellation; not dave's logins (a fellow buyer's address is the seller's business only),
  // nor what happens in an auction bob takes no part in (dave's join of the last).
  std::vector<std::pair<WatchEventKind, std::uint64_t>> expected;
  for (int kill = 0; kill < 3; ++kill) {
    const std::uint64_t id = create_auction(users, "lot");
    expected.emplace_back(WatchEventKind::auction_created, id);
    must(users, "join_auction", {{"username", "bob"}, {"auction_id", id}});
    expected.emplace_back(WatchEventKind::buyer_joined, id);
    const std::uint64_t leader = cluster.wait_for_leader();
    cluster.kill(leader);
    must(users, "join_auction", {{"username", "dave"}, {"auction_id", id}});
    expected.emplace_back(WatchEventKind::buyer_joined, id);
    must(users, "login", {{"username", "dave"}, {"address", "127.0.0.1:7005"}});
    must(users, "login", {{"username", "alice"}, {"address", "127.0.0.1:7006"}});
    expected.emplace_back(WatchEventKind::user_logged_in, 0);
    cluster.start(leader);
  }
  marker = create_auction(users, "other");
  expected.emplace_back(WatchEventKind::auction_created, marker);
  must(users, "join_auction", {{"username", "dave"}, {"auction_id", marker}});
  last_auction = marker;
  must(users, "cancel_auction", {{"seller", "alice"}, {"auction_id", marker}});
  expected.emplace_back(WatchEventKind::auction_cancelled, marker);

  watcher.join();
  INFO(cluster.logs());
  for (const auto& failure : watched.failures) INFO("watch failed: " << failure);
  std::vector<std::pair<WatchEventKind, std::uint64_t>> got;
  std::string seen;
  for (const WatchEvent& e : watched.events) {
    got.emplace_back(e.kind, e.auction_id ? e.auction_id->value : 0);
    seen += describe(e) + "\n";
  }
  INFO("bob saw:\n" << seen);
  CHECK(got == expected);
  for (std::size_t i = 1; i < watched.events.size(); ++i) {
    CHECK(watched.events[i - 1].revision < watched.events[i].revision);
  }

  // The same revision range read again in one go, from whichever replica leads now.
  const auto again = users.call("watch", {{"username", "bob"}, {"after", start}});
  REQUIRE(again);
  const auto page = auction::platform::decode_answer<WatchPage>(*again);
  REQUIRE(page);
  // The same events; how bob sees them may differ where his part changed since (he joined
  // the auctions after their creation was first read).
  std::vector<std::tuple<std::uint64_t, WatchEventKind, std::uint64_t>> first;
  std::vector<std::tuple<std::uint64_t, WatchEventKind, std::uint64_t>> second;
  for (const WatchEvent& e : watched.events) {
    first.emplace_back(e.revision, e.kind, e.auction_id ? e.auction_id->value : 0);
  }
  for (const WatchEvent& e : page->events) {
    second.emplace_back(e.revision, e.kind, e.auction_id ? e.auction_id->value : 0);
  }
  CHECK(first == second);
  cluster.stop_all();
}

TEST_CASE("integration: a watch waits for the next event and answers at once when it comes",
          "[integration][platform][watch]") {
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  // Declared first: a watch still out when the test ends is answered as `users` closes.
  std::optional<auction::Result<WatchPage>> waited;
  PlatformUser users(cluster.client_options());
  must(users, "login", {{"username", "alice"}, {"address", "127.0.0.1:7001"}});
  const auto now = users.call("watch", {{"username", "alice"}});
  REQUIRE(now);
  const std::uint64_t start = (*now)["revision"].get<std::uint64_t>();

  // Nothing happens: the watch answers no event once its wait is over, at the same revision.
  const auto quiet =
      users.call("watch", {{"username", "alice"}, {"after", start}, {"wait_ms", 50}});
  REQUIRE(quiet);
  CHECK((*quiet)["events"].empty());
  CHECK((*quiet)["revision"] == start);

  // A watch that may wait the longest is answered by the creation, not by its wait running out:
  // the test's call would fail first (the client's deadline is the wait plus 5 s, and the
  // creation comes from the same thread once the watch is sent).
  asio::io_context& io = users.io();
  Watch longest{"alice", start, 100, 30'000};
  asio::co_spawn(io, async_watch_into(users.client("alice"), std::move(longest), waited),
                 [](std::exception_ptr escaped) {
                   if (escaped) std::rethrow_exception(escaped);
                 });
  io.restart();  // each call of `users` stops the io_context when it is answered
  io.poll();     // the watch is on its way
  create_auction(users, "lot");
  const bool is_answered = auction::test::poll_until([&] {
    io.restart();
    io.poll();
    return waited.has_value();
  });
  INFO(cluster.logs());
  REQUIRE(is_answered);
  REQUIRE(waited->has_value());
  REQUIRE((*waited)->events.size() == 1);
  CHECK((*waited)->events[0].kind == WatchEventKind::auction_created);
  cluster.stop_all();
}

TEST_CASE(
    "integration: one user's waiting watches are capped, and a replica stopped under waiting "
    "watches ends at once",
    "[integration][platform][watch]") {
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  // Seventeen watches of alice that may each wait half a minute: sixteen wait, one is told
  // at once it is one too many (nothing happened: it may ask again later). Declared first:
  // watches still out when the test ends are answered as `users` closes.
  constexpr std::size_t tried = 17;
  std::vector<std::optional<auction::Result<WatchPage>>> answers(tried);
  PlatformUser users(cluster.client_options());
  must(users, "login", {{"username", "alice"}, {"address", "127.0.0.1:7001"}});
  const std::uint64_t start = must(users, "watch", {{"username", "alice"}})["revision"];

  asio::io_context& io = users.io();
  io.restart();
  for (auto& answer : answers) {
    Watch watch{"alice", start, 100, 30'000};
    asio::co_spawn(io, async_watch_into(users.client("alice"), std::move(watch), answer),
                   [](std::exception_ptr escaped) {
                     if (escaped) std::rethrow_exception(escaped);
                   });
  }
  const auto answered = [&] {
    return static_cast<std::size_t>(
        std::count_if(answers.begin(), answers.end(), [](const auto& a) { return a.has_value(); }));
  };
  REQUIRE(auction::test::poll_until([&] {
    io.restart();
    io.poll();
    return answered() == 1;
  }));
  const auto refused =
      std::find_if(answers.begin(), answers.end(), [](const auto& a) { return a.has_value(); });
  REQUIRE_FALSE((*refused)->has_value());
  CHECK((*refused)->error().code == "overloaded");

  // SIGTERM: the replica ends the waiting watches and exits 0 at once (Cluster::stop
  // requires it within its bound, far below their half minute). Their client would try
  // again until its deadline; closed, it answers them now.
  cluster.stop(1);
  users.client("alice").close();
  REQUIRE(auction::test::poll_until([&] {
    io.restart();
    io.poll();
    return answered() == tried;
  }));
  for (const auto& answer : answers) CHECK_FALSE(answer->has_value());
}

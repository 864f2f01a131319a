// Tests of how a SellerRuntime hands a chain to the platform in pieces: a journaled result
// whose links do not fit one message goes as updates of at most push_bytes_max bytes of links,
// from where the platform's chain ends, then the finish with the rest. The platform is a real
// platform::StateMachine behind an in-process wire::Server (no Raft, no chain check), which
// records every request it serves.
// Must never depend on timing: it waits for the platform's state, bounded by run_async.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/market/runtime/journal.hpp"
#include "auction/market/runtime/seller_runtime.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/state_machine.hpp"
#include "support/test_keys.hpp"
#include "unit/wire/loopback.hpp"
#include "wire/server.hpp"

using namespace auction;
using namespace auction::test;
namespace asio = boost::asio;
using nlohmann::json;

namespace {

// A platform answered by a StateMachine: every op decoded by the platform's codec, writes
// applied at the next index, reads served from the state. Keys are taken as proven.
class MachinePlatform {
 public:
  explicit MachinePlatform(const asio::any_io_executor& ex) : server_(ex, wire::ServerOptions{}) {
    server_.handle("auth_challenge", [](wire::Request) {
      return async_ready(wire::Reply::success(json{{"challenge", std::string(64, 'a')}}));
    });
    server_.handle("authenticate", [](wire::Request) {
      return async_ready(wire::Reply::success(json{{"registered", true}}));
    });
    for (const char* op :
         {"login", "get_user_address", "start_auction", "update_auction", "finish_auction",
          "fetch_auctions", "fetch_buyers", "fetch_links", "get_transcript"}) {
      server_.handle(
          op, [this](wire::Request request) { return async_ready(serve(std::move(request))); });
    }
    auto port = server_.start();
    REQUIRE(port.has_value());
    options_.replicas = {"127.0.0.1:" + std::to_string(*port)};
    options_.is_plain = true;
    options_.cluster_id = "test-cluster";
  }

  platform::ClientOptions client_options(const std::string& user) const {
    platform::ClientOptions options = options_;
    options.user = test_user(user);
    return options;
  }

  // Applies a write at the next index, as if it were committed; the answer must be ok.
  json apply(const json& request) {
    auto decoded = platform::decode_request(request);
    REQUIRE(decoded.has_value());
    const json answer = json::parse(machine_.apply(raft::LogIndex{++index_}, *decoded));
    INFO(request.dump() << " -> " << answer.dump());
    REQUIRE(answer.at("ok") == true);
    return answer.at("result");
  }

  const platform::StateMachine& machine() const { return machine_; }
  // The fields of every update_auction served, in order.
  const std::vector<json>& updates() const { return updates_; }
  const std::vector<json>& finishes() const { return finishes_; }

 private:
  static asio::awaitable<wire::Reply> async_ready(wire::Reply reply) { co_return reply; }

  wire::Reply serve(wire::Request request) {
    json body = std::move(request.body);
    body["op"] = request.op;
    if (request.op == "update_auction") updates_.push_back(body);
    if (request.op == "finish_auction") finishes_.push_back(body);
    auto decoded = platform::decode_request(body);
    if (!decoded) return wire::Reply::failure(decoded.error());
    if (platform::is_read(request.op)) {
      auto text = machine_.query_text(decoded->command);
      if (!text) return wire::Reply::failure(text.error());
      return wire::Reply::success_text(std::move(*text));
    }
    json answer = json::parse(machine_.apply(raft::LogIndex{++index_}, *decoded));
    if (answer.at("ok") == true) return wire::Reply::success(std::move(answer.at("result")));
    return wire::Reply::failure(Error{answer.at("error").at("code").get<std::string>(),
                                      answer.at("error").at("message").get<std::string>()});
  }

  wire::Server server_;
  platform::ClientOptions options_;
  platform::StateMachine machine_;
  std::uint64_t index_ = 0;
  std::vector<json> updates_;
  std::vector<json> finishes_;
};

// alice's auction 1 of buyers b0..b5, started; each of b0..b4 then leaves by request, one link
// each, and b5 wins: the journaled result and its chain (signatures are not checked here).
market::JournaledFinish set_up(MachinePlatform& platform) {
  platform.apply({{"op", "login"},
                  {"username", "alice"},
                  {"address", "127.0.0.1:9"},
                  {"public_key", test_public_key("alice")}});
  platform.apply({{"op", "create_auction"},
                  {"seller", "alice"},
                  {"auction_name", "sale"},
                  {"item_name", "lamp"},
                  {"item_description", ""},
                  {"base_price", 1000},
                  {"increment", 100},
                  {"period_ms", 1000}});
  std::vector<market::BuyerEntry> buyers;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "b" + std::to_string(i);
    platform.apply({{"op", "login"},
                    {"username", name},
                    {"address", "127.0.0.1:9"},
                    {"public_key", test_public_key(name)}});
    platform.apply({{"op", "join_auction"}, {"username", name}, {"auction_id", 1}});
    buyers.push_back(
        {name, i < 5 ? market::BuyerStatus::withdrawn_by_request : market::BuyerStatus::active});
  }
  platform.apply({{"op", "start_auction"}, {"seller", "alice"}, {"auction_id", 1}});
  market::JournaledFinish journaled;
  identity::Signature signature;
  signature.bytes.fill(0x5a);
  for (RoundId round = 1; round <= 5; ++round) {
    journaled.links.push_back(market::ChainLink{
        round,
        {market::ChainWithdrawal{
            "b" + std::to_string(round - 1), market::BuyerStatus::withdrawn_by_request,
            market::WithdrawProof{round, Cents{1000 + 100 * static_cast<std::int64_t>(round)},
                                  signature}}}});
  }
  journaled.finish.record =
      market::FinishRecord{AuctionId{1}, 5, "b5", Cents{1500}, std::move(buyers)};
  journaled.finish.chain_head.bytes.fill(0x11);
  journaled.finish.signature = signature;
  return journaled;
}

// Journals `journaled` in `dir`, as a seller that finished the auction before a restart.
void journal(const std::filesystem::path& dir, const market::JournaledFinish& journaled) {
  auto opened = market::Journal::open(dir);
  REQUIRE(opened.has_value());
  REQUIRE(opened->save_finish(journaled).has_value());
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ppapd-delivery-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace

TEST_CASE("seller runtime: a result whose chain does not fit one message goes in pieces",
          "[market][runtime]") {
  const auto dir = fresh_dir("pieces");
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    MachinePlatform platform(ex);
    const market::JournaledFinish journaled = set_up(platform);
    journal(dir, journaled);
    // At most one byte of links a message: every link goes alone, the last with the finish.
    platform::Client client(ex, platform.client_options("alice"));
    market::SellerRuntimeOptions options;
    options.peer.username = "alice";
    options.state_dir = dir;
    options.push_bytes_max = 1;
    market::SellerRuntime runtime(ex, client, options);
    REQUIRE(runtime.start().has_value());
    co_await async_until([&] { return runtime.undelivered().empty(); });
    runtime.stop();

    const platform::AuctionRecord* auction = platform.machine().auction(AuctionId{1});
    REQUIRE(auction != nullptr);
    CHECK(auction->stage == platform::Stage::finished);
    CHECK(auction->winner == "b5");
    REQUIRE(auction->links.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
      CHECK(auction->links[i] == platform::link_text(market::encode(journaled.links[i])));
    }
    CHECK(auction->active_buyer_count() == 1);
    // Four updates of one link each, from where the platform's chain ended, at the result's
    // round and price; then the finish with the last link.
    REQUIRE(platform.updates().size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
      CHECK(platform.updates()[i].at("links_from") == i);
      CHECK(platform.updates()[i].at("links").size() == 1);
      CHECK(platform.updates()[i].at("round_id") == 5);
      CHECK(platform.updates()[i].at("current_price") == 1500);
    }
    REQUIRE(platform.finishes().size() == 1);
    CHECK(platform.finishes()[0].at("links_from") == 4);
    CHECK(platform.finishes()[0].at("links").size() == 1);
  });
  std::filesystem::remove_all(dir);
}

TEST_CASE("seller runtime: a result carries only the links the platform lacks",
          "[market][runtime]") {
  const auto dir = fresh_dir("lacks");
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    MachinePlatform platform(ex);
    const market::JournaledFinish journaled = set_up(platform);
    // The platform got the first three links before the seller restarted.
    json held = json::array();
    for (std::size_t i = 0; i < 3; ++i) held.push_back(market::encode(journaled.links[i]));
    platform.apply({{"op", "update_auction"},
                    {"seller", "alice"},
                    {"auction_id", 1},
                    {"round_id", 3},
                    {"current_price", 1300},
                    {"links", held}});
    journal(dir, journaled);
    platform::Client client(ex, platform.client_options("alice"));
    market::SellerRuntimeOptions options;
    options.peer.username = "alice";
    options.state_dir = dir;
    market::SellerRuntime runtime(ex, client, options);
    REQUIRE(runtime.start().has_value());
    co_await async_until([&] { return runtime.undelivered().empty(); });
    runtime.stop();

    CHECK(platform.machine().auction(AuctionId{1})->stage == platform::Stage::finished);
    CHECK(platform.machine().auction(AuctionId{1})->links.size() == 5);
    CHECK(platform.updates().empty());  // the two missing links fit the finish itself
    REQUIRE(platform.finishes().size() == 1);
    CHECK(platform.finishes()[0].at("links_from") == 3);
    CHECK(platform.finishes()[0].at("links").size() == 2);
  });
  std::filesystem::remove_all(dir);
}

// Test fixture for the peer runtimes (SellerPeer, BuyerPeer) on loopback: a seller peer whose
// actions are logged, buyer peers that record what they saw, and one call that runs an
// auction between them with short periods. Real wire servers and clients on 127.0.0.1, no
// platform. Everyone signs with its test key in "test-cluster" (signed_peers.hpp), and the
// seller is sam. Everything runs on the test's executor thread.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>

#include "auction/market/auction_rules.hpp"
#include "auction/market/runtime/buyer_peer.hpp"
#include "auction/market/runtime/seller_peer.hpp"
#include "unit/market/signed_peers.hpp"
#include "wire/client.hpp"

namespace auction::test {

// Short periods keep the suite quick; the deadline leaves a loaded machine room to answer.
inline market::SellerConfig fast_config() {
  market::SellerConfig config;
  config.period_ms = 100;
  config.ack_deadline_ms = 80;
  config.push_period_ms = 100;
  config.pause_retry_ms_max = 400;
  return config;
}

// What a seller peer reported, kept for the test to read.
struct SellerLog {
  std::vector<market::SellerAction> actions;
  std::optional<market::FinishRecord> finish;
  std::optional<market::seller_action::Finish> signed_finish;  // with the chain's links
  std::optional<market::AuctionState> last_push;
  std::vector<market::ChainLink> last_links;  // as last pushed
  bool paused = false;
  bool resumed = false;
  std::vector<market::seller_action::BuyerWithdrawn> withdrawn;
  RoundId round_id = 0;

  market::SellerObserver observer() {
    namespace action = market::seller_action;
    return [this](AuctionId, const market::SellerAction& a) {
      actions.push_back(a);
      if (auto* f = std::get_if<action::Finish>(&a)) {
        finish = f->finish.record;
        signed_finish = *f;
      }
      if (auto* p = std::get_if<action::PushUpdate>(&a)) {
        last_push = p->state;
        last_links = p->links;
      }
      if (auto* n = std::get_if<action::Announce>(&a)) round_id = n->message.round_id;
      if (auto* w = std::get_if<action::BuyerWithdrawn>(&a)) withdrawn.push_back(*w);
      if (std::holds_alternative<action::Paused>(a)) paused = true;
      if (std::holds_alternative<action::Resumed>(a)) resumed = true;
    };
  }
};

// Auction `id` of sam at `seller_address`, as the platform shows it to a buyer.
inline market::WatchedAuction watched(AuctionId id, const std::string& seller_address,
                                      Cents base = Cents{1000}, Cents increment = Cents{100},
                                      RoundId known_round = 0) {
  market::WatchedAuction w;
  w.auction_id = id;
  w.period_ms = fast_config().period_ms;
  w.seller = "sam";
  w.seller_address = seller_address;
  w.seller_key = public_key_of("sam");
  w.base_price = base;
  w.increment = increment;
  w.known_round = known_round;
  return w;
}

// One buyer: its peer and what it saw.
struct TestBuyer {
  TestBuyer(const boost::asio::any_io_executor& ex, std::string name, std::uint16_t port = 0)
      : username(name) {
    market::BuyerPeerOptions options;
    options.signer = test_signer(name);
    options.username = std::move(name);
    options.listen_port = port;
    options.tick = std::chrono::milliseconds(10);
    peer = std::make_unique<market::BuyerPeer>(ex, options, observer());
    auto bound = peer->start();
    REQUIRE(bound.has_value());
    address = "127.0.0.1:" + std::to_string(*bound);
  }

  market::BuyerObserver observer() {
    namespace event = market::buyer_event;
    market::BuyerObserver o;
    o.on_event = [this](AuctionId, const market::BuyerEvent& e) {
      if (auto* p = std::get_if<event::PriceChanged>(&e)) round_id = p->round_id;
      if (auto* f = std::get_if<event::Finished>(&e)) finished = *f;
      if (std::holds_alternative<event::Paused>(e)) paused = true;
      if (std::holds_alternative<event::Resumed>(e)) resumed = true;
      if (auto* b = std::get_if<event::SellerBack>(&e)) seller_back = b->address;
    };
    o.on_withdraw_answered = [this](AuctionId, const market::WithdrawAnswered& answered) {
      if (answered.outcome) outcomes.push_back(*answered.outcome);
    };
    return o;
  }

  // Takes part in auction `id` of sam at `seller_address`.
  void watch(AuctionId id, const std::string& seller_address, Cents base = Cents{1000},
             Cents increment = Cents{100}, RoundId known_round = 0) {
    REQUIRE(peer->watch(watched(id, seller_address, base, increment, known_round)).has_value());
  }

  std::string username;
  std::string address;
  std::unique_ptr<market::BuyerPeer> peer;
  std::optional<RoundId> round_id;
  std::optional<market::buyer_event::Finished> finished;
  bool paused = false;
  bool resumed = false;
  std::string seller_back;
  std::vector<market::WithdrawOutcome> outcomes;
};

inline std::unique_ptr<market::SellerPeer> start_seller(const boost::asio::any_io_executor& ex,
                                                        SellerLog& log, std::uint16_t port = 0) {
  market::SellerPeerOptions options;
  options.username = "sam";
  options.listen_port = port;
  options.tick = std::chrono::milliseconds(5);
  auto seller = std::make_unique<market::SellerPeer>(ex, options, log.observer());
  REQUIRE(seller->start().has_value());
  return seller;
}

inline std::string address_of(const market::SellerPeer& seller) {
  return "127.0.0.1:" + std::to_string(seller.port());
}

// A SellerAuction of sam's with `buyers` and fast_config(), not started.
inline market::SellerAuction make_auction(AuctionId id, std::vector<std::string> buyers,
                                          Cents base = Cents{1000}, Cents increment = Cents{100}) {
  auto rules = market::AuctionRules::create(id, base, increment, buyers);
  REQUIRE(rules.has_value());
  auto auction =
      market::SellerAuction::create(std::move(*rules), fast_config(), seller_keys(buyers));
  REQUIRE(auction.has_value());
  return std::move(*auction);
}

// Makes every buyer watch auction `id` and the seller run it.
inline void run_auction(market::SellerPeer& seller, AuctionId id, std::vector<TestBuyer*> buyers,
                        Cents base = Cents{1000}, Cents increment = Cents{100}) {
  std::vector<std::string> names;
  std::map<std::string, std::string> addresses;
  for (TestBuyer* b : buyers) {
    b->watch(id, address_of(seller), base, increment);
    names.push_back(b->username);
    addresses[b->username] = b->address;
  }
  REQUIRE(seller.run(make_auction(id, names, base, increment), addresses).has_value());
}

// Sends one request `op` with `body` to 127.0.0.1:`port` on a connection of its own, as a
// stranger on the network would, and returns the reply (a refusal is a reply, not an error).
inline boost::asio::awaitable<wire::Reply> async_ask(std::uint16_t port, std::string op,
                                                     wire::Json body) {
  wire::ClientOptions options;
  options.port = port;
  wire::Client client(co_await boost::asio::this_coro::executor, options);
  auto reply =
      co_await client.async_call(std::move(op), std::move(body), std::chrono::milliseconds(5000));
  REQUIRE(reply.has_value());
  wire::Reply answer = std::move(*reply);
  co_return answer;
}

}  // namespace auction::test

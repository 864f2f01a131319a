// Loopback tests of the seller and buyer peer runtimes (SellerPeer, BuyerPeer): real wire
// servers and clients on 127.0.0.1, no platform. They await the events the runtimes report;
// nothing here depends on how fast a round goes, only on what happens in it.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auction/market/buyer_peer.hpp"
#include "auction/market/seller_peer.hpp"
#include "auction/wire/server.hpp"
#include "unit/wire/loopback.hpp"

using namespace auction::market;
using auction::Cents;
using auction::RoundId;
namespace asio = boost::asio;
using wire_test::async_until;
using wire_test::run_async;
namespace wire = auction::wire;

namespace {

// Short periods keep the suite quick; the deadline leaves a loaded machine room to answer.
SellerConfig fast_config() {
  SellerConfig config;
  config.period_ms = 100;
  config.ack_deadline_ms = 80;
  config.push_period_ms = 100;
  config.pause_retry_ms_max = 400;
  return config;
}

// What a seller peer reported, kept for the test to read.
struct SellerLog {
  std::vector<SellerAction> actions;
  std::optional<FinishRecord> finish;
  std::optional<AuctionState> last_push;
  bool paused = false;
  bool resumed = false;
  std::vector<seller_action::BuyerWithdrawn> withdrawn;
  RoundId round_id = 0;

  SellerObserver observer() {
    return [this](AuctionId, const SellerAction& action) {
      actions.push_back(action);
      if (auto* f = std::get_if<seller_action::Finish>(&action)) finish = f->record;
      if (auto* p = std::get_if<seller_action::PushUpdate>(&action)) last_push = p->state;
      if (auto* a = std::get_if<seller_action::Announce>(&action)) round_id = a->message.round_id;
      if (auto* w = std::get_if<seller_action::BuyerWithdrawn>(&action)) withdrawn.push_back(*w);
      if (std::holds_alternative<seller_action::Paused>(action)) paused = true;
      if (std::holds_alternative<seller_action::Resumed>(action)) resumed = true;
    };
  }
};

// One buyer: its peer and what it saw.
struct TestBuyer {
  TestBuyer(const asio::any_io_executor& ex, std::string name, std::uint16_t port = 0)
      : username(name) {
    BuyerPeerOptions options;
    options.username = std::move(name);
    options.listen_port = port;
    options.tick = std::chrono::milliseconds(10);
    peer = std::make_unique<BuyerPeer>(ex, options, observer());
    auto bound = peer->start();
    REQUIRE(bound.has_value());
    address = "127.0.0.1:" + std::to_string(*bound);
  }

  BuyerObserver observer() {
    BuyerObserver o;
    o.on_event = [this](AuctionId, const BuyerEvent& event) {
      if (auto* p = std::get_if<buyer_event::PriceChanged>(&event)) round_id = p->round_id;
      if (auto* f = std::get_if<buyer_event::Finished>(&event)) finished = *f;
      if (std::holds_alternative<buyer_event::Paused>(event)) paused = true;
      if (std::holds_alternative<buyer_event::Resumed>(event)) resumed = true;
      if (auto* b = std::get_if<buyer_event::SellerBack>(&event)) seller_back = b->address;
    };
    o.on_withdraw_answered = [this](AuctionId, const WithdrawAnswered& answered) {
      if (answered.outcome) outcomes.push_back(*answered.outcome);
    };
    return o;
  }

  std::string username;
  std::string address;
  std::unique_ptr<BuyerPeer> peer;
  std::optional<RoundId> round_id;
  std::optional<buyer_event::Finished> finished;
  bool paused = false;
  bool resumed = false;
  std::string seller_back;
  std::vector<WithdrawOutcome> outcomes;
};

std::unique_ptr<SellerPeer> start_seller(const asio::any_io_executor& ex, SellerLog& log,
                                         std::uint16_t port = 0) {
  SellerPeerOptions options;
  options.username = "sam";
  options.listen_port = port;
  options.tick = std::chrono::milliseconds(5);
  auto seller = std::make_unique<SellerPeer>(ex, options, log.observer());
  REQUIRE(seller->start().has_value());
  return seller;
}

std::string address_of(const SellerPeer& seller) {
  return "127.0.0.1:" + std::to_string(seller.port());
}

// Makes every buyer watch auction `id` and the seller run it.
void run_auction(SellerPeer& seller, AuctionId id, std::vector<TestBuyer*> buyers,
                 Cents base = Cents{1000}, Cents increment = Cents{100}) {
  std::vector<std::string> names;
  std::map<std::string, std::string> addresses;
  for (TestBuyer* b : buyers) {
    REQUIRE(b->peer->watch(id, fast_config().period_ms, "sam", address_of(seller)).has_value());
    names.push_back(b->username);
    addresses[b->username] = b->address;
  }
  auto clock = Clock::create(id, base, increment, names);
  REQUIRE(clock.has_value());
  auto auction = SellerAuction::create(std::move(*clock), fast_config());
  REQUIRE(auction.has_value());
  REQUIRE(seller.run(std::move(*auction), addresses).has_value());
}

}  // namespace

TEST_CASE("market: peers run an auction to one winner, withdrawals by request and by max price",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob"), cat(ex, "cat");
    cat.peer->set_max_price(std::nullopt, Cents{1350});
    run_auction(*seller, 7, {&amy, &bob, &cat});

    co_await async_until([&] { return amy.round_id >= 2u; });
    REQUIRE(amy.peer->withdraw(7).has_value());
    co_await async_until([&] { return bob.finished.has_value() && log.finish.has_value(); });
    co_await async_until([&] { return amy.finished && cat.finished; });

    // bob wins at the price of the round in which the last other buyer left.
    const FinishRecord& record = *log.finish;
    CHECK(record.winner == "bob");
    REQUIRE(log.withdrawn.size() == 2);
    const auto& last = log.withdrawn.back();
    CHECK(record.round_id == last.round_id);
    CHECK(record.price == Cents{1000 + 100 * static_cast<std::int64_t>(record.round_id)});
    // cat's proxy withdrew it at the first price above 13.50, never earlier.
    for (const auto& w : log.withdrawn) {
      if (w.username == "cat") {
        CHECK(w.status == BuyerStatus::withdrawn_max_price);
        CHECK(w.round_id >= 4u);
      } else {
        CHECK(w.username == "amy");
        CHECK(w.status == BuyerStatus::withdrawn_by_request);
      }
    }
    CHECK(bob.finished->is_winner);
    CHECK_FALSE(amy.finished->is_winner);
    CHECK(amy.finished->record == record);
    CHECK(cat.finished->record == record);
    CHECK(amy.outcomes.front() == WithdrawOutcome::withdrawn);
    // Withdrawing again after the end is refused by the buyer's own engine.
    CHECK(bob.peer->withdraw(7).error().code == "already_finished");
  });
}

TEST_CASE("market: a buyer that stops answering is withdrawn as silent at its next round",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob"), cat(ex, "cat");
    run_auction(*seller, 1, {&amy, &bob, &cat});
    co_await async_until([&] { return cat.round_id >= 1u; });
    cat.peer->stop();
    co_await async_until([&] { return !log.withdrawn.empty(); });
    CHECK(log.withdrawn.front().username == "cat");
    CHECK(log.withdrawn.front().status == BuyerStatus::withdrawn_silent);
    REQUIRE(bob.peer->withdraw(1).has_value());
    co_await async_until([&] { return amy.finished.has_value(); });
    CHECK(amy.finished->is_winner);
    CHECK(log.finish->winner == "amy");
  });
}

TEST_CASE("market: a seller whose buyers all go silent pauses, withdraws nobody, and resumes",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    auto amy = std::make_unique<TestBuyer>(ex, "amy");
    auto bob = std::make_unique<TestBuyer>(ex, "bob");
    run_auction(*seller, 3, {amy.get(), bob.get()});
    co_await async_until([&] { return amy->round_id >= 1u && bob->round_id >= 1u; });
    const std::uint16_t amy_port = amy->peer->port(), bob_port = bob->peer->port();
    amy.reset();
    bob.reset();
    co_await async_until([&] { return log.paused; });
    CHECK(log.withdrawn.empty());
    // Both come back at the same addresses: the paused round is announced again and taken.
    amy = std::make_unique<TestBuyer>(ex, "amy", amy_port);
    bob = std::make_unique<TestBuyer>(ex, "bob", bob_port);
    REQUIRE(amy->peer->watch(3, 100, "sam", address_of(*seller)).has_value());
    REQUIRE(bob->peer->watch(3, 100, "sam", address_of(*seller)).has_value());
    co_await async_until([&] { return log.resumed; });
    CHECK(log.withdrawn.empty());
    REQUIRE(amy->peer->withdraw(3).has_value());
    co_await async_until([&] { return bob->finished.has_value(); });
    CHECK(bob->finished->is_winner);
  });
}

TEST_CASE("market: buyers see a crashed seller as paused, then back at a new address, and the "
          "auction resumes from its last push",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog first;
    auto seller = start_seller(ex, first);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    run_auction(*seller, 5, {&amy, &bob});
    co_await async_until([&] { return first.last_push && first.last_push->round_id >= 2u; });
    const AuctionState pushed = *first.last_push;
    seller.reset();  // the crash: nothing more is announced
    co_await async_until([&] { return amy.paused && bob.paused; });

    SellerLog second;
    auto restarted = start_seller(ex, second);
    auto clock = Clock::restore(pushed);
    REQUIRE(clock.has_value());
    auto auction = SellerAuction::create(std::move(*clock), fast_config());
    REQUIRE(auction.has_value());
    REQUIRE(restarted
                ->run(std::move(*auction), {{"amy", amy.address}, {"bob", bob.address}},
                      address_of(*restarted))
                .has_value());
    co_await async_until([&] { return !amy.seller_back.empty() && amy.resumed && bob.resumed; });
    CHECK(amy.seller_back == address_of(*restarted));
    // The withdrawal goes to the new address.
    REQUIRE(amy.peer->withdraw(5).has_value());
    co_await async_until([&] { return bob.finished.has_value(); });
    CHECK(bob.finished->is_winner);
    CHECK(second.finish->winner == "bob");
    CHECK(second.finish->round_id >= pushed.round_id);
  });
}

TEST_CASE("market: one seller peer runs many auctions at once", "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::map<AuctionId, FinishRecord> finishes;
    SellerPeerOptions options;
    options.username = "sam";
    options.tick = std::chrono::milliseconds(5);
    SellerPeer seller(ex, options, [&](AuctionId id, const SellerAction& action) {
      if (auto* f = std::get_if<seller_action::Finish>(&action)) finishes[id] = f->record;
    });
    REQUIRE(seller.start().has_value());
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    amy.peer->set_max_price(std::nullopt, Cents{1200});
    constexpr AuctionId count = 8;
    for (AuctionId id = 1; id <= count; ++id) run_auction(seller, id, {&amy, &bob});
    CHECK(seller.running().size() == count);
    co_await async_until([&] { return finishes.size() == count; });
    for (const auto& [id, record] : finishes) {
      CHECK(record.winner == "bob");
      CHECK(record.price >= Cents{1300});
    }
    CHECK(seller.running().empty());
  });
}

TEST_CASE("market: a buyer answers not_joined for an auction it does not watch, and a seller "
          "answers unknown_auction for one it does not run",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    // amy never watches auction 9: she is withdrawn as silent, and bob wins at once.
    REQUIRE(bob.peer->watch(9, 100, "sam", address_of(*seller)).has_value());
    auto clock = Clock::create(9, Cents{500}, Cents{50}, {"amy", "bob"});
    REQUIRE(clock.has_value());
    auto auction = SellerAuction::create(std::move(*clock), fast_config());
    REQUIRE(seller->run(std::move(*auction), {{"amy", amy.address}, {"bob", bob.address}})
                .has_value());
    co_await async_until([&] { return bob.finished.has_value(); });
    CHECK(bob.finished->is_winner);
    CHECK(log.withdrawn.at(0).username == "amy");
    // A withdrawal for an auction this seller does not run.
    REQUIRE(bob.peer->watch(10, 100, "sam", address_of(*seller)).has_value());
    CHECK(bob.peer->withdraw(10).error().code == "not_started");
    CHECK(bob.peer->withdraw(11).error().code == "unknown_auction");
  });
}

TEST_CASE("market: a max price set while an auction runs withdraws at once when the price "
          "already passed it",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    run_auction(*seller, 2, {&amy, &bob});
    co_await async_until([&] { return amy.round_id >= 2u; });
    amy.peer->set_max_price(2, Cents{1050});  // round 2 is at 12.00 already
    co_await async_until([&] { return bob.finished.has_value(); });
    REQUIRE(log.withdrawn.size() == 1);
    CHECK(log.withdrawn[0].username == "amy");
    CHECK(log.withdrawn[0].status == BuyerStatus::withdrawn_max_price);
    CHECK(bob.finished->is_winner);
  });
}

TEST_CASE("market: a seller announces compactly only to buyers whose ack holds the list, and a buyer "
          "that predates the compact form keeps the full one and stays in",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    // Two hand-made buyers on bare wire servers: `old` acks the way buyers did before
    // has_buyers existed; `new` acks with has_buyers. Both record what they were sent.
    struct RawBuyer {
      RawBuyer(const asio::any_io_executor& ex, bool has_buyers) : server(ex, {}) {
        server.handle(std::string(op_announce_price),
                      [this, has_buyers](wire::Request r) -> asio::awaitable<wire::Reply> {
                        bodies.push_back(r.body);
                        wire::Json ack = {{"auction_id", r.body["auction_id"]},
                                          {"round_id", r.body["round_id"]}};
                        if (has_buyers) ack["has_buyers"] = true;
                        co_return wire::Reply::success(std::move(ack));
                      });
        address = "127.0.0.1:" + std::to_string(server.start().value());
      }
      wire::Server server;
      std::string address;
      std::vector<wire::Json> bodies;
    };
    RawBuyer old_buyer(ex, false), new_buyer(ex, true);
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy");
    REQUIRE(amy.peer->watch(5, fast_config().period_ms, "sam", address_of(*seller)).has_value());
    auto clock = Clock::create(5, Cents{1000}, Cents{100}, {"amy", "old", "new"});
    auto auction = SellerAuction::create(std::move(*clock), fast_config());
    REQUIRE(seller
                ->run(std::move(*auction), {{"amy", amy.address},
                                            {"old", old_buyer.address},
                                            {"new", new_buyer.address}})
                .has_value());

    co_await async_until([&] {
      return old_buyer.bodies.size() >= 4 && new_buyer.bodies.size() >= 4 && amy.round_id >= 4u;
    });
    for (const wire::Json& body : old_buyer.bodies) CHECK(body.contains("buyers"));
    CHECK(new_buyer.bodies.front().contains("buyers"));  // the first round: the list
    for (std::size_t i = 1; i < new_buyer.bodies.size(); ++i) {
      CHECK(new_buyer.bodies[i].contains("withdrawn"));
      CHECK_FALSE(new_buyer.bodies[i].contains("buyers"));
    }
    CHECK(log.withdrawn.empty());
    // amy, a buyer of this version, follows the rounds and knows every buyer.
    const BuyerAuction* engine = amy.peer->find(5);
    REQUIRE(engine != nullptr);
    CHECK(engine->buyers().size() == 3);
    CHECK(engine->is_active());
    CHECK(engine->price() == Cents{1000 + 100 * static_cast<std::int64_t>(*engine->round_id())});
  });
}

TEST_CASE("market: buyers in two auctions of one seller take every round of both (the list of "
          "buyers is known per auction)",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    // Rounds each buyer took, per auction, in order.
    std::map<std::string, std::map<AuctionId, std::vector<RoundId>>> taken;
    std::vector<std::unique_ptr<BuyerPeer>> peers;
    std::map<std::string, std::string> addresses;
    for (const std::string name : {"amy", "bob"}) {
      BuyerPeerOptions options;
      options.username = name;
      BuyerObserver observer;
      observer.on_event = [&taken, name](AuctionId id, const BuyerEvent& event) {
        if (auto* p = std::get_if<buyer_event::PriceChanged>(&event)) {
          taken[name][id].push_back(p->round_id);
        }
      };
      peers.push_back(std::make_unique<BuyerPeer>(ex, options, observer));
      addresses[name] = "127.0.0.1:" + std::to_string(peers.back()->start().value());
    }
    SellerLog log;
    auto seller = start_seller(ex, log);
    // The second auction starts once the buyers hold the first one's list, so a seller that
    // took "holds the list" for all auctions would announce the second compactly at once.
    for (AuctionId id : {AuctionId{1}, AuctionId{2}}) {
      for (auto& peer : peers) {
        REQUIRE(peer->watch(id, fast_config().period_ms, "sam", address_of(*seller)).has_value());
      }
      auto clock = Clock::create(id, Cents{1000}, Cents{100}, {"amy", "bob"});
      auto auction = SellerAuction::create(std::move(*clock), fast_config());
      REQUIRE(seller->run(std::move(*auction), addresses).has_value());
      co_await async_until([&] { return taken["amy"][1].size() >= 2 && taken["bob"][1].size() >= 2; });
    }
    co_await async_until([&] {
      for (const auto& [name, auctions] : taken) {
        for (AuctionId id : {AuctionId{1}, AuctionId{2}}) {
          auto it = auctions.find(id);
          if (it == auctions.end() || it->second.size() < 5) return false;
        }
      }
      return taken.size() == 2;
    });
    CHECK(log.withdrawn.empty());
    for (const auto& [name, auctions] : taken) {
      for (const auto& [id, rounds] : auctions) {
        INFO(name << " in auction " << id);
        for (std::size_t i = 0; i < rounds.size(); ++i) CHECK(rounds[i] == i);  // none skipped
      }
    }
  });
}

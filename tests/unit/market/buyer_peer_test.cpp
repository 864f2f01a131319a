// Loopback tests of BuyerPeer (auction/market/runtime/buyer_peer.hpp), a buyer's peer
// runtime, against a real SellerPeer (peer_loopback.hpp): a crashed seller seen as paused and
// back at a new address, auctions it does not watch, the max price proxy, one list of buyers
// per auction. They await the events the runtimes report; nothing here depends on how fast a
// round goes, only on what happens in it.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "unit/market/peer_loopback.hpp"
#include "unit/wire/loopback.hpp"

using namespace auction;
using namespace auction::market;
using namespace auction::test;
namespace asio = boost::asio;
using auction::test::async_until;
using auction::test::run_async;

TEST_CASE(
    "market: buyers see a crashed seller as paused, then back at a new address, and the "
    "auction resumes from its last push",
    "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog first;
    auto seller = start_seller(ex, first);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    run_auction(*seller, AuctionId{5}, {&amy, &bob});
    co_await async_until([&] { return first.last_push && first.last_push->round_id >= 2u; });
    const AuctionState pushed = *first.last_push;
    const std::vector<ChainLink> pushed_links = first.last_links;
    seller.reset();  // the crash: nothing more is announced
    co_await async_until([&] { return amy.paused && bob.paused; });

    SellerLog second;
    auto restarted = start_seller(ex, second);
    auto rules = AuctionRules::restore(pushed);
    REQUIRE(rules.has_value());
    auto auction = SellerAuction::create(std::move(*rules), fast_config(),
                                         seller_keys({"amy", "bob"}), pushed_links);
    REQUIRE(auction.has_value());
    REQUIRE(restarted
                ->run(std::move(*auction), {{"amy", amy.address}, {"bob", bob.address}},
                      address_of(*restarted))
                .has_value());
    co_await async_until([&] { return !amy.seller_back.empty() && amy.resumed && bob.resumed; });
    CHECK(amy.seller_back == address_of(*restarted));
    // The withdrawal goes to the new address.
    REQUIRE(amy.peer->withdraw(AuctionId{5}).has_value());
    co_await async_until([&] { return bob.finished.has_value(); });
    CHECK(bob.finished->is_winner);
    CHECK(second.finish->winner == "bob");
    CHECK(second.finish->round_id >= pushed.round_id);
  });
}

TEST_CASE(
    "market: a buyer answers not_joined for an auction it does not watch, and a seller "
    "answers unknown_auction for one it does not run",
    "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    // amy never watches auction 9: she is withdrawn as silent, and bob wins at once.
    bob.watch(AuctionId{9}, address_of(*seller), Cents{500}, Cents{50});
    REQUIRE(seller
                ->run(make_auction(AuctionId{9}, {"amy", "bob"}, Cents{500}, Cents{50}),
                      {{"amy", amy.address}, {"bob", bob.address}})
                .has_value());
    co_await async_until([&] { return bob.finished.has_value(); });
    CHECK(bob.finished->is_winner);
    CHECK(log.withdrawn.at(0).username == "amy");
    // A withdrawal for an auction this seller does not run.
    bob.watch(AuctionId{10}, address_of(*seller));
    CHECK(bob.peer->withdraw(AuctionId{10}).error().code == "not_started");
    CHECK(bob.peer->withdraw(AuctionId{11}).error().code == "unknown_auction");
  });
}

TEST_CASE(
    "market: a max price set while an auction runs withdraws at once when the price "
    "already passed it",
    "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    run_auction(*seller, AuctionId{2}, {&amy, &bob});
    co_await async_until([&] { return amy.round_id >= 2u; });
    REQUIRE(amy.peer->set_max_price(AuctionId{2}, Cents{1050}).has_value());  // 12.00 already
    co_await async_until([&] { return bob.finished.has_value(); });
    REQUIRE(log.withdrawn.size() == 1);
    CHECK(log.withdrawn[0].username == "amy");
    CHECK(log.withdrawn[0].status == BuyerStatus::withdrawn_max_price);
    CHECK(bob.finished->is_winner);
  });
}

TEST_CASE(
    "market: a max price set before the auction is watched -- typed before the join is "
    "confirmed -- holds once it is, and one cleared before it is watched does not",
    "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    REQUIRE(amy.peer->set_max_price(AuctionId{3}, Cents{1050}).has_value());
    REQUIRE(bob.peer->set_max_price(AuctionId{3}, Cents{1050}).has_value());
    REQUIRE(bob.peer->set_max_price(AuctionId{3}, std::nullopt).has_value());
    CHECK_FALSE(amy.peer->is_watched(AuctionId{3}));
    run_auction(*seller, AuctionId{3}, {&amy, &bob});
    co_await async_until([&] { return bob.finished.has_value(); });
    REQUIRE(log.withdrawn.size() == 1);
    CHECK(log.withdrawn[0].username == "amy");
    CHECK(log.withdrawn[0].status == BuyerStatus::withdrawn_max_price);
    CHECK(bob.finished->is_winner);
  });
}

TEST_CASE("market: max prices for auctions not watched yet are bounded", "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    TestBuyer amy(ex, "amy");
    const std::size_t bound = amy.peer->options().auctions_max;
    for (std::uint64_t id = 1; id <= bound; ++id) {
      REQUIRE(amy.peer->set_max_price(AuctionId{id}, Cents{100}).has_value());
    }
    auto refused = amy.peer->set_max_price(AuctionId{bound + 1}, Cents{100});
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == "limit_exceeded");
    // Changing or clearing one already kept is always possible.
    CHECK(amy.peer->set_max_price(AuctionId{1}, Cents{200}).has_value());
    CHECK(amy.peer->set_max_price(AuctionId{2}, std::nullopt).has_value());
    CHECK(amy.peer->set_max_price(AuctionId{bound + 1}, Cents{100}).has_value());
    co_return;
  });
}

TEST_CASE(
    "market: buyers in two auctions of one seller take every round of both (the list of "
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
      options.signer = test_signer(name);
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
        REQUIRE(peer->watch(watched(id, address_of(*seller))).has_value());
      }
      REQUIRE(seller->run(make_auction(id, {"amy", "bob"}), addresses).has_value());
      const AuctionId first{1};
      co_await async_until(
          [&] { return taken["amy"][first].size() >= 2 && taken["bob"][first].size() >= 2; });
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
        INFO(name << " in auction " << id.value);
        for (std::size_t i = 0; i < rounds.size(); ++i) CHECK(rounds[i] == i);  // none skipped
      }
    }
  });
}

TEST_CASE(
    "market: the buyer's and the seller's peer ports give one source its share of "
    "connections and close the idle ones with a reason",
    "[market][peer][limits]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    BuyerPeerOptions buyer_options;
    buyer_options.username = "amy";
    buyer_options.signer = test_signer("amy");
    buyer_options.connections_per_address_max = 2;
    buyer_options.idle_timeout = std::chrono::milliseconds(100);
    BuyerPeer buyer(ex, buyer_options, {});
    auto buyer_port = buyer.start();
    REQUIRE(buyer_port.has_value());
    SellerPeerOptions seller_options;
    seller_options.username = "sam";
    seller_options.connections_per_address_max = 2;
    seller_options.idle_timeout = std::chrono::milliseconds(100);
    SellerPeer seller(ex, seller_options, {});
    auto seller_port = seller.start();
    REQUIRE(seller_port.has_value());

    // Not a braced list inside the coroutine: g++ 12 miscompiles those.
    std::vector<std::uint16_t> ports;
    ports.push_back(*buyer_port);
    ports.push_back(*seller_port);
    for (const std::uint16_t port : ports) {
      std::vector<RawPeer> held;
      for (int i = 0; i < 2; ++i) {
        // A named peer, then moved: g++ 12 may destroy a co_await temporary twice.
        RawPeer peer = co_await RawPeer::async_connect(port, "127.0.0.2");
        held.push_back(std::move(peer));
        const Json pong = co_await held.back().async_ask("{\"id\":1,\"op\":\"ping\"}\n");
        CHECK(pong["ok"] == true);
      }
      auto refused = co_await RawPeer::async_connect(port, "127.0.0.2");
      const Json refusal = co_await refused.async_read_json();
      CHECK(refusal["error"]["code"] == "too_many_connections");
      auto other = co_await RawPeer::async_connect(port, "127.0.0.3");
      const Json pong = co_await other.async_ask("{\"id\":2,\"op\":\"ping\"}\n");
      CHECK(pong["ok"] == true);
      for (auto& peer : held) {
        const Json closing = co_await peer.async_read_json();
        CHECK(closing["error"]["code"] == "idle_timeout");
      }
    }
    buyer.stop();
    seller.stop();
  });
}

TEST_CASE(
    "market: a stranger's announce_price and auction_finished and seller_back to a buyer peer "
    "are refused with bad_signature",
    "[market][peer][attack]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    const AuctionId id{8};
    run_auction(*seller, id, {&amy, &bob});
    co_await async_until([&] { return amy.round_id >= 1u; });
    const RoundId seen = *amy.round_id;
    const PeerSigner zed = test_signer("zed");
    std::vector<BuyerEntry> bob_out;
    bob_out.push_back({"amy", BuyerStatus::active});
    bob_out.push_back({"bob", BuyerStatus::withdrawn_silent});

    // The next round, with bob out; and round 2^40 at 999,999.00 (amy has no max, but a
    // proxy must never see it): signed by a stranger.
    std::vector<AnnouncePrice> announcements;
    announcements.push_back(signed_announcement(
        id, seen + 1, Cents{1000 + 100 * static_cast<std::int64_t>(seen + 1)}, bob_out, {}, zed));
    announcements.push_back(
        signed_announcement(id, RoundId{1} << 40, Cents{99'999'900}, bob_out, {}, zed));
    for (const AnnouncePrice& forged : announcements) {
      const wire::Reply reply =
          co_await async_ask(amy.peer->port(), std::string(op_announce_price), encode(forged));
      CHECK(reply.code() == "bad_signature");
    }
    // A result that makes bob the winner; a seller_back sending amy's withdrawals elsewhere.
    FinishRecord bob_wins{id, seen, "bob", Cents{1000 + 100 * static_cast<std::int64_t>(seen)},
                          bob_out};
    bob_wins.buyers[0].status = BuyerStatus::withdrawn_silent;
    bob_wins.buyers[1].status = BuyerStatus::active;
    const wire::Reply finished =
        co_await async_ask(amy.peer->port(), std::string(op_auction_finished),
                           encode(signed_finish_of(bob_wins, {}, zed)));
    CHECK(finished.code() == "bad_signature");
    const wire::Reply back =
        co_await async_ask(amy.peer->port(), std::string(op_seller_back),
                           encode(signed_seller_back(id, "127.0.0.1:9", seen, zed)));
    CHECK(back.code() == "bad_signature");

    // Nothing was taken: amy still sees bob in, is not finished, and her seller is where it was.
    CHECK_FALSE(amy.finished.has_value());
    CHECK(amy.seller_back.empty());
    CHECK(amy.peer->seller_address(id) == address_of(*seller));
    const BuyerAuction* engine = amy.peer->find(id);
    REQUIRE(engine != nullptr);
    CHECK(engine->buyers().at("bob") == BuyerStatus::active);
    CHECK(engine->round_id() < (RoundId{1} << 40));
    CHECK_FALSE(engine->is_finished());
    CHECK_FALSE(engine->wants_out());
    // The real auction goes on: amy's withdrawal reaches the real seller, and bob wins.
    REQUIRE(amy.peer->withdraw(id).has_value());
    co_await async_until([&] { return amy.finished.has_value() && bob.finished.has_value(); });
    CHECK(bob.finished->is_winner);
    CHECK_FALSE(amy.finished->is_winner);
    CHECK(amy.finished->record == *log.finish);
  });
}

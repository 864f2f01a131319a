// Loopback tests of SellerPeer (auction/market/runtime/seller_peer.hpp), the seller's peer
// runtime, with real BuyerPeers (peer_loopback.hpp) or bare wire servers as its buyers: rounds
// to one winner, silent buyers, the pause, many auctions at once, compact announcements. They
// await the events the runtimes report; nothing here depends on how fast a round goes, only
// on what happens in it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "unit/market/peer_loopback.hpp"
#include "unit/wire/loopback.hpp"
#include "wire/server.hpp"

using namespace auction;
using namespace auction::market;
using namespace auction::test;
namespace asio = boost::asio;
using auction::test::async_until;
using auction::test::run_async;
namespace wire = auction::wire;

TEST_CASE("market: peers run an auction to one winner, withdrawals by request and by max price",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob"), cat(ex, "cat");
    REQUIRE(cat.peer->set_max_price(std::nullopt, Cents{1350}).has_value());
    run_auction(*seller, AuctionId{7}, {&amy, &bob, &cat});

    co_await async_until([&] { return amy.round_id >= 2u; });
    REQUIRE(amy.peer->withdraw(AuctionId{7}).has_value());
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
    // Withdrawing again after the end is refused by the buyer's own BuyerAuction.
    CHECK(bob.peer->withdraw(AuctionId{7}).error().code == "already_finished");
  });
}

TEST_CASE("market: a buyer that stops answering is withdrawn as silent at its next round",
          "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob"), cat(ex, "cat");
    run_auction(*seller, AuctionId{1}, {&amy, &bob, &cat});
    co_await async_until([&] { return cat.round_id >= 1u; });
    cat.peer->stop();
    co_await async_until([&] { return !log.withdrawn.empty(); });
    CHECK(log.withdrawn.front().username == "cat");
    CHECK(log.withdrawn.front().status == BuyerStatus::withdrawn_silent);
    REQUIRE(bob.peer->withdraw(AuctionId{1}).has_value());
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
    run_auction(*seller, AuctionId{3}, {amy.get(), bob.get()});
    co_await async_until([&] { return amy->round_id >= 1u && bob->round_id >= 1u; });
    const std::uint16_t amy_port = amy->peer->port(), bob_port = bob->peer->port();
    amy.reset();
    bob.reset();
    co_await async_until([&] { return log.paused; });
    CHECK(log.withdrawn.empty());
    // Both come back at the same addresses: the paused round is announced again and taken.
    amy = std::make_unique<TestBuyer>(ex, "amy", amy_port);
    bob = std::make_unique<TestBuyer>(ex, "bob", bob_port);
    amy->watch(AuctionId{3}, address_of(*seller));
    bob->watch(AuctionId{3}, address_of(*seller));
    co_await async_until([&] { return log.resumed; });
    CHECK(log.withdrawn.empty());
    REQUIRE(amy->peer->withdraw(AuctionId{3}).has_value());
    co_await async_until([&] { return bob->finished.has_value(); });
    CHECK(bob->finished->is_winner);
  });
}

TEST_CASE("market: one seller peer runs many auctions at once", "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::map<AuctionId, FinishRecord> finishes;
    SellerPeerOptions options;
    options.username = "sam";
    options.tick = std::chrono::milliseconds(5);
    SellerPeer seller(ex, options, [&](AuctionId id, const SellerAction& action) {
      if (auto* f = std::get_if<seller_action::Finish>(&action)) finishes[id] = f->finish.record;
    });
    REQUIRE(seller.start().has_value());
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    REQUIRE(amy.peer->set_max_price(std::nullopt, Cents{1200}).has_value());
    constexpr std::uint64_t count = 8;
    for (std::uint64_t id = 1; id <= count; ++id) run_auction(seller, AuctionId{id}, {&amy, &bob});
    CHECK(seller.running().size() == count);
    co_await async_until([&] { return finishes.size() == count; });
    for (const auto& [id, record] : finishes) {
      CHECK(record.winner == "bob");
      CHECK(record.price >= Cents{1300});
    }
    CHECK(seller.running().empty());
  });
}

TEST_CASE(
    "market: a seller announces compactly only to buyers whose ack holds the list, and a buyer "
    "that predates the compact form keeps the full one and stays in",
    "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    // Two hand-made buyers on bare wire servers: `old` acks the way buyers did before
    // has_buyers existed; `new` acks with has_buyers. Both sign their acks over the full form
    // (expanded from the compact one with the list they know), and record what they were sent.
    struct RawBuyer {
      RawBuyer(const asio::any_io_executor& ex, std::string name, bool has_buyers)
          : server(ex, {}) {
        server.handle(std::string(op_announce_price),
                      [this, name, has_buyers](wire::Request r) -> asio::awaitable<wire::Reply> {
                        bodies.push_back(r.body);
                        auto message = decode_announce_price(r.body);
                        if (!message) co_return wire::Reply::failure(message.error());
                        AnnouncePrice full = *message;
                        if (message->is_compact) full = expand_compact(*message, joined).value();
                        co_return wire::Reply::success(encode(signed_ack(full, name, has_buyers)));
                      });
        address = "127.0.0.1:" + std::to_string(server.start().value());
      }
      const std::vector<std::string> joined = {"amy", "old", "new"};
      wire::Server server;
      std::string address;
      std::vector<wire::Json> bodies;
    };
    RawBuyer old_buyer(ex, "old", false), new_buyer(ex, "new", true);
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy");
    amy.watch(AuctionId{5}, address_of(*seller));
    REQUIRE(
        seller
            ->run(make_auction(AuctionId{5}, {"amy", "old", "new"}),
                  {{"amy", amy.address}, {"old", old_buyer.address}, {"new", new_buyer.address}})
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
    const BuyerAuction* auction = amy.peer->find(AuctionId{5});
    REQUIRE(auction != nullptr);
    CHECK(auction->buyers().size() == 3);
    CHECK(auction->is_active());
    CHECK(auction->price() == Cents{1000 + 100 * static_cast<std::int64_t>(*auction->round_id())});
  });
}

TEST_CASE(
    "market: a stranger's withdraw to a seller peer is refused with bad_signature and the buyer "
    "stays active",
    "[market][peer][attack]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    SellerLog log;
    auto seller = start_seller(ex, log);
    TestBuyer amy(ex, "amy"), bob(ex, "bob");
    const AuctionId id{6};
    run_auction(*seller, id, {&amy, &bob});
    co_await async_until([&] { return amy.round_id >= 1u; });
    const RoundId round = seller->find(id)->rules().round_id();
    const Cents price = seller->find(id)->rules().price();
    // amy's name on requests amy never signed: a stranger's key, bob's key, no signature.
    std::vector<WithdrawRequest> forgeries;
    forgeries.push_back(
        signed_withdraw(id, "amy", WithdrawReason::by_request, round, price, test_signer("zed")));
    forgeries.push_back(
        signed_withdraw(id, "amy", WithdrawReason::by_request, round, price, test_signer("bob")));
    forgeries.push_back(signed_withdraw(id, "amy", WithdrawReason::by_request, round, price,
                                        test_signer("amy", "other-cluster")));
    forgeries.push_back(WithdrawRequest{id, "amy", WithdrawReason::by_request, round, price, {}});
    for (const WithdrawRequest& forged : forgeries) {
      const wire::Reply reply =
          co_await async_ask(seller->port(), std::string(op_withdraw), encode(forged));
      CHECK_FALSE(reply.ok);
      CHECK(reply.code() == "bad_signature");
      CHECK(seller->find(id)->rules().find("amy")->is_active());
      CHECK(seller->find(id)->chain().links().empty());
    }
    CHECK(log.withdrawn.empty());
    // amy is still in: she takes the rounds that follow.
    const RoundId seen = *amy.round_id;
    co_await async_until([&] { return amy.round_id > seen; });
    CHECK(seller->find(id)->rules().find("amy")->is_active());
    // Her own request is believed, with its proof in the chain.
    REQUIRE(amy.peer->withdraw(id).has_value());
    co_await async_until([&] { return bob.finished.has_value() && log.signed_finish.has_value(); });
    CHECK(bob.finished->is_winner);
    REQUIRE(log.withdrawn.size() == 1);
    CHECK(log.withdrawn[0].username == "amy");
    CHECK(log.withdrawn[0].status == BuyerStatus::withdrawn_by_request);
    REQUIRE(log.signed_finish->links.size() == 1);
    CHECK(log.signed_finish->links[0].withdrawals.at(0).proof.has_value());
  });
}

TEST_CASE(
    "market: a compact announcement to a buyer that restarted is answered buyers_unknown and the "
    "seller peer resends the full form so the buyer is not withdrawn as silent",
    "[market][peer]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    // A buyer that holds no list answers a compact announcement, even the seller's own, with
    // buyers_unknown; the full form of the same announcement it takes.
    {
      TestBuyer fresh(ex, "amy");
      fresh.watch(AuctionId{12}, "127.0.0.1:1");
      const AnnouncePrice full = signed_announcement(
          AuctionId{12}, 0, Cents{1000},
          std::vector<BuyerEntry>{{"amy", BuyerStatus::active}, {"bob", BuyerStatus::active}});
      const wire::Reply refused = co_await async_ask(
          fresh.peer->port(), std::string(op_announce_price), encode(compact_of(full)));
      CHECK(refused.code() == "buyers_unknown");
      const wire::Reply taken =
          co_await async_ask(fresh.peer->port(), std::string(op_announce_price), encode(full));
      REQUIRE(taken.ok);
      auto ack = decode_peer_ack(taken.result);
      REQUIRE(ack.has_value());
      CHECK(ack->has_buyers);
      CHECK(is_ack_of(*ack, "amy", 0, announcement_statement(full)));
    }

    // In a running auction: amy restarts (same address, no list); the seller, which knows she
    // held the list, sends her the compact form, gets buyers_unknown, and sends the full one.
    SellerLog log;
    auto seller = start_seller(ex, log);
    const AuctionId id{13};
    auto amy = std::make_unique<TestBuyer>(ex, "amy");
    TestBuyer bob(ex, "bob");
    run_auction(*seller, id, {amy.get(), &bob});
    co_await async_until([&] { return amy->round_id >= 2u; });
    const std::uint16_t amy_port = amy->peer->port();
    amy.reset();
    amy = std::make_unique<TestBuyer>(ex, "amy", amy_port);
    // The platform shows the restarted buyer the round the auction is at.
    amy->watch(id, address_of(*seller), Cents{1000}, Cents{100},
               seller->find(id)->rules().round_id());
    co_await async_until([&] { return amy->round_id.has_value(); });
    const RoundId first = *amy->round_id;
    co_await async_until([&] { return amy->round_id >= first + 2; });
    CHECK(log.withdrawn.empty());
    const BuyerAuction* engine = amy->peer->find(id);
    REQUIRE(engine != nullptr);
    CHECK(engine->buyers().size() == 2);
    CHECK(engine->is_active());
    CHECK(seller->find(id)->rules().find("amy")->is_active());
  });
}

// Tests of BuyerAuction (auction/market/buyer_auction.hpp), a buyer's pure engine of one
// auction: newest round, stale announcements, pause detection, the max price proxy,
// withdrawal resends, compact announcements and the finish.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "auction/market/buyer_auction.hpp"
#include "unit/market/variants.hpp"

using namespace auction;
using namespace auction::market;
using auction::test::all_of;
using auction::test::count_of;

namespace {

constexpr AuctionId auction_id{4};

BuyerConfig test_config(std::optional<Cents> max_price = std::nullopt) {
  BuyerConfig c;
  c.auction_id = auction_id;
  c.username = "amy";
  c.period_ms = 1000;
  c.pause_after_periods = 3;
  c.max_price = max_price;
  return c;
}

const std::vector<BuyerEntry> all_active = {
    {"amy", BuyerStatus::active}, {"bob", BuyerStatus::active}, {"cat", BuyerStatus::active}};

Cents price_of(RoundId round) { return Cents(1000 + 100 * static_cast<std::int64_t>(round)); }

// The full announcement of `round`: every buyer's status.
AnnouncePrice announce(RoundId round, std::vector<BuyerEntry> buyers = all_active) {
  return AnnouncePrice{auction_id, round, price_of(round), std::move(buyers), false};
}

// The compact announcement of `round`: the withdrawn buyers only.
AnnouncePrice compact(RoundId round, std::vector<BuyerEntry> withdrawn) {
  return AnnouncePrice{auction_id, round, price_of(round), std::move(withdrawn), true};
}

}  // namespace

TEST_CASE("market: a buyer takes a newer round and acknowledges it", "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  auto step = b.on_announce(announce(0), 10);
  CHECK(step.ack == PeerAck{auction_id, 0, true});
  auto changed = all_of<buyer_event::PriceChanged>(step.events);
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].price == Cents(1000));
  CHECK(b.round_id() == 0);
  CHECK(b.is_active());
}

TEST_CASE("market: a newer announcement is taken after missed rounds and reports who left",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(0), 10);
  auto step = b.on_announce(announce(5, {{"amy", BuyerStatus::active},
                                         {"bob", BuyerStatus::withdrawn_silent},
                                         {"cat", BuyerStatus::active}}),
                            5010);
  CHECK(step.ack.round_id == 5);
  CHECK(b.round_id() == 5);
  CHECK(b.price() == Cents(1500));
  auto left = all_of<buyer_event::BuyerWithdrew>(step.events);
  REQUIRE(left.size() == 1);
  CHECK(left[0].username == "bob");
  CHECK(left[0].status == BuyerStatus::withdrawn_silent);
  // The same news is not reported twice.
  auto again = b.on_announce(announce(6, {{"amy", BuyerStatus::active},
                                          {"bob", BuyerStatus::withdrawn_silent},
                                          {"cat", BuyerStatus::active}}),
                             6010);
  CHECK(count_of<buyer_event::BuyerWithdrew>(again.events) == 0);
}

TEST_CASE("market: a stale or repeated announcement is acknowledged but never applied",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(7), 10);
  auto stale = b.on_announce(announce(3, {{"amy", BuyerStatus::active},
                                          {"bob", BuyerStatus::withdrawn_by_request},
                                          {"cat", BuyerStatus::active}}),
                             20);
  CHECK(stale.ack == PeerAck{auction_id, 3, true});  // acked, so the seller does not withdraw us
  CHECK(stale.events.empty());
  CHECK(b.round_id() == 7);
  CHECK(b.price() == Cents(1700));
  CHECK(b.buyers().at("bob") == BuyerStatus::active);
  auto repeated = b.on_announce(announce(7), 30);
  CHECK(repeated.ack.round_id == 7);
  CHECK(repeated.events.empty());
}

TEST_CASE("market: a buyer notices a pause once and a later announcement resumes it",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(2), 1000);
  CHECK(b.on_tick(3999).empty());
  auto paused = all_of<buyer_event::Paused>(b.on_tick(4000));
  REQUIRE(paused.size() == 1);
  CHECK(paused[0].round_id == RoundId{2});
  CHECK(b.is_paused());
  for (std::int64_t t = 4100; t < 20'000; t += 500) CHECK(b.on_tick(t).empty());

  // The seller comes back at a new address: reported, but still paused until it announces.
  auto back = b.on_seller_back(SellerBack{auction_id, "sam", "10.0.0.2:7001"}, 20'000);
  auto back_events = all_of<buyer_event::SellerBack>(back.events);
  REQUIRE(back_events.size() == 1);
  CHECK(back_events[0].address == "10.0.0.2:7001");
  CHECK(b.is_paused());

  // A restarted seller resumes from an older push: stale, yet it shows the seller is back.
  auto step = b.on_announce(announce(1), 21'000);
  CHECK(count_of<buyer_event::Resumed>(step.events) == 1);
  CHECK(count_of<buyer_event::PriceChanged>(step.events) == 0);
  CHECK_FALSE(b.is_paused());
  CHECK(b.on_tick(23'999).empty());
  CHECK(count_of<buyer_event::Paused>(b.on_tick(24'000)) == 1);  // a second pause, reported again
}

TEST_CASE("market: a buyer that never hears round 0 sees the auction paused", "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 500).value();
  CHECK(b.on_tick(3499).empty());
  auto paused = all_of<buyer_event::Paused>(b.on_tick(3500));
  REQUIRE(paused.size() == 1);
  CHECK_FALSE(paused[0].round_id.has_value());
}

TEST_CASE("market: the max price proxy withdraws exactly when the price passes the max",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(Cents(1300)), 0).value();
  for (RoundId r = 0; r <= 3; ++r) {  // 1000 .. 1300: at the max is not above it
    CHECK(count_of<buyer_event::SendWithdraw>(b.on_announce(announce(r), 0).events) == 0);
  }
  auto step = b.on_announce(announce(4), 0);  // 1400
  auto sends = all_of<buyer_event::SendWithdraw>(step.events);
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].request == WithdrawRequest{auction_id, "amy", WithdrawReason::max_price});
  // The seller took it: the next round shows us out, nothing is sent again.
  auto after = b.on_announce(announce(5, {{"amy", BuyerStatus::withdrawn_max_price},
                                          {"bob", BuyerStatus::active},
                                          {"cat", BuyerStatus::active}}),
                             0);
  CHECK(count_of<buyer_event::SendWithdraw>(after.events) == 0);
  CHECK_FALSE(b.is_active());
  CHECK(b.request_withdraw().empty());
}

TEST_CASE("market: a withdrawal is sent again while the seller still lists us active",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(0), 0);
  auto sent = all_of<buyer_event::SendWithdraw>(b.request_withdraw());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request.reason == WithdrawReason::by_request);
  // The request crossed the next announcement (or the seller restarted from an older push).
  CHECK(count_of<buyer_event::SendWithdraw>(b.on_announce(announce(1), 0).events) == 1);
}

TEST_CASE("market: a buyer takes the result once and knows whether it won", "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(3), 0);
  FinishRecord r{auction_id,
                 3,
                 "amy",
                 Cents(1300),
                 {{"amy", BuyerStatus::active}, {"bob", BuyerStatus::withdrawn_by_request}}};
  auto step = b.on_finished(r, 10);
  CHECK(step.ack == PeerAck{auction_id, 3});
  auto done = all_of<buyer_event::Finished>(step.events);
  REQUIRE(done.size() == 1);
  CHECK(done[0].is_winner);
  CHECK(done[0].record == r);
  CHECK(b.on_finished(r, 20).events.empty());
  CHECK(b.on_announce(announce(4), 30).events.empty());
  CHECK(b.on_tick(100'000).empty());
  CHECK(b.request_withdraw().empty());
}

TEST_CASE("market: a buyer config is checked", "[market][buyer]") {
  BuyerConfig c = test_config();
  c.username = "no spaces";
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config(Cents(-1));
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.pause_after_periods = 0;
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.period_ms = 0;
  CHECK(validate(c).error().code == "invalid_argument");
}

// The compact announcement (docs/auction.md, "Compact announcements"), as a buyer takes it.

TEST_CASE("market: a buyer without the list acks a compact announcement but takes nothing",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  auto step = b.on_announce(compact(3, {}), 10);
  // Acked: not silent. has_buyers false: the seller sends the full list next.
  CHECK(step.ack == PeerAck{auction_id, 3, false});
  CHECK_FALSE(b.round_id().has_value());
  CHECK(count_of<buyer_event::PriceChanged>(step.events) == 0);

  auto taken = b.on_announce(announce(4), 20);
  CHECK(taken.ack == PeerAck{auction_id, 4, true});
  CHECK(b.round_id() == 4);
}

TEST_CASE("market: a compact announcement gives the same statuses as the full list",
          "[market][buyer]") {
  BuyerAuction by_full = BuyerAuction::create(test_config(), 0).value();
  BuyerAuction by_compact = BuyerAuction::create(test_config(), 0).value();
  (void)by_full.on_announce(announce(0), 10);
  (void)by_compact.on_announce(announce(0), 10);

  const std::vector<BuyerEntry> round_5 = {{"amy", BuyerStatus::active},
                                           {"bob", BuyerStatus::withdrawn_silent},
                                           {"cat", BuyerStatus::active}};
  auto a = by_full.on_announce(announce(5, round_5), 5010);
  auto b = by_compact.on_announce(compact(5, {{"bob", BuyerStatus::withdrawn_silent}}), 5010);
  CHECK(b.ack == PeerAck{auction_id, 5, true});
  CHECK(by_compact.buyers() == by_full.buyers());
  CHECK(by_compact.price() == Cents(1500));
  auto left = all_of<buyer_event::BuyerWithdrew>(b.events);
  REQUIRE(left.size() == 1);
  CHECK(left[0].username == "bob");
  CHECK(count_of<buyer_event::BuyerWithdrew>(a.events) == 1);

  // The same news is not reported twice.
  auto again = by_compact.on_announce(compact(6, {{"bob", BuyerStatus::withdrawn_silent}}), 6010);
  CHECK(count_of<buyer_event::BuyerWithdrew>(again.events) == 0);

  // A seller restarted from an older push lists bob active again (by not listing him): the
  // buyer shows him active, as the full list would.
  (void)by_compact.on_announce(compact(7, {}), 7010);
  CHECK(by_compact.buyers().at("bob") == BuyerStatus::active);
}

TEST_CASE("market: a buyer who asked out and is not listed withdrawn asks again",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(0), 10);
  (void)b.request_withdraw();
  auto step = b.on_announce(compact(1, {{"bob", BuyerStatus::withdrawn_silent}}), 1010);
  CHECK(count_of<buyer_event::SendWithdraw>(step.events) == 1);
  auto out = b.on_announce(compact(2, {{"amy", BuyerStatus::withdrawn_by_request}}), 2010);
  CHECK(count_of<buyer_event::SendWithdraw>(out.events) == 0);
  CHECK_FALSE(b.is_active());
}

// Property-style: seeded shuffles of duplicated announcements. Each seed replays exactly; a
// failure names its seed.
TEST_CASE("market: a buyer's round never moves backwards under shuffled announcements",
          "[market][buyer][property]") {
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    auto chance = [&rng](double p) { return std::bernoulli_distribution(p)(rng); };
    BuyerConfig config = test_config();
    config.max_price = Cents(std::uniform_int_distribution<std::int64_t>(0, 3000)(rng));
    BuyerAuction buyer = BuyerAuction::create(config, 0).value();
    std::vector<RoundId> rounds;
    for (RoundId r = 0; r < 40; ++r) {
      rounds.push_back(r);
      if (chance(0.3)) rounds.push_back(r);  // duplicates
    }
    std::shuffle(rounds.begin(), rounds.end(), rng);
    std::optional<RoundId> newest;
    int max_price_sends = 0;
    for (RoundId r : rounds) {
      AnnouncePrice m{auction_id,
                      r,
                      Cents(100 * static_cast<std::int64_t>(r)),
                      {{"amy", BuyerStatus::active}, {"bob", BuyerStatus::active}}};
      auto step = buyer.on_announce(m, 0);
      REQUIRE(step.ack == PeerAck{auction_id, r, true});  // every announcement is acknowledged
      newest = newest ? std::max(*newest, r) : r;
      REQUIRE(buyer.round_id() == newest);
      REQUIRE(buyer.price() == Cents(100 * static_cast<std::int64_t>(*newest)));
      for (const auto& s : all_of<buyer_event::SendWithdraw>(step.events)) {
        REQUIRE(s.request.reason == WithdrawReason::max_price);
        REQUIRE(buyer.price() > *config.max_price);
        ++max_price_sends;
      }
    }
    // The seller here never takes the withdrawal, so it is repeated on each announcement that
    // still lists amy active, but only once the price passed the max.
    REQUIRE((max_price_sends > 0) ==
            (*newest * 100 > static_cast<RoundId>(config.max_price->value)));
  }
}

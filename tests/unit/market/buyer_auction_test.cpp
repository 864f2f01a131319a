// Tests of BuyerAuction (auction/market/buyer_auction.hpp), a buyer's pure engine of one
// auction: newest round, stale announcements, pause detection, the max price proxy,
// withdrawal resends, compact announcements and the finish; and, as an attacker would try
// them, forged, replayed and implausible messages, each refused with nothing changed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "auction/market/buyer_auction.hpp"
#include "unit/market/signed_peers.hpp"
#include "unit/market/variants.hpp"

using namespace auction;
using namespace auction::market;
using auction::test::all_of;
using auction::test::count_of;
using auction::test::error_code_of;
using auction::test::is_ack_of;
using auction::test::is_signed_withdraw;
using auction::test::test_signer;

namespace {

constexpr AuctionId auction_id{4};

BuyerConfig test_config(std::optional<Cents> max_price = std::nullopt) {
  BuyerConfig c = auction::test::buyer_config(auction_id, "amy", Cents(1000), Cents(100));
  c.max_price = max_price;
  return c;
}

const std::vector<BuyerEntry> all_active = {
    {"amy", BuyerStatus::active}, {"bob", BuyerStatus::active}, {"cat", BuyerStatus::active}};

Cents price_of(RoundId round) { return Cents(1000 + 100 * static_cast<std::int64_t>(round)); }

// The full announcement of `round`, every buyer's status, signed by the seller sam.
AnnouncePrice announce(RoundId round, std::vector<BuyerEntry> buyers = all_active) {
  return auction::test::signed_announcement(auction_id, round, price_of(round), std::move(buyers));
}

// The compact announcement of `round`: the withdrawn buyers only (every other one of
// all_active is active), with the seller's signature over the full form.
AnnouncePrice compact(RoundId round, const std::vector<BuyerEntry>& withdrawn) {
  std::vector<BuyerEntry> full = all_active;
  for (BuyerEntry& b : full) {
    for (const BuyerEntry& w : withdrawn) {
      if (w.username == b.username) b.status = w.status;
    }
  }
  return auction::test::compact_of(announce(round, std::move(full)));
}

// Whether `ack` is amy's signed acknowledgement of the full announcement `message`.
bool acks(const PeerAck& ack, const AnnouncePrice& message) {
  return ack.auction_id == auction_id &&
         is_ack_of(ack, "amy", message.round_id, announcement_statement(message));
}

}  // namespace

TEST_CASE("market: a buyer takes a newer round and acknowledges it", "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  auto step = b.on_announce(announce(0), 10).value();
  CHECK(acks(step.ack, announce(0)));
  CHECK(step.ack.has_buyers);
  auto changed = all_of<buyer_event::PriceChanged>(step.events);
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].price == Cents(1000));
  CHECK(b.round_id() == 0);
  CHECK(b.is_active());
}

TEST_CASE("market: a newer announcement is taken after missed rounds and reports who left",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(0), 10).value();
  auto step = b.on_announce(announce(5, {{"amy", BuyerStatus::active},
                                         {"bob", BuyerStatus::withdrawn_silent},
                                         {"cat", BuyerStatus::active}}),
                            5010)
                  .value();
  CHECK(step.ack.round_id == 5);
  CHECK(b.round_id() == 5);
  CHECK(b.price() == Cents(1500));
  auto left = all_of<buyer_event::BuyerWithdrew>(step.events);
  REQUIRE(left.size() == 1);
  CHECK(left[0].username == "bob");
  CHECK(left[0].status == BuyerStatus::withdrawn_silent);
  // Rounds 1 to 4 were missed: bob left by round 4, the one before the first that shows it.
  CHECK(left[0].round_id == 4);
  CHECK_FALSE(left[0].is_exact);
  // The same news is not reported twice.
  auto again = b.on_announce(announce(6, {{"amy", BuyerStatus::active},
                                          {"bob", BuyerStatus::withdrawn_silent},
                                          {"cat", BuyerStatus::active}}),
                             6010)
                   .value();
  CHECK(count_of<buyer_event::BuyerWithdrew>(again.events) == 0);
}

TEST_CASE("market: a stale or repeated announcement is acknowledged but never applied",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(7), 7010).value();  // seven periods after the start
  const AnnouncePrice old = announce(3, {{"amy", BuyerStatus::active},
                                         {"bob", BuyerStatus::withdrawn_by_request},
                                         {"cat", BuyerStatus::active}});
  auto stale = b.on_announce(old, 7020).value();
  // Acked, so the seller does not withdraw us.
  CHECK(acks(stale.ack, old));
  CHECK(stale.ack.has_buyers);
  CHECK(stale.events.empty());
  CHECK(b.round_id() == 7);
  CHECK(b.price() == Cents(1700));
  CHECK(b.buyers().at("bob") == BuyerStatus::active);
  auto repeated = b.on_announce(announce(7), 7030).value();
  CHECK(repeated.ack.round_id == 7);
  CHECK(repeated.events.empty());
}

TEST_CASE("market: a buyer notices a pause once and a later announcement resumes it",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(2), 1000).value();
  CHECK(b.on_tick(3999).empty());
  auto paused = all_of<buyer_event::Paused>(b.on_tick(4000));
  REQUIRE(paused.size() == 1);
  CHECK(paused[0].round_id == RoundId{2});
  CHECK(b.is_paused());
  for (std::int64_t t = 4100; t < 20'000; t += 500) CHECK(b.on_tick(t).empty());

  // The seller comes back at a new address: reported, but still paused until it announces.
  auto back =
      b.on_seller_back(auction::test::signed_seller_back(auction_id, "10.0.0.2:7001", 2), 20'000)
          .value();
  CHECK(back.ack.round_id == 2);
  auto back_events = all_of<buyer_event::SellerBack>(back.events);
  REQUIRE(back_events.size() == 1);
  CHECK(back_events[0].address == "10.0.0.2:7001");
  CHECK(b.is_paused());

  // A restarted seller resumes from an older push: stale, yet it shows the seller is back.
  auto step = b.on_announce(announce(1), 21'000).value();
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
    const auto t = static_cast<std::int64_t>(r) * 1000;
    CHECK(count_of<buyer_event::SendWithdraw>(b.on_announce(announce(r), t).value().events) == 0);
  }
  auto step = b.on_announce(announce(4), 4000).value();  // 1400
  auto sends = all_of<buyer_event::SendWithdraw>(step.events);
  REQUIRE(sends.size() == 1);
  const WithdrawRequest& request = sends[0].request;
  CHECK(request.auction_id == auction_id);
  CHECK(request.username == "amy");
  CHECK(request.reason == WithdrawReason::max_price);
  CHECK(request.round_id == 4);
  CHECK(request.price == Cents(1400));
  CHECK(is_signed_withdraw(request));
  // The seller took it: the next round shows us out, nothing is sent again.
  auto after = b.on_announce(announce(5, {{"amy", BuyerStatus::withdrawn_max_price},
                                          {"bob", BuyerStatus::active},
                                          {"cat", BuyerStatus::active}}),
                             5000)
                   .value();
  CHECK(count_of<buyer_event::SendWithdraw>(after.events) == 0);
  CHECK_FALSE(b.is_active());
  CHECK(b.request_withdraw().empty());
}

TEST_CASE("market: a withdrawal is sent again while the seller still lists us active",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(0), 0).value();
  auto sent = all_of<buyer_event::SendWithdraw>(b.request_withdraw());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request.reason == WithdrawReason::by_request);
  // The request crossed the next announcement (or the seller restarted from an older push).
  CHECK(count_of<buyer_event::SendWithdraw>(b.on_announce(announce(1), 1000).value().events) == 1);
}

TEST_CASE("market: a buyer takes the result once and knows whether it won", "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(3), 3000).value();
  FinishRecord r{auction_id,
                 3,
                 "amy",
                 Cents(1300),
                 {{"amy", BuyerStatus::active}, {"bob", BuyerStatus::withdrawn_by_request}}};
  const SignedFinish finish = auction::test::signed_finish_of(r);
  auto step = b.on_finished(finish, 3010).value();
  CHECK(step.ack.auction_id == auction_id);
  CHECK(is_ack_of(step.ack, "amy", 3, finished_statement(r, finish.chain_head)));
  auto done = all_of<buyer_event::Finished>(step.events);
  REQUIRE(done.size() == 1);
  CHECK(done[0].is_winner);
  CHECK(done[0].record == r);
  CHECK(b.on_finished(finish, 3020).value().events.empty());
  CHECK(b.on_announce(announce(4), 3030).value().events.empty());
  CHECK(b.on_tick(100'000).empty());
  CHECK(b.request_withdraw().empty());
}

TEST_CASE("market: a buyer config is checked", "[market][buyer]") {
  CHECK(validate(test_config()).has_value());
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
  c = test_config();
  c.seller = "no spaces";
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.increment = Cents(0);
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.base_price = Cents(-1);
  CHECK(validate(c).error().code == "invalid_argument");
  // The signer must be this buyer's, with a key pair and a cluster.
  c = test_config();
  c.signer = test_signer("bob");
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.signer.keys = nullptr;
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.signer.cluster_id.clear();
  CHECK(validate(c).error().code == "invalid_argument");
}

// The compact announcement (docs/auction.md, "Compact announcements"), as a buyer takes it.

TEST_CASE(
    "market: a buyer without the list refuses a compact announcement with buyers_unknown and "
    "takes nothing",
    "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  auto refused = b.on_announce(compact(3, {}), 3000);
  // Refused: the seller sends the full form at once (and it is what gets acked).
  CHECK(error_code_of(refused) == "buyers_unknown");
  CHECK_FALSE(b.round_id().has_value());
  CHECK(b.buyers().empty());

  auto taken = b.on_announce(announce(4), 4000).value();
  CHECK(acks(taken.ack, announce(4)));
  CHECK(taken.ack.has_buyers);
  CHECK(b.round_id() == 4);
}

TEST_CASE("market: a compact announcement gives the same statuses as the full list",
          "[market][buyer]") {
  BuyerAuction by_full = BuyerAuction::create(test_config(), 0).value();
  BuyerAuction by_compact = BuyerAuction::create(test_config(), 0).value();
  (void)by_full.on_announce(announce(0), 10).value();
  (void)by_compact.on_announce(announce(0), 10).value();

  const std::vector<BuyerEntry> round_5 = {{"amy", BuyerStatus::active},
                                           {"bob", BuyerStatus::withdrawn_silent},
                                           {"cat", BuyerStatus::active}};
  auto a = by_full.on_announce(announce(5, round_5), 5010).value();
  auto b =
      by_compact.on_announce(compact(5, {{"bob", BuyerStatus::withdrawn_silent}}), 5010).value();
  // The ack is over the full form, whichever form came.
  CHECK(acks(b.ack, announce(5, round_5)));
  CHECK(b.ack.has_buyers);
  CHECK(b.ack == a.ack);
  CHECK(by_compact.buyers() == by_full.buyers());
  CHECK(by_compact.price() == Cents(1500));
  auto left = all_of<buyer_event::BuyerWithdrew>(b.events);
  REQUIRE(left.size() == 1);
  CHECK(left[0].username == "bob");
  CHECK(count_of<buyer_event::BuyerWithdrew>(a.events) == 1);

  // The same news is not reported twice.
  auto again =
      by_compact.on_announce(compact(6, {{"bob", BuyerStatus::withdrawn_silent}}), 6010).value();
  CHECK(count_of<buyer_event::BuyerWithdrew>(again.events) == 0);

  // A seller restarted from an older push lists bob active again (by not listing him): the
  // buyer shows him active, as the full list would.
  (void)by_compact.on_announce(compact(7, {}), 7010).value();
  CHECK(by_compact.buyers().at("bob") == BuyerStatus::active);
}

TEST_CASE("market: a buyer who asked out and is not listed withdrawn asks again",
          "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b.on_announce(announce(0), 10).value();
  (void)b.request_withdraw();
  auto step = b.on_announce(compact(1, {{"bob", BuyerStatus::withdrawn_silent}}), 1010).value();
  CHECK(count_of<buyer_event::SendWithdraw>(step.events) == 1);
  auto out = b.on_announce(compact(2, {{"amy", BuyerStatus::withdrawn_by_request}}), 2010).value();
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
    BuyerConfig config = auction::test::buyer_config(auction_id, "amy", Cents(0), Cents(100));
    config.max_price = Cents(std::uniform_int_distribution<std::int64_t>(0, 3000)(rng));
    BuyerAuction buyer = BuyerAuction::create(config, 0).value();
    // A slow network: forty periods pass between two deliveries, so any of the forty rounds
    // is plausible whenever it arrives, whatever order the network delivers them in.
    std::int64_t now = 0;
    std::vector<RoundId> rounds;
    for (RoundId r = 0; r < 40; ++r) {
      rounds.push_back(r);
      if (chance(0.3)) rounds.push_back(r);  // duplicates
    }
    std::shuffle(rounds.begin(), rounds.end(), rng);
    std::optional<RoundId> newest;
    int max_price_sends = 0;
    for (RoundId r : rounds) {
      const AnnouncePrice m = auction::test::signed_announcement(
          auction_id, r, Cents(100 * static_cast<std::int64_t>(r)),
          {{"amy", BuyerStatus::active}, {"bob", BuyerStatus::active}});
      now += 40 * config.period_ms;
      auto step = buyer.on_announce(m, now);
      REQUIRE(step.has_value());
      // Every announcement is acknowledged.
      REQUIRE(is_ack_of(step->ack, "amy", r, announcement_statement(m)));
      REQUIRE(step->ack.has_buyers);
      newest = newest ? std::max(*newest, r) : r;
      REQUIRE(buyer.round_id() == newest);
      REQUIRE(buyer.price() == Cents(100 * static_cast<std::int64_t>(*newest)));
      for (const auto& s : all_of<buyer_event::SendWithdraw>(step->events)) {
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

// An attacker on the network (or a dishonest seller) tries to move a buyer. Every attempt is
// refused, and the buyer is exactly as it was.

namespace {

// What a test checks is unchanged by a refused message.
struct Seen {
  std::optional<RoundId> round_id;
  Cents price;
  std::map<std::string, BuyerStatus, std::less<>> buyers;
  bool finished = false;
  bool paused = false;
  bool wants_out = false;

  explicit Seen(const BuyerAuction& b)
      : round_id(b.round_id()),
        price(b.price()),
        buyers(b.buyers()),
        finished(b.is_finished()),
        paused(b.is_paused()),
        wants_out(b.wants_out()) {}

  friend bool operator==(const Seen&, const Seen&) = default;
};

// A buyer that took round 0 at time 0 and round 1 at 1000: all three buyers active.
BuyerAuction buyer_at_round_1(std::optional<Cents> max_price = std::nullopt) {
  BuyerAuction b = BuyerAuction::create(test_config(max_price), 0).value();
  REQUIRE(b.on_announce(announce(0), 0).has_value());
  REQUIRE(b.on_announce(announce(1), 1000).has_value());
  return b;
}

}  // namespace

TEST_CASE(
    "market: an announcement signed by a stranger or another buyer or in another cluster or "
    "under another purpose is bad_signature and changes nothing",
    "[market][buyer][attack]") {
  const std::vector<BuyerEntry> bob_out = {{"amy", BuyerStatus::active},
                                           {"bob", BuyerStatus::withdrawn_silent},
                                           {"cat", BuyerStatus::active}};
  struct Forgery {
    const char* what;
    AnnouncePrice message;
  };
  using auction::test::signed_announcement;
  std::vector<Forgery> forgeries = {
      {"a stranger",
       signed_announcement(auction_id, 2, price_of(2), bob_out, {}, test_signer("zed"))},
      {"another buyer",
       signed_announcement(auction_id, 2, price_of(2), bob_out, {}, test_signer("bob"))},
      {"the seller in another cluster", signed_announcement(auction_id, 2, price_of(2), bob_out, {},
                                                            test_signer("sam", "other-cluster"))},
      {"the seller under another purpose",
       signed_announcement(auction_id, 2, price_of(2), bob_out, {}, test_signer("sam"),
                           identity::SigningPurpose::auction_finished)},
      {"nobody", AnnouncePrice{auction_id, 2, price_of(2), bob_out, false, {}, {}}},
  };
  // The seller's own signature, over other statuses than those sent.
  AnnouncePrice altered = announce(2);
  altered.buyers = bob_out;
  forgeries.push_back({"the seller over another list", altered});
  // ... over another chain head.
  AnnouncePrice other_head = announce(2, bob_out);
  other_head.chain_head = identity::sha256("another history");
  forgeries.push_back({"the seller over another chain head", other_head});
  // The compact form of a stranger's announcement.
  forgeries.push_back({"a stranger, compact", auction::test::compact_of(forgeries[0].message)});

  for (const Forgery& forgery : forgeries) {
    INFO("signed by " << forgery.what);
    BuyerAuction b = buyer_at_round_1();
    const Seen before(b);
    auto refused = b.on_announce(forgery.message, 2000);
    CHECK(error_code_of(refused) == "bad_signature");
    CHECK(Seen(b) == before);
    CHECK(b.round_id() == 1);
    CHECK(b.price() == price_of(1));
    CHECK(b.buyers().at("bob") == BuyerStatus::active);
    // The seller's own round 2 is still taken afterwards, and reports its own news only.
    auto real = b.on_announce(announce(2), 2000).value();
    CHECK(count_of<buyer_event::BuyerWithdrew>(real.events) == 0);
    CHECK(b.round_id() == 2);
  }
  // A buyer that has seen nothing yet takes nothing either (no list, no round).
  BuyerAuction fresh = BuyerAuction::create(test_config(), 0).value();
  CHECK(error_code_of(fresh.on_announce(forgeries[0].message, 2000)) == "bad_signature");
  CHECK_FALSE(fresh.round_id().has_value());
  CHECK(fresh.buyers().empty());
}

TEST_CASE(
    "market: a forged announcement of round 2^40 at 999999.00 is refused and does not trigger "
    "the max price proxy",
    "[market][buyer][attack]") {
  constexpr RoundId far = RoundId{1} << 40;
  const Cents huge(99'999'900);
  using auction::test::signed_announcement;
  BuyerAuction b = buyer_at_round_1(Cents(1500));
  const Seen before(b);

  // Unsigned, or signed by a stranger: bad_signature.
  CHECK(error_code_of(b.on_announce(AnnouncePrice{auction_id, far, huge, all_active, false, {}, {}},
                                    2000)) == "bad_signature");
  CHECK(error_code_of(b.on_announce(
            signed_announcement(auction_id, far, huge, all_active, {}, test_signer("zed")),
            2000)) == "bad_signature");
  // Signed by the real seller: still not believed, the price is not that round's.
  CHECK(error_code_of(b.on_announce(signed_announcement(auction_id, far, huge, all_active),
                                    2000)) == "implausible_round");
  // Nor is that round at its own price: it is 2^40 periods ahead of the time.
  const Cents far_price = price_at_round(Cents(1000), Cents(100), far).value();
  CHECK(error_code_of(b.on_announce(signed_announcement(auction_id, far, far_price, all_active),
                                    2000)) == "implausible_round");
  CHECK(Seen(b) == before);
  CHECK_FALSE(b.wants_out());

  // The real next round, 12.00, is under the max: still no withdrawal.
  auto next = b.on_announce(announce(2), 2000).value();
  CHECK(count_of<buyer_event::SendWithdraw>(next.events) == 0);
  CHECK_FALSE(b.wants_out());
  CHECK(b.is_active());
}

TEST_CASE("market: an announcement whose price is not its round's price is implausible_round",
          "[market][buyer][attack]") {
  using auction::test::signed_announcement;
  BuyerAuction b = buyer_at_round_1(Cents(1150));
  const Seen before(b);
  for (const Cents price : {Cents(1150), Cents(1300), Cents(1199), Cents(0)}) {
    INFO(price.value);
    CHECK(error_code_of(b.on_announce(signed_announcement(auction_id, 2, price, all_active),
                                      2000)) == "implausible_round");
  }
  // A stale round at a wrong price is refused too (it would be acknowledged otherwise).
  CHECK(error_code_of(b.on_announce(signed_announcement(auction_id, 0, Cents(1500), all_active),
                                    2000)) == "implausible_round");
  CHECK(Seen(b) == before);
  CHECK(b.on_announce(announce(2), 2000).has_value());
  CHECK(b.price() == Cents(1200));
}

TEST_CASE(
    "market: a round too far ahead of the elapsed time is implausible_round while one within "
    "elapsed periods plus two is taken",
    "[market][buyer][attack]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  REQUIRE(b.on_announce(announce(0), 0).has_value());
  const Seen before(b);
  // 2.5 periods after round 0: two whole periods, plus two, allow round 4 and no further.
  CHECK(error_code_of(b.on_announce(announce(5), 2500)) == "implausible_round");
  CHECK(error_code_of(b.on_announce(announce(40), 2500)) == "implausible_round");
  CHECK(Seen(b) == before);
  auto taken = b.on_announce(announce(4), 2500).value();
  CHECK(b.round_id() == 4);
  CHECK(count_of<buyer_event::PriceChanged>(taken.events) == 1);
  // The allowance counts from the round taken, and when: round 7 right away is too far.
  CHECK(error_code_of(b.on_announce(announce(7), 2500)) == "implausible_round");
  CHECK(b.on_announce(announce(6), 2500).has_value());
  CHECK(b.round_id() == 6);

  // A buyer that joined late counts from the platform's round, and when it was known.
  BuyerConfig late = test_config();
  late.known_round = 10;
  late.known_at_ms = 1000;
  BuyerAuction joined = BuyerAuction::create(late, 1000).value();
  CHECK(error_code_of(joined.on_announce(announce(13), 1000)) == "implausible_round");
  CHECK_FALSE(joined.round_id().has_value());
  CHECK(joined.on_announce(announce(12), 1000).has_value());
  CHECK(joined.round_id() == 12);
  // And a seller resuming at a seller_back too far ahead is refused the same way.
  CHECK(error_code_of(joined.on_seller_back(
            auction::test::signed_seller_back(auction_id, "10.0.0.2:7001", 20), 1000)) ==
        "implausible_round");
}

TEST_CASE(
    "market: a forged auction_finished is refused and the buyer is not finished and can still "
    "withdraw",
    "[market][buyer][attack]") {
  BuyerAuction b = buyer_at_round_1();
  const FinishRecord bob_wins{auction_id,
                              1,
                              "bob",
                              price_of(1),
                              {{"amy", BuyerStatus::withdrawn_silent},
                               {"bob", BuyerStatus::active},
                               {"cat", BuyerStatus::withdrawn_silent}}};
  using auction::test::signed_finish_of;
  std::vector<SignedFinish> forgeries = {
      signed_finish_of(bob_wins, {}, test_signer("zed")),
      signed_finish_of(bob_wins, {}, test_signer("bob")),
      signed_finish_of(bob_wins, {}, test_signer("sam", "other-cluster")),
      SignedFinish{bob_wins, {}, {}},
  };
  // The seller's result, with the winner changed after signing.
  const FinishRecord amy_wins{auction_id,
                              1,
                              "amy",
                              price_of(1),
                              {{"amy", BuyerStatus::active},
                               {"bob", BuyerStatus::withdrawn_silent},
                               {"cat", BuyerStatus::withdrawn_silent}}};
  SignedFinish swapped = signed_finish_of(amy_wins);
  swapped.record = bob_wins;
  forgeries.push_back(swapped);
  const Seen before(b);
  for (std::size_t i = 0; i < forgeries.size(); ++i) {
    INFO("forgery " << i);
    CHECK(error_code_of(b.on_finished(forgeries[i], 1500)) == "bad_signature");
    CHECK(Seen(b) == before);
    CHECK_FALSE(b.is_finished());
  }
  auto sent = all_of<buyer_event::SendWithdraw>(b.request_withdraw());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request.round_id == 1);
  // The real result is still taken once it comes.
  auto real = b.on_finished(signed_finish_of(amy_wins), 1600).value();
  CHECK(count_of<buyer_event::Finished>(real.events) == 1);
  CHECK(b.is_finished());
}

TEST_CASE("market: a forged seller_back is refused and the seller address event is not emitted",
          "[market][buyer][attack]") {
  using auction::test::signed_seller_back;
  BuyerAuction b = buyer_at_round_1();
  const Seen before(b);
  struct Forgery {
    const char* what;
    SellerBack message;
    std::string code;
  };
  SellerBack moved = signed_seller_back(auction_id, "10.0.0.2:7001", 1);
  moved.address = "10.6.6.6:7001";  // the seller's signature, another address
  const std::vector<Forgery> forgeries = {
      {"a stranger", signed_seller_back(auction_id, "10.6.6.6:7001", 1, test_signer("zed")),
       "bad_signature"},
      {"a stranger as itself",
       signed_seller_back(auction_id, "10.6.6.6:7001", 1, test_signer("zed"), "zed"),
       "bad_signature"},
      {"another buyer", signed_seller_back(auction_id, "10.6.6.6:7001", 1, test_signer("bob")),
       "bad_signature"},
      {"the seller in another cluster",
       signed_seller_back(auction_id, "10.6.6.6:7001", 1, test_signer("sam", "other-cluster")),
       "bad_signature"},
      {"the seller for another address", moved, "bad_signature"},
      {"nobody", SellerBack{auction_id, "sam", "10.6.6.6:7001", 1, {}}, "bad_signature"},
      // Signed by this auction's seller's key, yet naming another seller.
      {"the seller naming another",
       signed_seller_back(auction_id, "10.6.6.6:7001", 1, test_signer("sam"), "zed"),
       "invalid_argument"},
  };
  for (const Forgery& forgery : forgeries) {
    INFO(forgery.what);
    auto refused = b.on_seller_back(forgery.message, 1500);
    CHECK(error_code_of(refused) == forgery.code);
    CHECK(Seen(b) == before);
  }
  auto real = b.on_seller_back(signed_seller_back(auction_id, "10.0.0.2:7001", 1), 1500).value();
  auto events = all_of<buyer_event::SellerBack>(real.events);
  REQUIRE(events.size() == 1);
  CHECK(events[0].address == "10.0.0.2:7001");
}

TEST_CASE("market: a replayed older seller_back is acknowledged but not taken",
          "[market][buyer][attack]") {
  using auction::test::signed_seller_back;
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  for (RoundId r = 0; r <= 3; ++r) {
    REQUIRE(b.on_announce(announce(r), static_cast<std::int64_t>(r) * 1000).has_value());
  }
  const SellerBack old = signed_seller_back(auction_id, "10.0.0.1:7001", 1);
  const SellerBack current = signed_seller_back(auction_id, "10.0.0.2:7001", 3);
  REQUIRE(count_of<buyer_event::SellerBack>(b.on_seller_back(current, 3100).value().events) == 1);
  // The seller's own, older, message replayed: acknowledged (it is the seller's), not taken.
  auto replay = b.on_seller_back(old, 3200).value();
  CHECK(replay.events.empty());
  CHECK(replay.ack.round_id == 3);
  CHECK(is_ack_of(replay.ack, "amy", 3, seller_back_statement(old)));
  CHECK(b.round_id() == 3);
}

TEST_CASE(
    "market: a buyer's ack verifies against the buyer's key over the digest of the announcement "
    "statement",
    "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  const AnnouncePrice message = announce(0);
  const PeerAck ack = b.on_announce(message, 0).value().ack;
  const std::string statement = announcement_statement(message);
  const std::string acked = ack_statement(auction_id, "amy", 0, identity::sha256(statement));
  CHECK(ack.auction_id == auction_id);
  CHECK(ack.round_id == 0);
  CHECK(verify_statement(auction::test::public_key_of("amy"), auction::test::test_cluster,
                         identity::SigningPurpose::ack, acked, ack.signature));
  // Worth nothing as anyone else's, for any other announcement, purpose or cluster.
  CHECK_FALSE(verify_statement(auction::test::public_key_of("bob"), auction::test::test_cluster,
                               identity::SigningPurpose::ack, acked, ack.signature));
  CHECK_FALSE(verify_statement(auction::test::public_key_of("amy"), "other-cluster",
                               identity::SigningPurpose::ack, acked, ack.signature));
  CHECK_FALSE(verify_statement(auction::test::public_key_of("amy"), auction::test::test_cluster,
                               identity::SigningPurpose::withdraw, acked, ack.signature));
  CHECK_FALSE(is_ack_of(ack, "amy", 0, announcement_statement(announce(1))));
  AnnouncePrice other_head = message;
  other_head.chain_head = identity::sha256("another history");
  CHECK_FALSE(is_ack_of(ack, "amy", 0, announcement_statement(other_head)));
}

TEST_CASE(
    "market: a buyer's withdraw request verifies with withdraw_statement and carries the newest "
    "round and that round's price",
    "[market][buyer]") {
  // Before any round: round 0 at the base price.
  BuyerAuction early = BuyerAuction::create(test_config(), 0).value();
  auto first = all_of<buyer_event::SendWithdraw>(early.request_withdraw());
  REQUIRE(first.size() == 1);
  CHECK(first[0].request.round_id == 0);
  CHECK(first[0].request.price == Cents(1000));
  CHECK(is_signed_withdraw(first[0].request));

  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  for (RoundId r = 0; r <= 2; ++r) {
    REQUIRE(b.on_announce(announce(r), static_cast<std::int64_t>(r) * 1000).has_value());
  }
  REQUIRE(b.on_announce(announce(1), 2100).has_value());  // stale: does not move the view
  auto sent = all_of<buyer_event::SendWithdraw>(b.request_withdraw());
  REQUIRE(sent.size() == 1);
  const WithdrawRequest& r = sent[0].request;
  CHECK(r.auction_id == auction_id);
  CHECK(r.username == "amy");
  CHECK(r.reason == WithdrawReason::by_request);
  CHECK(r.round_id == 2);
  CHECK(r.price == Cents(1200));
  const std::string statement = withdraw_statement(auction_id, "amy", r.reason, 2, Cents(1200));
  CHECK(verify_statement(auction::test::public_key_of("amy"), auction::test::test_cluster,
                         identity::SigningPurpose::withdraw, statement, r.signature));
  // Changing what it says (another round or price) breaks the signature.
  CHECK_FALSE(verify_statement(auction::test::public_key_of("amy"), auction::test::test_cluster,
                               identity::SigningPurpose::withdraw,
                               withdraw_statement(auction_id, "amy", r.reason, 1, Cents(1100)),
                               r.signature));
}

TEST_CASE(
    "market: a withdrawal seen in the round after the one before is reported with the round "
    "the seller took it in, the number the seller prints",
    "[market][buyer]") {
  BuyerAuction b = BuyerAuction::create(test_config(), 0).value();
  (void)b
      .on_announce(announce(3, {{"amy", BuyerStatus::active}, {"bob", BuyerStatus::active}}), 3010)
      .value();
  auto step =
      b.on_announce(
           announce(4, {{"amy", BuyerStatus::active}, {"bob", BuyerStatus::withdrawn_max_price}}),
           4010)
          .value();
  auto left = all_of<buyer_event::BuyerWithdrew>(step.events);
  REQUIRE(left.size() == 1);
  CHECK(left[0].username == "bob");
  CHECK(left[0].round_id == 3);
  CHECK(left[0].is_exact);
}

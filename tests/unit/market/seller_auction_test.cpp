// Tests of SellerAuction (auction/market/seller_auction.hpp), the seller's pure engine of one
// auction: rounds, deadlines, silent buyers, the pause rule, withdrawals, pushes and resuming
// after a restart. Time is a plain number handed to it.
#include <catch2/catch.hpp>

#include <limits>

#include "auction/market/seller_auction.hpp"
#include "unit/market/variants.hpp"

using namespace auction;
using namespace auction::market;
using auction::test::all_of;
using auction::test::count_of;

namespace {

constexpr AuctionId auction_id{9};

SellerConfig test_config() {
  SellerConfig c;
  c.period_ms = 1000;
  c.ack_deadline_ms = 800;
  c.push_period_ms = 1000;
  c.pause_retry_ms_max = 4000;
  return c;
}

SellerAuction make_seller(std::vector<std::string> buyers, SellerConfig config = test_config()) {
  AuctionRules rules =
      AuctionRules::create(auction_id, Cents(1000), Cents(100), std::move(buyers)).value();
  return SellerAuction::create(std::move(rules), config).value();
}

// The one announcement among `actions`.
seller_action::Announce the_announce(const std::vector<SellerAction>& actions) {
  auto announces = all_of<seller_action::Announce>(actions);
  REQUIRE(announces.size() == 1);
  return announces.front();
}

// Acks `round` for each of `names`, collecting the actions that follow.
std::vector<SellerAction> ack(SellerAuction& s, const std::vector<std::string>& names,
                              RoundId round, std::int64_t now_ms) {
  std::vector<SellerAction> out;
  for (const auto& n : names) {
    auto a = s.on_ack(n, round, now_ms);
    out.insert(out.end(), a.begin(), a.end());
  }
  return out;
}

}  // namespace

TEST_CASE("market: a seller starts by announcing round 0 to every buyer and pushing",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  auto actions = s.start(0).value();
  auto a = the_announce(actions);
  CHECK(a.message.auction_id == auction_id);
  CHECK(a.message.round_id == 0);
  CHECK(a.message.price == Cents(1000));
  CHECK(a.message.buyers.size() == 3);
  CHECK(a.recipients == std::vector<std::string>{"amy", "bob", "cat"});
  CHECK(a.deadline_ms == 800);
  CHECK(count_of<seller_action::PushUpdate>(actions) == 1);
  CHECK(s.start(1).error().code == "wrong_stage");
}

TEST_CASE("market: the price rises by the increment every period", "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"});
  (void)s.start(0).value();
  for (RoundId r = 0; r < 5; ++r) {
    const std::int64_t t0 = static_cast<std::int64_t>(r) * 1000;
    ack(s, {"amy", "bob"}, r, t0 + 10);
    CHECK_FALSE(s.is_round_open());  // everyone answered: the round closed early
    CHECK(all_of<seller_action::Announce>(s.on_tick(t0 + 999)).empty());
    auto a = the_announce(s.on_tick(t0 + 1000));
    CHECK(a.message.round_id == r + 1);
    CHECK(a.message.price == Cents(1000 + 100 * static_cast<std::int64_t>(r + 1)));
    CHECK(a.deadline_ms == t0 + 1800);
  }
}

TEST_CASE("market: a buyer that does not acknowledge in time is withdrawn as silent",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob"}, 0, 100);
  CHECK(s.on_tick(799).empty());
  auto closed = s.on_tick(800);
  auto gone = all_of<seller_action::BuyerWithdrawn>(closed);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].username == "cat");
  CHECK(gone[0].status == BuyerStatus::withdrawn_silent);
  CHECK(s.rules().is_running());
  auto a = the_announce(s.on_tick(1000));
  CHECK(a.recipients == std::vector<std::string>{"amy", "bob"});
  CHECK(a.message.buyers[2] == BuyerEntry{"cat", BuyerStatus::withdrawn_silent});
  // A late ack for the old round does not bring cat back.
  CHECK(s.on_ack("cat", 0, 1001).empty());
  CHECK(s.on_ack("cat", 1, 1001).empty());
  CHECK_FALSE(s.rules().find("cat")->is_active());
}

TEST_CASE("market: a failed send counts as silence and an ack for another round does not count",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  s.on_ack("amy", 0, 10);
  s.on_send_failed("bob", 0, 10);
  s.on_ack("cat", 1, 10);  // not the open round
  CHECK(s.is_round_open());
  auto closed = s.on_tick(800);
  auto gone = all_of<seller_action::BuyerWithdrawn>(closed);
  REQUIRE(gone.size() == 2);
  CHECK(gone[0].username == "bob");
  CHECK(gone[1].username == "cat");
  CHECK(all_of<seller_action::Finish>(closed).at(0).record.winner == "amy");
}

TEST_CASE("market: when all but one are silent the one who acknowledged wins, once",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob", "cat"}, 0, 10);
  (void)s.on_tick(1000);  // round 1, deadline 1800
  s.on_ack("bob", 1, 1100);
  auto closed = s.on_tick(1800);
  CHECK(count_of<seller_action::BuyerWithdrawn>(closed) == 2);
  auto finishes = all_of<seller_action::Finish>(closed);
  REQUIRE(finishes.size() == 1);
  CHECK(finishes[0].record.winner == "bob");
  CHECK(finishes[0].record.round_id == 1);
  CHECK(finishes[0].record.price == Cents(1100));
  CHECK(s.rules().is_finished());
  // Finished: nothing more, ever.
  for (std::int64_t t = 1801; t < 10000; t += 250) CHECK(s.on_tick(t).empty());
  auto late = s.on_withdraw_request("bob", WithdrawReason::by_request, 5000);
  CHECK(late.reply.outcome == WithdrawOutcome::you_are_the_winner);
  CHECK(late.actions.empty());
}

TEST_CASE("market: a round where every buyer is silent pauses without withdrawing anyone",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob", "cat"}, 0, 10);
  (void)s.on_tick(1000);  // round 1, nobody answers

  auto closed = s.on_tick(1800);
  auto paused = all_of<seller_action::Paused>(closed);
  REQUIRE(paused.size() == 1);
  CHECK(paused[0].round_id == 1);
  CHECK(paused[0].retry_at_ms == 2800);  // first backoff: one period
  CHECK(count_of<seller_action::BuyerWithdrawn>(closed) == 0);
  CHECK(s.rules().active_count() == 3);
  CHECK(s.is_paused());

  // Retries announce the same round at the same price, backing off 1000, 2000, 4000, 4000.
  std::int64_t retry_at = 2800;
  for (std::int64_t backoff : {2000, 4000, 4000}) {
    CHECK(all_of<seller_action::Announce>(s.on_tick(retry_at - 1)).empty());
    auto a = the_announce(s.on_tick(retry_at));
    CHECK(a.message.round_id == 1);
    CHECK(a.message.price == Cents(1100));
    CHECK(a.recipients.size() == 3);
    auto again = s.on_tick(retry_at + 800);
    CHECK(count_of<seller_action::Paused>(again) == 0);  // emitted once per pause
    CHECK(count_of<seller_action::BuyerWithdrawn>(again) == 0);
    retry_at = retry_at + 800 + backoff;
  }
  CHECK(s.rules().active_count() == 3);

  // Connectivity returns: amy and bob answer, cat stays silent and is withdrawn.
  auto a = the_announce(s.on_tick(retry_at));
  CHECK(a.message.round_id == 1);
  ack(s, {"amy", "bob"}, 1, retry_at + 5);
  auto resumed = s.on_tick(retry_at + 800);
  CHECK(count_of<seller_action::Resumed>(resumed) == 1);
  auto gone = all_of<seller_action::BuyerWithdrawn>(resumed);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].username == "cat");
  CHECK_FALSE(s.is_paused());
  auto next = the_announce(s.on_tick(retry_at + 1000));
  CHECK(next.message.round_id == 2);
  CHECK(next.message.price == Cents(1200));
}

TEST_CASE("market: failed sends to every buyer pause at once", "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"});
  (void)s.start(0).value();
  (void)s.on_send_failed("amy", 0, 20);
  auto actions = s.on_send_failed("bob", 0, 30);
  auto paused = all_of<seller_action::Paused>(actions);
  REQUIRE(paused.size() == 1);
  CHECK(paused[0].retry_at_ms == 1030);
  CHECK(s.rules().active_count() == 2);
}

TEST_CASE("market: a seller answers withdraw requests by the rules", "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  CHECK(s.on_withdraw_request("amy", WithdrawReason::by_request, 0).reply.outcome ==
        WithdrawOutcome::not_started);
  (void)s.start(0).value();
  auto first = s.on_withdraw_request("amy", WithdrawReason::by_request, 5);
  CHECK(first.reply.outcome == WithdrawOutcome::withdrawn);
  auto gone = all_of<seller_action::BuyerWithdrawn>(first.actions);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].status == BuyerStatus::withdrawn_by_request);
  CHECK(s.on_withdraw_request("amy", WithdrawReason::by_request, 6).reply.outcome ==
        WithdrawOutcome::already_withdrawn);
  CHECK(s.on_withdraw_request("zoe", WithdrawReason::by_request, 6).reply.outcome ==
        WithdrawOutcome::not_joined);
  auto max = s.on_withdraw_request("bob", WithdrawReason::max_price, 7);
  CHECK(max.reply.outcome == WithdrawOutcome::withdrawn);
  CHECK(s.rules().find("bob")->status == BuyerStatus::withdrawn_max_price);
  auto finishes = all_of<seller_action::Finish>(max.actions);
  REQUIRE(finishes.size() == 1);
  CHECK(finishes[0].record.winner == "cat");
  CHECK(finishes[0].record.price == Cents(1000));
  CHECK(s.on_withdraw_request("cat", WithdrawReason::by_request, 8).reply.outcome ==
        WithdrawOutcome::you_are_the_winner);
  CHECK(s.on_withdraw_request("bob", WithdrawReason::by_request, 8).reply.outcome ==
        WithdrawOutcome::already_withdrawn);
}

TEST_CASE("market: a withdrawal that leaves only answered buyers closes the round early",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob"}, 0, 10);
  REQUIRE(s.is_round_open());
  (void)s.on_withdraw_request("cat", WithdrawReason::by_request, 20);
  CHECK_FALSE(s.is_round_open());
}

TEST_CASE("market: a seller resumed from a pushed state continues at its round and price",
          "[market][seller]") {
  SellerAuction first = make_seller({"amy", "bob", "cat"});
  std::optional<AuctionState> pushed;
  for (std::int64_t t = 0; t <= 4000; t += 100) {
    auto actions = t == 0 ? first.start(0).value() : first.on_tick(t);
    for (const auto& a : all_of<seller_action::Announce>(actions)) {
      ack(first, a.recipients, a.message.round_id, t);
    }
    if (t == 2000) (void)first.on_withdraw_request("cat", WithdrawReason::by_request, t);
    for (const auto& p : all_of<seller_action::PushUpdate>(actions)) pushed = p.state;
  }
  REQUIRE(pushed.has_value());
  CHECK(pushed->round_id == 4);
  CHECK(pushed->price == Cents(1400));

  // The seller crashes; a new one restores the pushed state (through its JSON form).
  auto decoded = decode_auction_state(nlohmann::json::parse(encode(*pushed).dump())).value();
  SellerAuction second =
      SellerAuction::create(AuctionRules::restore(decoded).value(), test_config()).value();
  auto actions = second.start(50'000).value();
  auto a = the_announce(actions);
  CHECK(a.message.round_id == 4);
  CHECK(a.message.price == Cents(1400));
  CHECK(a.recipients == std::vector<std::string>{"amy", "bob"});
  ack(second, {"amy", "bob"}, 4, 50'010);
  auto next = the_announce(second.on_tick(51'000));
  CHECK(next.message.round_id == 5);
  CHECK(next.message.price == Cents(1500));
}

TEST_CASE("market: a seller restored from a finished state emits the finish again",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"});
  (void)s.start(0).value();
  auto r = s.on_withdraw_request("amy", WithdrawReason::by_request, 10);
  REQUIRE(s.rules().is_finished());
  SellerAuction again =
      SellerAuction::create(AuctionRules::restore(s.rules().state()).value(), test_config())
          .value();
  auto actions = again.start(100).value();
  auto finishes = all_of<seller_action::Finish>(actions);
  REQUIRE(finishes.size() == 1);
  CHECK(finishes[0].record == all_of<seller_action::Finish>(r.actions).at(0).record);
  CHECK(count_of<seller_action::Announce>(actions) == 0);
}

TEST_CASE("market: updates are pushed every push period", "[market][seller]") {
  SellerConfig config = test_config();
  config.push_period_ms = 2500;
  SellerAuction s = make_seller({"amy", "bob"}, config);
  std::vector<RoundId> pushed_rounds;
  for (std::int64_t t = 0; t <= 10'000; t += 100) {
    auto actions = t == 0 ? s.start(0).value() : s.on_tick(t);
    for (const auto& a : all_of<seller_action::Announce>(actions)) {
      ack(s, a.recipients, a.message.round_id, t);
    }
    for (const auto& p : all_of<seller_action::PushUpdate>(actions)) {
      pushed_rounds.push_back(p.state.round_id);
    }
  }
  CHECK(pushed_rounds == std::vector<RoundId>{0, 2, 5, 7, 10});
}

TEST_CASE("market: a seller config must keep the ack deadline inside the period",
          "[market][seller]") {
  SellerConfig c = test_config();
  c.ack_deadline_ms = 1000;
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.period_ms = 0;
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.push_period_ms = 0;
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.pause_retry_ms_max = 999;
  CHECK(validate(c).error().code == "invalid_argument");
  CHECK(validate(SellerConfig{}).has_value());
}

TEST_CASE(
    "market: of two last buyers withdrawing at once the second is told it won, and the "
    "finish is emitted once",
    "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"});
  (void)s.start(0).value();
  auto first = s.on_withdraw_request("bob", WithdrawReason::by_request, 100);
  auto second = s.on_withdraw_request("amy", WithdrawReason::by_request, 100);
  CHECK(first.reply.outcome == WithdrawOutcome::withdrawn);
  CHECK(second.reply.outcome == WithdrawOutcome::you_are_the_winner);
  CHECK(count_of<seller_action::Finish>(first.actions) == 1);
  CHECK(second.actions.empty());
  CHECK(s.rules().winner() == "amy");
}

TEST_CASE("market: a price that would overflow stays capped and the round is announced again",
          "[market][seller]") {
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  AuctionRules rules =
      AuctionRules::create(auction_id, Cents(max - 150), Cents(100), {"amy", "bob"}).value();
  SellerAuction s = SellerAuction::create(std::move(rules), test_config()).value();
  (void)s.start(0).value();
  ack(s, {"amy", "bob"}, 0, 10);
  auto a1 = the_announce(s.on_tick(1000));
  CHECK(a1.message.round_id == 1);
  ack(s, {"amy", "bob"}, 1, 1010);
  auto a2 = the_announce(s.on_tick(2000));
  CHECK(a2.message.round_id == 1);
  CHECK(a2.message.price == Cents(max - 50));
  // Buyers can still leave, so the auction still ends.
  auto w = s.on_withdraw_request("amy", WithdrawReason::by_request, 2100);
  CHECK(all_of<seller_action::Finish>(w.actions).at(0).record.winner == "bob");
}

TEST_CASE("market: a seller says when it is next due: the round's deadline, then the next round",
          "[market][seller]") {
  SellerConfig config = test_config();
  config.push_period_ms = 5000;  // the pushes fall after the rounds here
  SellerAuction s = make_seller({"amy", "bob", "cat"}, config);
  CHECK_FALSE(s.next_tick_due_ms().has_value());  // not started: only start() moves it
  (void)s.start(0);
  CHECK(s.next_tick_due_ms() == 800);  // the open round's deadline
  // Once everyone answered the round is closed: next is the next round, a period later.
  (void)ack(s, {"amy", "bob", "cat"}, 0, 100);
  CHECK(s.next_tick_due_ms() == 1000);
  // Nothing happens before the due time; at it, the next round goes out.
  CHECK(all_of<seller_action::Announce>(s.on_tick(999)).empty());
  CHECK(the_announce(s.on_tick(1000)).message.round_id == 1);
  CHECK(s.next_tick_due_ms() == 1800);
  // Finished: nothing is due any more.
  (void)s.on_tick(1800);  // nobody acked round 1: all silent, a pause, nobody withdrawn
  (void)s.on_withdraw_request("amy", WithdrawReason::by_request, 1900);
  (void)s.on_withdraw_request("bob", WithdrawReason::by_request, 1900);
  CHECK(s.rules().is_finished());
  CHECK_FALSE(s.next_tick_due_ms().has_value());
}

// Tests of AuctionRules (auction/market/auction_rules.hpp), the clock auction's rules: price
// arithmetic, withdrawals, the race of the last two buyers, the finish and restoring from a
// pushed state.
#include <catch2/catch.hpp>

#include <limits>

#include "auction/market/auction_rules.hpp"

using namespace auction;
using namespace auction::market;
using auction::Cents;
using auction::RoundId;

namespace {

AuctionRules running_rules(std::vector<std::string> buyers, Cents base = Cents(1000),
                           Cents increment = Cents(100)) {
  AuctionRules c = AuctionRules::create(AuctionId{7}, base, increment, std::move(buyers)).value();
  REQUIRE(c.start().has_value());
  return c;
}

}  // namespace

TEST_CASE("market: the price of a round is base plus round times increment", "[market][rules]") {
  CHECK(price_at_round(Cents(1000), Cents(100), 0).value() == Cents(1000));
  CHECK(price_at_round(Cents(1000), Cents(100), 12).value() == Cents(2200));
  AuctionRules c = running_rules({"amy", "bob"});
  CHECK(c.round_id() == 0);
  CHECK(c.price() == Cents(1000));
  CHECK(c.next_round().value() == 1);
  CHECK(c.next_round().value() == 2);
  CHECK(c.price() == Cents(1200));
}

TEST_CASE("market: a price beyond int64 cents is price_overflow and changes nothing",
          "[market][rules]") {
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  CHECK(price_at_round(Cents(max), Cents(1), 1).error().code == "price_overflow");
  CHECK(price_at_round(Cents(0), Cents(2), static_cast<RoundId>(max)).error().code ==
        "price_overflow");
  CHECK(price_at_round(Cents(0), Cents(1), std::numeric_limits<RoundId>::max()).error().code ==
        "price_overflow");
  CHECK(price_at_round(Cents(max - 10), Cents(5), 2).value() == Cents(max));

  AuctionRules c = running_rules({"amy", "bob"}, Cents(max - 150), Cents(100));
  REQUIRE(c.next_round().has_value());
  auto r = c.next_round();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "price_overflow");
  CHECK(c.round_id() == 1);
  CHECK(c.price() == Cents(max - 50));
}

TEST_CASE("market: the rules refuse bad prices and bad buyer lists", "[market][rules]") {
  auto refused = [](Cents base, Cents increment, std::vector<std::string> buyers) {
    return AuctionRules::create(AuctionId{1}, base, increment, std::move(buyers)).error().code;
  };
  CHECK(refused(Cents(-1), Cents(1), {"amy"}) == "invalid_argument");
  CHECK(refused(Cents(0), Cents(0), {"amy"}) == "invalid_argument");
  CHECK(refused(Cents(0), Cents(1), {"amy", "amy"}) == "invalid_argument");
  CHECK(refused(Cents(0), Cents(1), {"bad name"}) == "invalid_argument");
  CHECK(refused(Cents(0), Cents(1), {std::string(33, 'a')}) == "invalid_argument");
  std::vector<std::string> many;
  for (std::size_t i = 0; i <= limits::buyers_per_auction_max; ++i) {
    many.push_back("b" + std::to_string(i));
  }
  CHECK(refused(Cents(0), Cents(1), many) == "invalid_argument");
}

TEST_CASE("market: nobody withdraws before the start", "[market][rules]") {
  AuctionRules c =
      AuctionRules::create(AuctionId{7}, Cents(1000), Cents(100), {"amy", "bob"}).value();
  CHECK(c.withdraw("amy", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::not_started);
  CHECK(c.withdraw("zoe", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::not_joined);
  CHECK(c.active_count() == 2);
  CHECK(c.next_round().error().code == "wrong_stage");
}

TEST_CASE("market: an auction starts once", "[market][rules]") {
  AuctionRules c = running_rules({"amy", "bob"});
  CHECK(c.start().error().code == "wrong_stage");
}

TEST_CASE("market: a withdrawal is idempotent", "[market][rules]") {
  AuctionRules c = running_rules({"amy", "bob", "cat"});
  CHECK(c.withdraw("amy", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::withdrawn);
  CHECK(c.withdraw("amy", BuyerStatus::withdrawn_silent) == WithdrawOutcome::already_withdrawn);
  CHECK(c.find("amy")->status == BuyerStatus::withdrawn_by_request);  // the first reason stays
  CHECK(c.active_count() == 2);
  CHECK(c.is_running());
}

TEST_CASE("market: the last active buyer cannot withdraw: they won", "[market][rules]") {
  AuctionRules c = running_rules({"amy", "bob"});
  REQUIRE(c.next_round().has_value());
  REQUIRE(c.next_round().has_value());
  CHECK(c.withdraw("amy", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::withdrawn);
  REQUIRE(c.is_finished());
  CHECK(c.winner() == "bob");
  CHECK(c.withdraw("bob", BuyerStatus::withdrawn_by_request) ==
        WithdrawOutcome::you_are_the_winner);
  CHECK(c.find("bob")->is_active());
  const FinishRecord r = c.finish_record();
  CHECK(r.winner == "bob");
  CHECK(r.round_id == 2);
  CHECK(r.price == Cents(1200));
  CHECK(r.auction_id == AuctionId{7});
}

TEST_CASE(
    "market: when the two last buyers withdraw at once the first applied leaves and the "
    "other wins",
    "[market][rules]") {
  for (bool amy_first : {true, false}) {
    AuctionRules c = running_rules({"amy", "bob", "cat"});
    REQUIRE(c.withdraw("cat", BuyerStatus::withdrawn_silent) == WithdrawOutcome::withdrawn);
    const std::string first = amy_first ? "amy" : "bob";
    const std::string second = amy_first ? "bob" : "amy";
    CHECK(c.withdraw(first, BuyerStatus::withdrawn_by_request) == WithdrawOutcome::withdrawn);
    CHECK(c.withdraw(second, BuyerStatus::withdrawn_by_request) ==
          WithdrawOutcome::you_are_the_winner);
    CHECK(c.winner() == second);
    CHECK(c.active_count() == 1);
  }
}

TEST_CASE("market: nobody but the winner is told anything new after the finish",
          "[market][rules]") {
  AuctionRules c = running_rules({"amy", "bob", "cat"});
  REQUIRE(c.withdraw("amy", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::withdrawn);
  REQUIRE(c.withdraw("bob", BuyerStatus::withdrawn_max_price) == WithdrawOutcome::withdrawn);
  REQUIRE(c.is_finished());
  CHECK(c.withdraw("amy", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::already_withdrawn);
  CHECK(c.withdraw("zoe", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::not_joined);
  CHECK(c.withdraw("cat", BuyerStatus::withdrawn_by_request) ==
        WithdrawOutcome::you_are_the_winner);
  CHECK(c.next_round().error().code == "wrong_stage");
}

TEST_CASE("market: an auction with one buyer finishes at the start at the base price",
          "[market][rules]") {
  AuctionRules c = running_rules({"amy"});
  REQUIRE(c.is_finished());
  CHECK(c.winner() == "amy");
  CHECK(c.finish_record().price == Cents(1000));
  CHECK(c.finish_record().round_id == 0);

  AuctionRules empty = running_rules({});
  REQUIRE(empty.is_finished());
  CHECK_FALSE(empty.winner().has_value());
}

TEST_CASE("market: rules restored from their state continue at the same round and price",
          "[market][rules]") {
  AuctionRules c = running_rules({"amy", "bob", "cat"});
  for (int i = 0; i < 5; ++i) REQUIRE(c.next_round().has_value());
  REQUIRE(c.withdraw("bob", BuyerStatus::withdrawn_silent) == WithdrawOutcome::withdrawn);
  AuctionRules back = AuctionRules::restore(c.state()).value();
  CHECK(back.state() == c.state());
  CHECK(back.round_id() == 5);
  CHECK(back.price() == Cents(1500));
  CHECK(back.active_count() == 2);
  CHECK(back.withdraw("bob", BuyerStatus::withdrawn_by_request) ==
        WithdrawOutcome::already_withdrawn);
  CHECK(back.next_round().value() == 6);
  CHECK(back.price() == Cents(1600));
}

TEST_CASE("market: restoring refuses a state that breaks an invariant", "[market][rules]") {
  const AuctionState good = running_rules({"amy", "bob"}).state();

  AuctionState wrong_price = good;
  wrong_price.price = Cents(999);
  CHECK(AuctionRules::restore(wrong_price).error().code == "invalid_argument");

  AuctionState one_active = good;
  one_active.buyers[0].status = BuyerStatus::withdrawn_silent;
  CHECK(AuctionRules::restore(one_active).error().code == "invalid_argument");

  AuctionState running_with_winner = good;
  running_with_winner.winner = "amy";
  CHECK(AuctionRules::restore(running_with_winner).error().code == "invalid_argument");

  AuctionState finished_wrong_winner = one_active;
  finished_wrong_winner.stage = Stage::finished;
  finished_wrong_winner.winner = "amy";  // amy is the withdrawn one
  CHECK(AuctionRules::restore(finished_wrong_winner).error().code == "invalid_argument");
  finished_wrong_winner.winner = "bob";
  CHECK(AuctionRules::restore(finished_wrong_winner).has_value());

  AuctionState twice = good;
  twice.buyers[1].username = "amy";
  CHECK(AuctionRules::restore(twice).error().code == "invalid_argument");
}

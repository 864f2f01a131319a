// Tests of AuctionRules::advance_to (auction/market/auction_rules.hpp): the jump a transcript's
// verifier makes over the rounds in which nobody left: to any later round at its price, never
// backwards, only while running, and never past a price that overflows.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "auction/market/auction_rules.hpp"

using namespace auction;
using namespace auction::market;

namespace {

AuctionRules running(std::vector<std::string> buyers, Cents base = Cents(1000),
                     Cents increment = Cents(100)) {
  AuctionRules r = AuctionRules::create(AuctionId{7}, base, increment, std::move(buyers)).value();
  REQUIRE(r.start().has_value());
  return r;
}

}  // namespace

TEST_CASE("market: advance_to jumps to a later round at its price", "[market][rules]") {
  AuctionRules r = running({"amy", "bob", "cat"});
  REQUIRE(r.advance_to(5).has_value());
  CHECK(r.round_id() == 5);
  CHECK(r.price() == price_at_round(Cents(1000), Cents(100), 5).value());
  CHECK(r.price() == Cents(1500));
  CHECK(r.is_running());
  CHECK(r.active_count() == 3);

  // The same round again is no move at all.
  REQUIRE(r.advance_to(5).has_value());
  CHECK(r.round_id() == 5);
  CHECK(r.price() == Cents(1500));

  // Jumping gives what stepping gives.
  AuctionRules stepped = running({"amy", "bob", "cat"});
  for (int i = 0; i < 9; ++i) REQUIRE(stepped.next_round().has_value());
  REQUIRE(r.advance_to(9).has_value());
  CHECK(r.state() == stepped.state());

  // And the rules go on from there.
  CHECK(r.next_round().value() == 10);
  CHECK(r.price() == Cents(2000));
  CHECK(r.withdraw("amy", BuyerStatus::withdrawn_silent) == WithdrawOutcome::withdrawn);
  CHECK(r.withdraw("bob", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::withdrawn);
  CHECK(r.is_finished());
  CHECK(r.finish_record().round_id == 10);
  CHECK(r.finish_record().price == Cents(2000));
}

TEST_CASE("market: advance_to refuses an earlier round and changes nothing", "[market][rules]") {
  AuctionRules r = running({"amy", "bob"});
  REQUIRE(r.advance_to(4).has_value());
  const AuctionState before = r.state();
  auto back = r.advance_to(3);
  REQUIRE_FALSE(back.has_value());
  CHECK(back.error().code == "invalid_argument");
  CHECK_THAT(back.error().message, Catch::Contains("round 3") && Catch::Contains("round 4"));
  CHECK(r.state() == before);
  CHECK(r.advance_to(0).error().code == "invalid_argument");
  CHECK(r.state() == before);
}

TEST_CASE("market: advance_to runs only while the auction runs", "[market][rules]") {
  AuctionRules not_started =
      AuctionRules::create(AuctionId{7}, Cents(1000), Cents(100), {"amy", "bob"}).value();
  CHECK(not_started.advance_to(1).error().code == "wrong_stage");
  CHECK(not_started.round_id() == 0);
  CHECK(not_started.stage() == Stage::not_started);

  AuctionRules finished = running({"amy", "bob"});
  REQUIRE(finished.advance_to(2).has_value());
  REQUIRE(finished.withdraw("amy", BuyerStatus::withdrawn_silent) == WithdrawOutcome::withdrawn);
  REQUIRE(finished.is_finished());
  CHECK(finished.advance_to(3).error().code == "wrong_stage");
  CHECK(finished.advance_to(2).error().code == "wrong_stage");
  CHECK(finished.round_id() == 2);
  CHECK(finished.price() == Cents(1200));

  AuctionRules single = running({"amy"});
  CHECK(single.advance_to(1).error().code == "wrong_stage");
  AuctionRules unsold = running({});
  CHECK(unsold.advance_to(1).error().code == "wrong_stage");
}

TEST_CASE("market: advance_to a round whose price overflows is price_overflow and changes nothing",
          "[market][rules]") {
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  AuctionRules r = running({"amy", "bob"}, Cents(max - 250), Cents(100));
  REQUIRE(r.advance_to(1).has_value());
  const AuctionState before = r.state();
  for (const RoundId round : {RoundId{3}, RoundId{1} << 40, std::numeric_limits<RoundId>::max()}) {
    INFO("round " << round);
    auto result = r.advance_to(round);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == "price_overflow");
    CHECK(r.state() == before);
  }
  // The last round that fits is still reachable.
  REQUIRE(r.advance_to(2).has_value());
  CHECK(r.price() == Cents(max - 50));
}

// The close of a round: who wins, what the winner pays, the reserve, and the draw.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "auction/market/round_close.hpp"

using namespace auction;
using namespace auction::market;

namespace {

using Names = std::vector<std::string>;
using Exits = std::vector<RoundExit>;
constexpr Cents p{1000};  // the round's clock price; the next is 20.00 (exits below it)

DrawSeed seed_of(std::uint8_t n) {
  DrawSeed seed;
  seed.bytes.fill(n);
  return seed;
}

RoundClose close(const Names& staying, const Exits& exits, std::optional<Cents> reserve = {},
                 DrawSeed seed = seed_of(1)) {
  return close_round(staying, exits, p, reserve, seed);
}

}  // namespace

TEST_CASE("round close: the clock goes on while two or more stay in", "[market][rules]") {
  CHECK(close({"amy", "bob"}, {}).kind == RoundClose::Kind::goes_on);
  CHECK(close({"amy", "bob"}, {{"cat", Cents{1500}}}).kind == RoundClose::Kind::goes_on);
}

TEST_CASE("round close: the one left wins at the round's price when the others left plainly",
          "[market][rules]") {
  // The original rule: the price of the round in which the last other buyer left.
  const RoundClose c = close({"amy"}, {{"bob", p}, {"cat", p}});
  CHECK(c.kind == RoundClose::Kind::sold);
  CHECK(c.winner == "amy");
  CHECK(c.price == p);
  CHECK_FALSE(c.by_draw);
  // Nobody left in this round (a start with one buyer): the round's price too.
  CHECK(close({"amy"}, {}).price == p);
}

TEST_CASE("round close: the winner pays the highest exit price of the others", "[market][rules]") {
  const RoundClose c = close({"amy"}, {{"bob", Cents{1450}}, {"cat", Cents{1720}}, {"dan", p}});
  CHECK(c.winner == "amy");
  CHECK(c.price == Cents{1720});  // not 20.00, a whole increment more
}

TEST_CASE(
    "round close: when everyone left in the round, the highest exit price wins and pays "
    "the next highest",
    "[market][rules]") {
  const RoundClose c = close({}, {{"bob", Cents{1450}}, {"cat", Cents{1720}}, {"dan", p}});
  CHECK(c.kind == RoundClose::Kind::sold);
  CHECK(c.winner == "cat");
  CHECK(c.price == Cents{1450});
  CHECK_FALSE(c.by_draw);
}

TEST_CASE("round close: equal highest exit prices are broken by the draw, whatever the order",
          "[market][rules]") {
  const Exits exits = {
      {"bob", Cents{1720}}, {"cat", Cents{1720}}, {"dan", Cents{1100}}, {"eve", Cents{1720}}};
  const RoundClose c = close({}, exits);
  REQUIRE(c.kind == RoundClose::Kind::sold);
  CHECK(c.by_draw);
  CHECK(c.price == Cents{1720});  // the others' highest equals its own
  const std::set<std::string> tied = {"bob", "cat", "eve"};
  CHECK(tied.count(*c.winner) == 1);
  // The same seed picks the same name in any order of the exits.
  Exits shuffled = exits;
  std::reverse(shuffled.begin(), shuffled.end());
  CHECK(close({}, shuffled).winner == c.winner);
  std::rotate(shuffled.begin(), shuffled.begin() + 1, shuffled.end());
  CHECK(close({}, shuffled).winner == c.winner);
  // Another seed may pick another: over many seeds each tied name wins sometimes, and the
  // one not tied never.
  std::set<std::string> winners;
  for (int n = 0; n < 64; ++n) winners.insert(*close({}, exits, {}, seed_of(n)).winner);
  CHECK(winners == tied);
}

TEST_CASE(
    "round close: the last two leaving plainly in one round is decided by the draw, not "
    "by who reached the seller first",
    "[market][rules]") {
  const RoundClose first = close({}, {{"amy", p}, {"bob", p}});
  const RoundClose second = close({}, {{"bob", p}, {"amy", p}});
  CHECK(first.by_draw);
  CHECK(first.winner == second.winner);
  CHECK(first.price == p);
}

TEST_CASE("round close: a price below the reserve sells nothing", "[market][rules]") {
  const RoundClose met = close({"amy"}, {{"bob", Cents{1500}}}, Cents{1500});
  CHECK(met.kind == RoundClose::Kind::sold);
  CHECK(met.price == Cents{1500});
  const RoundClose not_met = close({"amy"}, {{"bob", Cents{1499}}}, Cents{1500});
  CHECK(not_met.kind == RoundClose::Kind::unsold);
  CHECK(not_met.reserve_not_met);
  CHECK_FALSE(not_met.winner.has_value());
  CHECK(not_met.price == Cents{1499});
  // Everyone left: the price the highest exit would pay decides.
  const RoundClose all_left = close({}, {{"bob", Cents{1900}}, {"cat", Cents{1200}}}, Cents{1500});
  CHECK(all_left.kind == RoundClose::Kind::unsold);
  CHECK(all_left.reserve_not_met);
  CHECK(all_left.price == Cents{1200});
}

TEST_CASE("round close: nobody at all is unsold without a winner", "[market][rules]") {
  const RoundClose c = close({}, {});
  CHECK(c.kind == RoundClose::Kind::unsold);
  CHECK_FALSE(c.winner.has_value());
  CHECK_FALSE(c.reserve_not_met);
}

TEST_CASE("round close: the seed's commitment is fixed by the seed, and tells seeds apart",
          "[market][rules]") {
  CHECK(draw_commitment(seed_of(7)) == draw_commitment(seed_of(7)));
  CHECK_FALSE(draw_commitment(seed_of(7)) == draw_commitment(seed_of(8)));
  // A draw among one name picks it.
  const Names one = {"amy"};
  CHECK(draw_among(seed_of(7), one) == "amy");
}

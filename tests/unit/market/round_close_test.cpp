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
constexpr Cents p{1000};  // the round's clock price
constexpr Cents q{2000};  // the next round's: exits are below it

DrawSeed seed_of(std::uint8_t n) {
  DrawSeed seed;
  seed.bytes.fill(n);
  return seed;
}

RoundClose close(const Names& staying, const Exits& exits, std::optional<Cents> reserve = {},
                 DrawSeed seed = seed_of(1)) {
  auto closed = close_round(staying, exits, p, q, reserve, seed);
  REQUIRE(closed.has_value());
  return *closed;
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

TEST_CASE(
    "round close: the winner pays at least the reserve when it said it would, else "
    "nothing is sold",
    "[market][rules]") {
  // One stayed in: it would pay any price below the next round's.
  const RoundClose raised = close({"amy"}, {{"bob", Cents{1200}}}, Cents{1500});
  CHECK(raised.kind == RoundClose::Kind::sold);
  CHECK(raised.winner == "amy");
  CHECK(raised.price == Cents{1500});  // the others' 12.00, raised to the reserve
  CHECK(close({"amy"}, {{"bob", Cents{1700}}}, Cents{1500}).price == Cents{1700});
  const RoundClose beyond = close({"amy"}, {{"bob", Cents{1200}}}, Cents{2000});
  CHECK(beyond.kind == RoundClose::Kind::unsold);  // 20.00 is the next price: never said
  CHECK(beyond.reserve_not_met);
  CHECK_FALSE(beyond.winner.has_value());
  CHECK(beyond.price == Cents{1200});
  // Everyone left: the highest exit price says how far its buyer would go.
  const RoundClose exited = close({}, {{"bob", Cents{1900}}, {"cat", Cents{1200}}}, Cents{1500});
  CHECK(exited.kind == RoundClose::Kind::sold);
  CHECK(exited.winner == "bob");
  CHECK(exited.price == Cents{1500});
  CHECK(close({}, {{"bob", Cents{1500}}, {"cat", Cents{1200}}}, Cents{1500}).price == Cents{1500});
  const RoundClose short_of = close({}, {{"bob", Cents{1499}}, {"cat", Cents{1200}}}, Cents{1500});
  CHECK(short_of.kind == RoundClose::Kind::unsold);
  CHECK(short_of.reserve_not_met);
}

TEST_CASE("round close: an exit price outside the round, or a name twice, is refused",
          "[market][rules]") {
  const DrawSeed seed = seed_of(1);
  const auto refused = [&](const Names& staying, const Exits& exits, Cents round_price,
                           Cents next_price) {
    auto closed = close_round(staying, exits, round_price, next_price, std::nullopt, seed);
    REQUIRE_FALSE(closed.has_value());
    CHECK(closed.error().code == "invalid_argument");
  };
  refused({"amy"}, {{"bob", Cents{999}}}, p, q);               // below the round's price
  refused({"amy"}, {{"bob", q}}, p, q);                        // the next price is the next round's
  refused({"amy"}, {{"bob", Cents{INT64_MAX}}}, p, q);         // far beyond
  refused({"amy"}, {{"bob", p}, {"bob", Cents{1500}}}, p, q);  // twice
  refused({"amy"}, {{"amy", p}}, p, q);                        // stays and exits
  refused({"amy", "bob"}, {}, p, p);                           // no next price above
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

// PriceSchedule: the start price, an increment table, and the price of any round in O(steps).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "auction/base/error_codes.hpp"
#include "auction/base/price_schedule.hpp"

using namespace auction;

namespace {

PriceSchedule schedule(std::int64_t start, std::int64_t increment,
                       std::vector<IncrementStep> steps = {}) {
  auto made = PriceSchedule::create(Cents{start}, Cents{increment}, std::move(steps));
  REQUIRE(made.has_value());
  return *made;
}

// The price of `rounds`, raised one round at a time: the definition price_at must meet.
Cents walked(const PriceSchedule& s, std::uint64_t rounds) {
  Cents price = s.start();
  for (std::uint64_t r = 0; r < rounds; ++r)
    price = Cents{price.value + s.increment_at(price).value};
  return price;
}

}  // namespace

TEST_CASE("price schedule: without steps it is start + rounds x increment", "[base][money]") {
  const PriceSchedule s = schedule(1000, 50);
  for (std::uint64_t r : {0u, 1u, 2u, 17u, 1000u}) {
    CHECK(s.price_at(r) == price_at_round(Cents{1000}, Cents{50}, r));
  }
  CHECK(s.increment_at(Cents{1'000'000}) == Cents{50});
}

TEST_CASE("price schedule: the increment grows with the price, level by level", "[base][money]") {
  // +0.50 from 10.00, +1.00 from 20.00, +5.00 from 100.00.
  const PriceSchedule s =
      schedule(1000, 50, {{Cents{2000}, Cents{100}}, {Cents{10000}, Cents{500}}});
  CHECK(s.price_at(0) == Cents{1000});
  CHECK(s.price_at(1) == Cents{1050});
  CHECK(s.price_at(20) == Cents{2000});    // 20 raises of 0.50
  CHECK(s.price_at(21) == Cents{2100});    // from 20.00 on, 1.00
  CHECK(s.price_at(100) == Cents{10000});  // 80 raises of 1.00
  CHECK(s.price_at(101) == Cents{10500});
  CHECK(s.increment_at(Cents{1999}) == Cents{50});
  CHECK(s.increment_at(Cents{2000}) == Cents{100});
  CHECK(s.is_price_at(101, Cents{10500}));
  CHECK_FALSE(s.is_price_at(101, Cents{10100}));
}

TEST_CASE(
    "price schedule: a raise that passes a level's price takes that level's increment "
    "from the next round",
    "[base][money]") {
  // +3.00 from 10.00, +1.00 from 20.00: 10, 13, 16, 19, 22 (19 is below 20), 23, 24.
  const PriceSchedule s = schedule(1000, 300, {{Cents{2000}, Cents{100}}});
  const std::vector<std::int64_t> expected = {1000, 1300, 1600, 1900, 2200, 2300, 2400};
  for (std::size_t r = 0; r < expected.size(); ++r) CHECK(s.price_at(r) == Cents{expected[r]});
  // Several levels passed by one raise: the increment is the last level's at or below.
  const PriceSchedule jumpy =
      schedule(0, 1000, {{Cents{100}, Cents{1}}, {Cents{200}, Cents{2}}, {Cents{300}, Cents{7}}});
  CHECK(jumpy.price_at(1) == Cents{1000});
  CHECK(jumpy.price_at(2) == Cents{1007});
}

TEST_CASE("price schedule: price_at agrees with raising one round at a time", "[base][money]") {
  std::mt19937_64 random(20261207);
  for (int trial = 0; trial < 300; ++trial) {
    const std::int64_t start = static_cast<std::int64_t>(random() % 5000);
    std::vector<IncrementStep> steps;
    std::int64_t from = start;
    const std::size_t count = random() % (PriceSchedule::steps_max + 1);
    for (std::size_t i = 0; i < count; ++i) {
      from += 1 + static_cast<std::int64_t>(random() % 3000);
      steps.push_back({Cents{from}, Cents{1 + static_cast<std::int64_t>(random() % 700)}});
    }
    const PriceSchedule s =
        schedule(start, 1 + static_cast<std::int64_t>(random() % 700), std::move(steps));
    for (std::uint64_t r : {0u, 1u, 2u, 5u, 13u, 40u, 200u, 777u}) {
      INFO("trial " << trial << ", round " << r);
      const auto price = s.price_at(r);
      REQUIRE(price.has_value());
      CHECK(*price == walked(s, r));
    }
  }
}

TEST_CASE("price schedule: a price past INT64_MAX cents is price_overflow", "[base][money]") {
  const PriceSchedule s = schedule(0, 1, {{Cents{10}, Cents{INT64_MAX / 4}}});
  CHECK(s.price_at(10).has_value());
  CHECK(s.price_at(13).has_value());
  const auto overflow = s.price_at(20);
  REQUIRE_FALSE(overflow.has_value());
  CHECK(overflow.error().code == code::price_overflow);
  CHECK(overflow.error().message == "the price of round 20 does not fit in int64 cents");
  CHECK_FALSE(s.is_price_at(20, Cents{0}));
  CHECK_FALSE(s.price_at(UINT64_MAX).has_value());
}

TEST_CASE("price schedule: a schedule that cannot be is refused, naming what is wrong",
          "[base][money]") {
  const auto refused = [](std::int64_t start, std::int64_t increment,
                          std::vector<IncrementStep> steps) {
    auto made = PriceSchedule::create(Cents{start}, Cents{increment}, std::move(steps));
    REQUIRE_FALSE(made.has_value());
    CHECK(made.error().code == code::invalid_argument);
    return made.error().message;
  };
  CHECK(refused(-1, 50, {}).starts_with("start_price"));
  CHECK(refused(0, 0, {}).starts_with("increment"));
  CHECK(
      refused(1000, 50, {{Cents{1000}, Cents{100}}}).starts_with("increment_steps[0].from_price"));
  CHECK(refused(1000, 50, {{Cents{2000}, Cents{100}}, {Cents{2000}, Cents{200}}})
            .starts_with("increment_steps[1].from_price"));
  CHECK(refused(1000, 50, {{Cents{2000}, Cents{0}}}).starts_with("increment_steps[0].increment"));
  std::vector<IncrementStep> many;
  for (std::int64_t i = 1; i <= 17; ++i) many.push_back({Cents{1000 + i}, Cents{1}});
  CHECK(refused(1000, 50, many).starts_with("increment_steps"));
}

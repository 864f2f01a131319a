// Money: the one price formula, and parsing and formatting the edge cases a user can type.
#include <catch2/catch.hpp>

#include <limits>

#include "auction/base/money.hpp"

using namespace auction;

TEST_CASE("base: the clock price is base + rounds * increment, checked for overflow",
          "[base][money]") {
  CHECK(price_at_round(Cents{1000}, Cents{100}, 0).value() == Cents{1000});
  CHECK(price_at_round(Cents{1000}, Cents{100}, 5).value() == Cents{1500});
  CHECK(price_at_round(Cents{INT64_MAX - 10}, Cents{5}, 2).value() == Cents{INT64_MAX});
  CHECK(price_at_round(Cents{0}, Cents{1}, INT64_MAX).value() == Cents{INT64_MAX});
  CHECK(price_at_round(Cents{INT64_MAX - 10}, Cents{5}, 3).error().code == code::price_overflow);
  CHECK(price_at_round(Cents{0}, Cents{2}, std::uint64_t{1} << 62).error().code ==
        code::price_overflow);
  CHECK(price_at_round(Cents{0}, Cents{1}, UINT64_MAX).error().code == code::price_overflow);
  CHECK(price_at_round(Cents{-1}, Cents{1}, 0).error().code == code::invalid_argument);
  CHECK(price_at_round(Cents{0}, Cents{0}, 0).error().code == code::invalid_argument);
  CHECK(price_at_round(Cents{0}, Cents{-5}, 1).error().code == code::invalid_argument);
}

TEST_CASE("base: cents are formatted with two decimals", "[base][money]") {
  CHECK(format_cents(Cents(1250)) == "12.50");
  CHECK(format_cents(Cents(5)) == "0.05");
  CHECK(format_cents(Cents(0)) == "0.00");
  CHECK(format_cents(Cents(100)) == "1.00");
  CHECK(format_cents(Cents(-300)) == "-3.00");
  CHECK(format_cents(Cents(std::numeric_limits<std::int64_t>::max())) == "92233720368547758.07");
  CHECK(format_cents(Cents(std::numeric_limits<std::int64_t>::min())) == "-92233720368547758.08");
}

TEST_CASE("base: amounts with zero, one or two decimals parse to cents", "[base][money]") {
  CHECK(parse_cents("12.50").value() == Cents(1250));
  CHECK(parse_cents("12.5").value() == Cents(1250));
  CHECK(parse_cents("12").value() == Cents(1200));
  CHECK(parse_cents("0.05").value() == Cents(5));
  CHECK(parse_cents("0").value() == Cents(0));
  CHECK(parse_cents("007.10").value() == Cents(710));
  CHECK(parse_cents("92233720368547758.07").value() ==
        Cents(std::numeric_limits<std::int64_t>::max()));
}

TEST_CASE("base: malformed amounts are invalid_argument", "[base][money]") {
  for (const char* bad : {"", ".5", "12.", "12.505", "-1", "+1", " 12", "12 ", "1e3", "12,50",
                          "1.2.3", "abc", "12.-5", "0x10"}) {
    INFO(bad);
    auto r = parse_cents(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "invalid_argument");
  }
}

TEST_CASE("base: amounts beyond int64 cents are out_of_range", "[base][money]") {
  for (const char* big : {"92233720368547758.08", "92233720368547759", "99999999999999999999999"}) {
    INFO(big);
    auto r = parse_cents(big);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "out_of_range");
  }
}

TEST_CASE("base: a formatted amount parses back to itself", "[base][money]") {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{99}, std::int64_t{100},
                         std::int64_t{123456789}, std::numeric_limits<std::int64_t>::max()}) {
    CHECK(parse_cents(format_cents(Cents(v))).value() == Cents(v));
  }
}

// Money parsing and formatting: the edge cases a user can type.
#include <catch2/catch.hpp>

#include <limits>

#include "auction/market/money.hpp"

using auction::market::Cents;
using auction::market::format_cents;
using auction::market::parse_cents;

TEST_CASE("market: cents are formatted with two decimals", "[market][money]") {
  CHECK(format_cents(Cents(1250)) == "12.50");
  CHECK(format_cents(Cents(5)) == "0.05");
  CHECK(format_cents(Cents(0)) == "0.00");
  CHECK(format_cents(Cents(100)) == "1.00");
  CHECK(format_cents(Cents(-300)) == "-3.00");
  CHECK(format_cents(Cents(std::numeric_limits<std::int64_t>::max())) ==
        "92233720368547758.07");
  CHECK(format_cents(Cents(std::numeric_limits<std::int64_t>::min())) ==
        "-92233720368547758.08");
}

TEST_CASE("market: amounts with zero, one or two decimals parse to cents", "[market][money]") {
  CHECK(parse_cents("12.50").value() == Cents(1250));
  CHECK(parse_cents("12.5").value() == Cents(1250));
  CHECK(parse_cents("12").value() == Cents(1200));
  CHECK(parse_cents("0.05").value() == Cents(5));
  CHECK(parse_cents("0").value() == Cents(0));
  CHECK(parse_cents("007.10").value() == Cents(710));
  CHECK(parse_cents("92233720368547758.07").value() ==
        Cents(std::numeric_limits<std::int64_t>::max()));
}

TEST_CASE("market: malformed amounts are invalid_argument", "[market][money]") {
  for (const char* bad : {"", ".5", "12.", "12.505", "-1", "+1", " 12", "12 ", "1e3", "12,50",
                          "1.2.3", "abc", "12.-5", "0x10"}) {
    INFO(bad);
    auto r = parse_cents(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "invalid_argument");
  }
}

TEST_CASE("market: amounts beyond int64 cents are out_of_range", "[market][money]") {
  for (const char* big : {"92233720368547758.08", "92233720368547759", "99999999999999999999999"}) {
    INFO(big);
    auto r = parse_cents(big);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "out_of_range");
  }
}

TEST_CASE("market: a formatted amount parses back to itself", "[market][money]") {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{99}, std::int64_t{100},
                         std::int64_t{123456789}, std::numeric_limits<std::int64_t>::max()}) {
    CHECK(parse_cents(format_cents(Cents(v))).value() == Cents(v));
  }
}

// Unit tests of errors as values: a Result carries either the value or a stable code.
#include <catch2/catch.hpp>

#include "auction/base/error.hpp"

namespace {
auction::Result<int> half(int x) {
  if (x % 2 != 0) return auction::fail(auction::code::invalid_argument, "x must be even");
  return x / 2;
}
}  // namespace

TEST_CASE("base: an error is a value with a stable code", "[base]") {
  REQUIRE(half(4).value() == 2);
  auto r = half(3);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == auction::code::invalid_argument);
  CHECK(r.error().message == "x must be even");
}

#include <catch2/catch.hpp>

#include "auction/base/error.hpp"

namespace {
auction::Result<int> half(int x) {
  if (x % 2 != 0) return auction::fail("invalid_argument", "x must be even");
  return x / 2;
}
}  // namespace

TEST_CASE("wire: an error is a value with a stable code", "[wire]") {
  REQUIRE(half(4).value() == 2);
  auto r = half(3);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "invalid_argument");
}

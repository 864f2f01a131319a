#include <catch2/catch.hpp>
#include "linearizability.hpp"
TEST_CASE("chaos: smoke", "[chaos]") { REQUIRE(true); }

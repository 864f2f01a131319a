// Tests of RateLimiter: a token bucket per source, refilled with the time it is given, in a
// bounded table.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "platform/rate_limiter.hpp"

using auction::platform::RateLimiter;
using namespace std::chrono_literals;

TEST_CASE("platform: a source may send its burst at once and then its rate", "[platform][rate]") {
  RateLimiter limiter(10, 3);  // 10 a second, bursts of 3
  const RateLimiter::TimePoint t0{};
  CHECK_FALSE(limiter.take("192.0.2.1", t0).has_value());
  CHECK_FALSE(limiter.take("192.0.2.1", t0).has_value());
  CHECK_FALSE(limiter.take("192.0.2.1", t0).has_value());
  const auto wait = limiter.take("192.0.2.1", t0);
  REQUIRE(wait.has_value());
  CHECK(*wait == 100ms);  // one token every 100 ms
  CHECK(limiter.take("192.0.2.1", t0 + 50ms) == std::optional(50ms));
  CHECK_FALSE(limiter.take("192.0.2.1", t0 + 100ms).has_value());
  CHECK(limiter.take("192.0.2.1", t0 + 100ms).has_value());
  // Another source has its own bucket.
  CHECK_FALSE(limiter.take("192.0.2.2", t0 + 100ms).has_value());
  // A long silence refills the bucket to its burst, no more.
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter.take("192.0.2.1", t0 + 1h).has_value());
  CHECK(limiter.take("192.0.2.1", t0 + 1h).has_value());
}

TEST_CASE("platform: a rate of 0 never refuses and keeps nothing", "[platform][rate]") {
  RateLimiter limiter(0, 1);
  for (int i = 0; i < 1000; ++i) CHECK_FALSE(limiter.take("192.0.2.1", {}).has_value());
  CHECK(limiter.size() == 0);
}

TEST_CASE("platform: the rate limiter keeps at most sources_max sources, forgetting the oldest",
          "[platform][rate]") {
  RateLimiter limiter(1, 1, 3);
  const RateLimiter::TimePoint t0{};
  for (const char* source : {"a", "b", "c"}) CHECK_FALSE(limiter.take(source, t0).has_value());
  CHECK(limiter.take("a", t0).has_value());  // a is used again: b is now the oldest
  CHECK_FALSE(limiter.take("d", t0).has_value());
  CHECK(limiter.size() == 3);
  CHECK(limiter.take("a", t0).has_value());        // a was kept, still empty
  CHECK(limiter.take("c", t0).has_value());        // so was c
  CHECK_FALSE(limiter.take("b", t0).has_value());  // b was forgotten: a fresh bucket
  CHECK(limiter.size() == 3);
}

// RateLimiter: see rate_limiter.hpp. Pure; never reads a clock.
#include "platform/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

#include "auction/base/assert.hpp"

namespace auction::platform {

RateLimiter::RateLimiter(std::uint32_t per_s, std::uint32_t burst, std::size_t sources_max)
    : per_s_(per_s), burst_(burst), sources_max_(sources_max) {
  AUCTION_ASSERT(per_s == 0 || burst >= 1, "a rate limit needs a burst of at least 1");
  AUCTION_ASSERT(sources_max >= 1, "a rate limiter keeps at least one source");
}

std::optional<std::chrono::milliseconds> RateLimiter::take(std::string_view source, TimePoint now) {
  if (per_s_ == 0) return std::nullopt;
  auto it = buckets_.find(std::string(source));
  if (it == buckets_.end()) {
    if (buckets_.size() >= sources_max_) {
      buckets_.erase(by_use_.back());
      by_use_.pop_back();
    }
    by_use_.emplace_front(source);
    it = buckets_.emplace(std::string(source), Bucket{burst_, now, by_use_.begin()}).first;
  } else {
    by_use_.splice(by_use_.begin(), by_use_, it->second.lru);
  }
  Bucket& b = it->second;
  if (now > b.refilled) {
    const double seconds = std::chrono::duration<double>(now - b.refilled).count();
    b.tokens = std::min(burst_, b.tokens + seconds * per_s_);
    b.refilled = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  const double wait_ms = std::ceil((1 - b.tokens) / per_s_ * 1000);
  return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait_ms)));
}

}  // namespace auction::platform

// Checked price arithmetic (see auction/platform/types.hpp). Pure; never throws.
#include "auction/platform/types.hpp"

#include <cstdint>
#include <string>

#include "auction/base/assert.hpp"

namespace auction::platform {

Result<Cents> price_at_round(Cents base, Cents increment, std::uint64_t rounds) {
  AUCTION_ASSERT(base.value >= 0 && increment.value >= 1,
                             "price_at_round needs base >= 0 and increment >= 1");
  std::int64_t raise = 0;
  std::int64_t price = 0;
  // An int64 cannot hold rounds > INT64_MAX, and any such count overflows anyway.
  if (rounds > static_cast<std::uint64_t>(INT64_MAX) ||
      __builtin_mul_overflow(static_cast<std::int64_t>(rounds), increment.value, &raise) ||
      __builtin_add_overflow(base.value, raise, &price)) {
    return fail(code::invalid_argument, "the price at round " + std::to_string(rounds) +
                                        " would exceed the maximum of " +
                                        std::to_string(INT64_MAX) + " cents");
  }
  return Cents{price};
}

}  // namespace auction::platform

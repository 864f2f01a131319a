// The out-of-line half of AUCTION_ASSERT (auction/base/assert.hpp): print and abort.
#include "auction/base/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace auction::detail {

void assertion_failed(const char* file, int line, const char* condition,
                      const char* message) noexcept {
  std::fprintf(stderr, "%s:%d: assertion failed: %s (%s)\n", file, line, condition, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace auction::detail

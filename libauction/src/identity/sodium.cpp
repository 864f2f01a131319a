// The one call to sodium_init() (see sodium.hpp).
#include "identity/sodium.hpp"

#include "auction/base/assert.hpp"

namespace auction::identity {

void ensure_sodium() {
  // 0: initialised now; 1: already initialised (by another library in the process); -1: failed.
  static const int initialised = sodium_init();
  AUCTION_ASSERT(initialised >= 0, "libsodium cannot be initialised (no usable randomness?)");
}

}  // namespace auction::identity

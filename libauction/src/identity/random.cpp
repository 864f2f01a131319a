// Fresh randomness: see auction/identity/random.hpp.
#include "auction/identity/random.hpp"

#include <vector>

#include "identity/hex.hpp"
#include "identity/sodium.hpp"

namespace auction::identity {

std::string random_hex(std::size_t bytes) {
  ensure_sodium();
  std::vector<std::uint8_t> drawn(bytes);
  randombytes_buf(drawn.data(), drawn.size());
  return to_hex(drawn);
}

}  // namespace auction::identity

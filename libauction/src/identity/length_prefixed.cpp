// Length-prefixed fields (see length_prefixed.hpp).
#include "identity/length_prefixed.hpp"

#include "auction/base/assert.hpp"

namespace auction::identity {

void append_length_prefixed(std::string& out, std::string_view field) {
  AUCTION_ASSERT(field.size() <= length_prefixed_field_bytes_max,
                 "a length-prefixed field holds at most 2^32 - 1 bytes");
  const auto length = static_cast<std::uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((length >> shift) & 0xff);
  out += field;
}

}  // namespace auction::identity

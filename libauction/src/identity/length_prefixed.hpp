// Length-prefixed fields: the unambiguous encoding of what is signed (signing.hpp) and of a
// key file's associated data (key_file_format.hpp). Private to src/identity/.
//
// A field is its length as 4 bytes, big-endian, then its bytes. A sequence of fields read
// back one way only, so two different sequences never encode to the same bytes ("ab","c"
// and "a","bc" differ in their first length).
// Pure, safe from any thread, never throws but for memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace auction::identity {

// Fields longer than this cannot be encoded (the length must fit in 4 bytes).
inline constexpr std::uint64_t length_prefixed_field_bytes_max = 0xffff'ffff;

// Appends `field` to `out`. Precondition: field.size() <= length_prefixed_field_bytes_max
// (asserted: a longer field is a caller's bug, never an input to refuse).
void append_length_prefixed(std::string& out, std::string_view field);

}  // namespace auction::identity

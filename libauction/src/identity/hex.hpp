// Lowercase hexadecimal: the text form of keys, signatures, digests and the binary fields of
// a key file. Private to src/identity/.
//
// One text per value: only lowercase digits are read, so two texts that differ always name
// two different values (a key compared as text compares as bytes).
// Pure functions, safe from any thread, never throw.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction::identity {

// Two lowercase hex digits per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Reads `text` into `out`: exactly 2 * out.size() characters of [0-9a-f]. On failure `out`
// holds nothing meaningful.
// Errors: invalid_argument, "must be 64 lowercase hex digits, not 63 characters" or
//   "must be 64 lowercase hex digits (character 5 is not one)"; the caller names the field.
Result<void> read_hex(std::string_view text, std::span<std::uint8_t> out);

// A value whose only field is `bytes` (PublicKey, Signature, Sha256Digest), read from its
// text form. Errors: invalid_argument, "<what>: must be 64 lowercase hex digits, ...".
template <class Value>
Result<Value> value_from_hex(std::string_view text, std::string_view what) {
  Value value;
  if (auto read = read_hex(text, value.bytes); !read) {
    return fail(code::invalid_argument, std::string(what) + ": " + read.error().message);
  }
  return value;
}

}  // namespace auction::identity

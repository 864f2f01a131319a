// Base64 (RFC 4648, with padding): how a binary raft::Message travels inside a JSON string.
//
// Private to the raft runtime (the peer transport). The wire layer carries UTF-8 JSON, and
// an encoded Message is arbitrary bytes, so it goes base64-encoded in the `m` field of the
// `raft` op. Pure functions; safe from any thread. decode() never throws and never
// allocates more than its input's length.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace auction::raft::detail {

std::string base64_encode(std::string_view bytes);

// The decoded bytes, or nullopt when `text` is not canonical padded base64 (wrong length,
// a character outside the alphabet, misplaced padding, or non-zero bits in the padding).
std::optional<std::string> base64_decode(std::string_view text);

// Length of base64_encode() of `bytes` bytes.
constexpr std::size_t base64_length(std::size_t bytes) { return (bytes + 2) / 3 * 4; }

}  // namespace auction::raft::detail

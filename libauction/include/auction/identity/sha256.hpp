// SHA-256 digests: what links a seller's announcements into a chain (each names the digest
// of the one before), and the text form they travel in.
//
// Identity layer, on base (libsodium's crypto_hash_sha256). A digest is its own type, so it
// is never mixed up with a public key of the same size.
// Pure functions, safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction::identity {

inline constexpr std::size_t sha256_bytes = 32;

struct Sha256Digest {
  std::array<std::uint8_t, sha256_bytes> bytes{};

  // 64 lowercase hex digits (what `sha256sum` prints).
  std::string to_text() const;

  friend bool operator==(const Sha256Digest&, const Sha256Digest&) = default;
};

// The SHA-256 of `bytes`.
Sha256Digest sha256(std::string_view bytes);

// The digest whose to_text() is `text`. Errors: invalid_argument for anything but exactly 64
// lowercase hex digits.
Result<Sha256Digest> sha256_digest_from_text(std::string_view text);

}  // namespace auction::identity

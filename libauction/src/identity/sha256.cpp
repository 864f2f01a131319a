// SHA-256 over libsodium's crypto_hash_sha256 (see auction/identity/sha256.hpp).
#include "auction/identity/sha256.hpp"

#include "identity/hex.hpp"
#include "identity/sodium.hpp"

namespace auction::identity {

static_assert(sha256_bytes == crypto_hash_sha256_BYTES);

std::string Sha256Digest::to_text() const { return to_hex(bytes); }

Sha256Digest sha256(std::string_view bytes) {
  ensure_sodium();
  Sha256Digest digest;
  crypto_hash_sha256(digest.bytes.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return digest;
}

Result<Sha256Digest> sha256_digest_from_text(std::string_view text) {
  return value_from_hex<Sha256Digest>(text, "sha256 digest");
}

}  // namespace auction::identity

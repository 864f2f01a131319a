// Ed25519 keys over libsodium's crypto_sign (see auction/identity/user_key.hpp).
#include "auction/identity/user_key.hpp"

#include "auction/base/assert.hpp"
#include "identity/hex.hpp"
#include "identity/sodium.hpp"

namespace auction::identity {

static_assert(public_key_bytes == crypto_sign_PUBLICKEYBYTES);
static_assert(secret_key_bytes == crypto_sign_SECRETKEYBYTES);
static_assert(key_seed_bytes == crypto_sign_SEEDBYTES);

std::string PublicKey::to_text() const { return to_hex(bytes); }

Result<PublicKey> public_key_from_text(std::string_view text) {
  return value_from_hex<PublicKey>(text, "public key");
}

void SecretKey::Wipe::operator()(Bytes* bytes) const noexcept {
  sodium_memzero(bytes->data(), bytes->size());
  delete bytes;
}

SecretKey::SecretKey() : bytes_(new Bytes{}) {}

std::span<const std::uint8_t, secret_key_bytes> SecretKey::bytes() const {
  AUCTION_ASSERT(bytes_ != nullptr, "a moved-from secret key was used");
  return *bytes_;
}

std::span<const std::uint8_t, key_seed_bytes> SecretKey::seed() const {
  return bytes().first<key_seed_bytes>();
}

KeyPair KeyPair::from_seed(std::span<const std::uint8_t, key_seed_bytes> seed) {
  ensure_sodium();
  KeyPair pair;
  const int derived = crypto_sign_seed_keypair(pair.public_key_.bytes.data(),
                                               pair.secret_key_.bytes_->data(), seed.data());
  AUCTION_ASSERT(derived == 0, "deriving an Ed25519 key pair from a seed cannot fail");
  return pair;
}

KeyPair generate_key_pair() {
  ensure_sodium();
  WipedBytes<key_seed_bytes> seed;
  randombytes_buf(seed.data(), seed.size());
  return KeyPair::from_seed(seed.array());
}

}  // namespace auction::identity

// A user's Ed25519 key: the public key others know the user by, and the key pair that signs
// (signing.hpp) and is kept in a key file (key_file.hpp).
//
// The identity layer sits on base alone, below every layer that signs or checks a signature.
// Keys are libsodium's Ed25519 (crypto_sign): a 32-byte public key; a 64-byte secret key
// that is the 32-byte seed followed by the public key. The secret key lives in memory of its
// own that is zeroed when it is destroyed, and is never copied.
// Threading: the values are immutable once made; share them across threads freely.
// Never: prints or copies a secret key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction::identity {

inline constexpr std::size_t public_key_bytes = 32;
inline constexpr std::size_t secret_key_bytes = 64;
inline constexpr std::size_t key_seed_bytes = 32;

// Who a user is: an Ed25519 public key. A plain value.
struct PublicKey {
  std::array<std::uint8_t, public_key_bytes> bytes{};

  // 64 lowercase hex digits: one text per key, so texts compare as keys do.
  std::string to_text() const;

  friend bool operator==(const PublicKey&, const PublicKey&) = default;
};

// The key whose to_text() is `text`. Errors: invalid_argument for anything but exactly 64
// lowercase hex digits ("public key: must be 64 lowercase hex digits, not 63 characters").
Result<PublicKey> public_key_from_text(std::string_view text);

// An Ed25519 secret key (libsodium's layout: seed, then public key), in memory of its own
// that sodium_memzero wipes on destruction. Movable, never copyable; a moved-from SecretKey
// holds nothing, and reading it is a bug (asserted). Made only by KeyPair.
class SecretKey {
 public:
  SecretKey(SecretKey&&) noexcept = default;
  SecretKey& operator=(SecretKey&&) noexcept = default;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey() = default;

  // All 64 bytes, for libsodium's signing call.
  std::span<const std::uint8_t, secret_key_bytes> bytes() const;
  // The 32-byte seed the whole pair derives from (what a key file keeps, encrypted).
  std::span<const std::uint8_t, key_seed_bytes> seed() const;

 private:
  friend class KeyPair;
  using Bytes = std::array<std::uint8_t, secret_key_bytes>;
  struct Wipe {
    void operator()(Bytes* bytes) const noexcept;  // sodium_memzero, then delete
  };

  SecretKey();  // zeroed bytes, to be filled by KeyPair

  std::unique_ptr<Bytes, Wipe> bytes_;
};

// A public key and the secret key that belongs to it: made only by from_seed() or
// generate_key_pair(), so the two always match. Movable, never copyable.
class KeyPair {
 public:
  // The pair that `seed` derives (libsodium's crypto_sign_seed_keypair): the same seed gives
  // the same pair on every machine, which is what a key file and a seeded test rely on.
  static KeyPair from_seed(std::span<const std::uint8_t, key_seed_bytes> seed);

  const PublicKey& public_key() const { return public_key_; }
  const SecretKey& secret_key() const { return secret_key_; }

 private:
  KeyPair() = default;

  PublicKey public_key_;
  SecretKey secret_key_;
};

// A new pair from the operating system's randomness (libsodium's randombytes).
KeyPair generate_key_pair();

}  // namespace auction::identity

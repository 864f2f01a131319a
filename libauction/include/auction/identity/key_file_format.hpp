// The key file's format: what a user's key file holds, its text, and sealing a key pair
// into it under a passphrase and opening it again. key_file.hpp reads and writes the files.
//
// A key file is one JSON object (version 1; docs/identity.md has an example):
//
//   {"format":"ppapd-user-key", "version":1, "public_key":"<64 hex>",
//    "kdf":{"name":"argon2id13", "opslimit":N, "memlimit":N, "salt":"<32 hex>"},
//    "passphrase_check":"<64 hex>", "cipher":"xchacha20poly1305-ietf",
//    "nonce":"<48 hex>", "ciphertext":"<96 hex>"}
//
// Every key is required and no other is allowed; hex is lowercase. From the passphrase:
//   master    = Argon2id13(passphrase, salt, opslimit, memlimit)     32 bytes, crypto_pwhash
//   check     = crypto_kdf_derive_from_key(32, 1, "ppapdkey", master)  stored as passphrase_check
//   cipher key = crypto_kdf_derive_from_key(32, 2, "ppapdkey", master)
//   ciphertext = XChaCha20-Poly1305-IETF(cipher key, nonce, seed, associated data)
//   associated data = the length-prefixed fields (signing.hpp's encoding) "ppapd-user-key",
//                     "1", "argon2id13", "xchacha20poly1305-ietf", the 32 public key bytes
// The check tells a wrong passphrase (wrong_passphrase) from an altered file
// (credentials_invalid: the ciphertext does not open, or its seed gives another public key);
// it helps no one guess the passphrase, since the ciphertext's tag would serve as well.
// A file may ask Argon2 for at most kdf_limits_max: a hostile file cannot make a reader
// allocate more than 1 GiB or run more than 16 passes.
//
// Identity layer, on base. parse and text are pure; seal and open run Argon2 (memory and
// time as the limits say) and seal draws the salt and nonce from the OS. Any thread.
// Never: holds the passphrase, master key, cipher key or seed past the call that needs them
// (each is wiped).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"
#include "auction/identity/user_key.hpp"

namespace auction::identity {

// The cost of Argon2id13 (libsodium's crypto_pwhash with ALG_ARGON2ID13).
struct KdfLimits {
  std::uint64_t opslimit = 0;        // passes over the memory
  std::uint64_t memlimit_bytes = 0;  // memory used, in bytes

  friend bool operator==(const KdfLimits&, const KdfLimits&) = default;
};

// libsodium's OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE: what a new key file uses unless
// told otherwise (64 MiB, and 0.17 s on the development machine).
inline constexpr KdfLimits kdf_limits_interactive{.opslimit = 2, .memlimit_bytes = 64 << 20};
// libsodium's minimum for Argon2id: for tests only, where the key file's strength is moot.
inline constexpr KdfLimits kdf_limits_min{.opslimit = 1, .memlimit_bytes = 8192};
// The most a key file may ask for; a file asking for more is refused before Argon2 runs.
inline constexpr KdfLimits kdf_limits_max{.opslimit = 16, .memlimit_bytes = 1ull << 30};

// A key file is refused unread beyond this (a real one is under 600 bytes).
inline constexpr std::size_t key_file_bytes_max = 16 * 1024;

inline constexpr std::string_view key_file_format_name = "ppapd-user-key";
inline constexpr std::uint64_t key_file_version = 1;

// The fields of a version-1 key file. Invariant, when parse_key_file_text made it: the
// limits lie within [kdf_limits_min, kdf_limits_max].
struct KeyFileContents {
  PublicKey public_key;
  KdfLimits kdf;
  std::array<std::uint8_t, 16> salt{};
  std::array<std::uint8_t, 32> passphrase_check{};
  std::array<std::uint8_t, 24> nonce{};
  std::array<std::uint8_t, 48> ciphertext{};  // the 32-byte seed and the 16-byte tag

  friend bool operator==(const KeyFileContents&, const KeyFileContents&) = default;
};

// Whether kdf_limits_min <= limits <= kdf_limits_max, field by field.
bool is_within_kdf_limits(const KdfLimits& limits);

// Reads and checks a key file's text, running no key derivation: everything that can be
// checked without the passphrase is checked here.
// Errors: credentials_invalid naming the problem: larger than key_file_bytes_max, not JSON,
//   not an object, a missing, unknown or ill-typed key, another format or version, another
//   kdf or cipher, hex that is not lowercase or has the wrong length, limits out of range.
Result<KeyFileContents> parse_key_file_text(std::string_view text);

// The file's text: one JSON object in the order above, then a newline.
// parse_key_file_text(key_file_text(c)) == c whenever c's limits are in range.
std::string key_file_text(const KeyFileContents& contents);

// Seals `keys`' seed under `passphrase` with a fresh salt and nonce.
// Errors: invalid_argument for an empty passphrase or limits out of range;
//   credentials_invalid when Argon2 cannot run (not enough memory for memlimit).
Result<KeyFileContents> seal_key_pair(const KeyPair& keys, std::string_view passphrase,
                                      const KdfLimits& limits);

// The key pair sealed in `contents`.
// Errors: wrong_passphrase; credentials_invalid when the limits are out of range, Argon2
//   cannot run, the ciphertext does not open (altered ciphertext, nonce or public key), or
//   the seed gives another public key than the file names.
Result<KeyPair> open_key_file_contents(const KeyFileContents& contents,
                                       std::string_view passphrase);

}  // namespace auction::identity

// The key file's format: strict parsing, canonical text, sealing and opening (see
// auction/identity/key_file_format.hpp, where the format is specified).
#include "auction/identity/key_file_format.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>

#include <nlohmann/json.hpp>

#include "auction/base/assert.hpp"
#include "auction/base/text_rules.hpp"
#include "identity/hex.hpp"
#include "identity/length_prefixed.hpp"
#include "identity/sodium.hpp"

namespace auction::identity {
namespace {

using nlohmann::json;

constexpr std::string_view kdf_name = "argon2id13";
constexpr std::string_view cipher_name = "xchacha20poly1305-ietf";
// The context crypto_kdf_derive_from_key separates the two keys of a master under.
constexpr char subkey_context[crypto_kdf_CONTEXTBYTES + 1] = "ppapdkey";
constexpr std::uint64_t check_subkey_id = 1;
constexpr std::uint64_t cipher_subkey_id = 2;

static_assert(kdf_limits_interactive.opslimit == crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
static_assert(kdf_limits_interactive.memlimit_bytes == crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
static_assert(kdf_limits_min.opslimit == crypto_pwhash_argon2id_OPSLIMIT_MIN);
static_assert(kdf_limits_min.memlimit_bytes == crypto_pwhash_argon2id_MEMLIMIT_MIN);
static_assert(std::tuple_size_v<decltype(KeyFileContents::salt)> == crypto_pwhash_SALTBYTES);
static_assert(std::tuple_size_v<decltype(KeyFileContents::nonce)> ==
              crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(std::tuple_size_v<decltype(KeyFileContents::ciphertext)> ==
              key_seed_bytes + crypto_aead_xchacha20poly1305_ietf_ABYTES);

std::unexpected<Error> invalid(std::string message) {
  return fail(code::credentials_invalid, std::move(message));
}

std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Reads the fields of one JSON object in a straight line: the first failure is kept and the
// reads after it do nothing, so the caller asks for the outcome once. Errors name a field
// as "<prefix><key>" ("kdf.salt"). Every read checks the type first: nlohmann never throws.
class FieldReader {
 public:
  // Refuses at once an `object` that is not an object or holds a key not in `keys`.
  FieldReader(const json& object, std::string prefix, std::span<const std::string_view> keys)
      : object_(object), prefix_(std::move(prefix)) {
    if (!object.is_object()) {
      const std::string name = prefix_.empty() ? "the file" : prefix_.substr(0, prefix_.size() - 1);
      reject(name + " must be a JSON object");
      return;
    }
    for (const auto& item : object.items()) {
      if (std::find(keys.begin(), keys.end(), item.key()) == keys.end()) {
        // The key is the file's text: escaped, so it cannot drive the terminal it is shown on.
        reject(prefix_ + printable_text(item.key()) + ": unknown key");
        return;
      }
    }
  }

  // A string that must be exactly `expected` (a format, a name).
  void constant(std::string_view key, std::string_view expected) {
    const json* value = find(key);
    if (value == nullptr) return;
    if (!value->is_string() || value->get_ref<const std::string&>() != expected) {
      reject(prefix_ + std::string(key) + ": must be \"" + std::string(expected) + "\"");
    }
  }

  // An integer in [min, max].
  void number(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
    const json* value = find(key);
    if (value == nullptr) return;
    if (!value->is_number_unsigned()) {
      reject(prefix_ + std::string(key) + ": must be a non-negative integer");
      return;
    }
    out = value->get<std::uint64_t>();
    if (out < min || out > max) {
      reject(prefix_ + std::string(key) + ": " + std::to_string(out) + " is outside [" +
             std::to_string(min) + ", " + std::to_string(max) + "]");
    }
  }

  // Lowercase hex of exactly out.size() bytes.
  void hex(std::string_view key, std::span<std::uint8_t> out) {
    const json* value = find(key);
    if (value == nullptr) return;
    if (!value->is_string()) {
      reject(prefix_ + std::string(key) + ": must be a string");
      return;
    }
    if (auto read = read_hex(value->get_ref<const std::string&>(), out); !read) {
      reject(prefix_ + std::string(key) + ": " + read.error().message);
    }
  }

  // A nested value, for a reader of its own; null after a failure.
  const json* nested(std::string_view key) { return find(key); }

  void reject(std::string message) {
    if (!error_) error_ = std::move(message);
  }

  bool ok() const { return !error_.has_value(); }

  Result<void> outcome() const {
    if (error_) return invalid(*error_);
    return {};
  }

 private:
  const json* find(std::string_view key) {
    if (error_) return nullptr;
    const auto it = object_.find(key);
    if (it == object_.end()) {
      reject(prefix_ + std::string(key) + ": missing");
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  std::string prefix_;
  std::optional<std::string> error_;
};

constexpr std::array<std::string_view, 8> file_keys = {
    "format", "version", "public_key", "kdf", "passphrase_check", "cipher", "nonce", "ciphertext"};
constexpr std::array<std::string_view, 4> kdf_keys = {"name", "opslimit", "memlimit", "salt"};

// What the ciphertext is bound to: the format's header and the public key (see the header).
std::string associated_data(const PublicKey& key) {
  const std::string version = std::to_string(key_file_version);
  std::string data;
  for (const std::string_view field : {key_file_format_name, std::string_view(version), kdf_name,
                                       cipher_name, as_chars(key.bytes)}) {
    append_length_prefixed(data, field);
  }
  return data;
}

// What a passphrase gives under a salt and limits (see the header).
struct DerivedKeys {
  WipedBytes<32> check;
  WipedBytes<crypto_aead_xchacha20poly1305_ietf_KEYBYTES> cipher_key;
};

// Fills `out` from `passphrase`. Error: credentials_invalid when Argon2 cannot run.
Result<void> derive_keys(std::string_view passphrase, std::span<const std::uint8_t, 16> salt,
                         const KdfLimits& limits, DerivedKeys& out) {
  ensure_sodium();
  WipedBytes<crypto_kdf_KEYBYTES> master;
  if (crypto_pwhash(master.data(), master.size(), passphrase.data(), passphrase.size(), salt.data(),
                    limits.opslimit, static_cast<std::size_t>(limits.memlimit_bytes),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return invalid("the key derivation (Argon2id, " + std::to_string(limits.memlimit_bytes) +
                   " bytes) cannot run: not enough memory");
  }
  crypto_kdf_derive_from_key(out.check.data(), out.check.size(), check_subkey_id, subkey_context,
                             master.data());
  crypto_kdf_derive_from_key(out.cipher_key.data(), out.cipher_key.size(), cipher_subkey_id,
                             subkey_context, master.data());
  return {};
}

std::string limits_text(const KdfLimits& limits) {
  return "opslimit " + std::to_string(limits.opslimit) + ", memlimit " +
         std::to_string(limits.memlimit_bytes) + " bytes";
}

}  // namespace

bool is_within_kdf_limits(const KdfLimits& limits) {
  return limits.opslimit >= kdf_limits_min.opslimit && limits.opslimit <= kdf_limits_max.opslimit &&
         limits.memlimit_bytes >= kdf_limits_min.memlimit_bytes &&
         limits.memlimit_bytes <= kdf_limits_max.memlimit_bytes;
}

Result<KeyFileContents> parse_key_file_text(std::string_view text) {
  if (text.size() > key_file_bytes_max) {
    return invalid("larger than " + std::to_string(key_file_bytes_max) + " bytes: not a key file");
  }
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return invalid("not JSON: not a key file");

  KeyFileContents contents;
  FieldReader file(root, "", file_keys);
  file.constant("format", key_file_format_name);
  std::uint64_t version = 0;
  file.number("version", version, 0, UINT64_MAX);
  if (file.ok() && version != key_file_version) {
    file.reject("version " + std::to_string(version) + " is not one this program reads (it reads " +
                std::to_string(key_file_version) + ")");
  }
  file.hex("public_key", contents.public_key.bytes);
  if (const json* kdf_object = file.nested("kdf")) {
    FieldReader kdf(*kdf_object, "kdf.", kdf_keys);
    kdf.constant("name", kdf_name);
    kdf.number("opslimit", contents.kdf.opslimit, kdf_limits_min.opslimit, kdf_limits_max.opslimit);
    kdf.number("memlimit", contents.kdf.memlimit_bytes, kdf_limits_min.memlimit_bytes,
               kdf_limits_max.memlimit_bytes);
    kdf.hex("salt", contents.salt);
    if (auto ok = kdf.outcome(); !ok) file.reject(ok.error().message);
  }
  file.hex("passphrase_check", contents.passphrase_check);
  file.constant("cipher", cipher_name);
  file.hex("nonce", contents.nonce);
  file.hex("ciphertext", contents.ciphertext);
  if (auto ok = file.outcome(); !ok) return std::unexpected(ok.error());
  return contents;
}

std::string key_file_text(const KeyFileContents& contents) {
  const nlohmann::ordered_json file = {
      {"format", key_file_format_name},
      {"version", key_file_version},
      {"public_key", contents.public_key.to_text()},
      {"kdf",
       {{"name", kdf_name},
        {"opslimit", contents.kdf.opslimit},
        {"memlimit", contents.kdf.memlimit_bytes},
        {"salt", to_hex(contents.salt)}}},
      {"passphrase_check", to_hex(contents.passphrase_check)},
      {"cipher", cipher_name},
      {"nonce", to_hex(contents.nonce)},
      {"ciphertext", to_hex(contents.ciphertext)},
  };
  return file.dump(2) + "\n";
}

Result<KeyFileContents> seal_key_pair(const KeyPair& keys, std::string_view passphrase,
                                      const KdfLimits& limits) {
  if (passphrase.empty()) return fail(code::invalid_argument, "the passphrase must not be empty");
  if (!is_within_kdf_limits(limits)) {
    return fail(code::invalid_argument, "key derivation limits (" + limits_text(limits) +
                                            ") outside what a key file may ask for");
  }
  ensure_sodium();
  KeyFileContents contents;
  contents.public_key = keys.public_key();
  contents.kdf = limits;
  randombytes_buf(contents.salt.data(), contents.salt.size());
  randombytes_buf(contents.nonce.data(), contents.nonce.size());

  DerivedKeys derived;
  if (auto ok = derive_keys(passphrase, contents.salt, limits, derived); !ok) {
    return std::unexpected(ok.error());
  }
  contents.passphrase_check = derived.check.array();
  const std::string data = associated_data(contents.public_key);
  const std::span<const std::uint8_t, key_seed_bytes> seed = keys.secret_key().seed();
  unsigned long long ciphertext_bytes = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      contents.ciphertext.data(), &ciphertext_bytes, seed.data(), seed.size(),
      reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr,
      contents.nonce.data(), derived.cipher_key.data());
  AUCTION_ASSERT(ciphertext_bytes == contents.ciphertext.size(),
                 "a sealed seed is the seed and its tag");
  return contents;
}

Result<KeyPair> open_key_file_contents(const KeyFileContents& contents,
                                       std::string_view passphrase) {
  if (!is_within_kdf_limits(contents.kdf)) {
    return invalid("key derivation limits (" + limits_text(contents.kdf) +
                   ") outside what a key file may ask for");
  }
  DerivedKeys derived;
  if (auto ok = derive_keys(passphrase, contents.salt, contents.kdf, derived); !ok) {
    return std::unexpected(ok.error());
  }
  if (sodium_memcmp(derived.check.data(), contents.passphrase_check.data(), derived.check.size()) !=
      0) {
    return fail(code::wrong_passphrase, "the passphrase does not open this key file");
  }
  const std::string data = associated_data(contents.public_key);
  WipedBytes<key_seed_bytes> seed;
  unsigned long long seed_bytes = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          seed.data(), &seed_bytes, nullptr, contents.ciphertext.data(), contents.ciphertext.size(),
          reinterpret_cast<const unsigned char*>(data.data()), data.size(), contents.nonce.data(),
          derived.cipher_key.data()) != 0) {
    return invalid(
        "the passphrase is right but the sealed key does not open: the file was altered "
        "(its public_key, nonce or ciphertext)");
  }
  KeyPair keys = KeyPair::from_seed(seed.array());
  if (keys.public_key() != contents.public_key) {
    return invalid("the sealed key belongs to another public key than the file names");
  }
  return keys;
}

}  // namespace auction::identity

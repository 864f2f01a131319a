// Fuzz target: the key file parser, which reads a file a user may have been handed (or an
// attacker may have put in place) before any passphrase is asked for, and the other parsers
// of the identity layer's text.
//
// The input is a key file's text. What must hold:
//   - parse_key_file_text accepts, or answers credentials_invalid with a message; it never
//     runs Argon2 (it cannot: it has no passphrase), so no input costs more than its parse;
//   - what it accepts asks for key derivation limits within [kdf_limits_min,
//     kdf_limits_max], and key_file_text of it parses back to the same contents;
//   - when those limits are cheap (the seed's are libsodium's minimum), opening it with the
//     passphrase "fuzz" gives the key pair the file names, or wrong_passphrase, or
//     credentials_invalid: never another public key than the file's;
//   - the same bytes as the text of a public key, a signature or a digest are accepted only
//     when they are exactly that value's text; as a passphrase file's text they give a
//     non-empty first line of at most passphrase_bytes_max bytes, or passphrase_unavailable.
// Nothing may crash, hang, or throw (an escaped exception aborts the target).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auction/identity/key_file_format.hpp"
#include "auction/identity/passphrase.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/identity/signing.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace auction;
using namespace auction::identity;

// Limits cheap enough to run Argon2 on every input that has them (milliseconds, even under the
// sanitizers).
constexpr KdfLimits cheap_limits{.opslimit = 2, .memlimit_bytes = 64 * 1024};

template <class Value>
void check_text_form(std::string_view text, Result<Value> (*from_text)(std::string_view)) {
  const auto value = from_text(text);
  if (value) {
    FUZZ_CHECK(value->to_text() == text, "a value's text is the only text that reads as it");
  } else {
    FUZZ_CHECK(value.error().code == code::invalid_argument && !value.error().message.empty(),
               "a refused text is invalid_argument with a message");
  }
}

void check_key_file(std::string_view text) {
  const auto contents = parse_key_file_text(text);
  if (!contents) {
    FUZZ_CHECK(contents.error().code == code::credentials_invalid, "parse refuses as invalid");
    FUZZ_CHECK(!contents.error().message.empty(), "a refusal says why");
    return;
  }
  FUZZ_CHECK(is_within_kdf_limits(contents->kdf), "accepted limits are within range");
  const std::string canonical = key_file_text(*contents);
  const auto reparsed = parse_key_file_text(canonical);
  FUZZ_CHECK(reparsed.has_value() && *reparsed == *contents, "the file's text parses back");

  if (contents->kdf.opslimit > cheap_limits.opslimit ||
      contents->kdf.memlimit_bytes > cheap_limits.memlimit_bytes) {
    return;
  }
  const auto keys = open_key_file_contents(*contents, "fuzz");
  if (keys) {
    FUZZ_CHECK(keys->public_key() == contents->public_key, "the opened pair is the file's");
  } else {
    FUZZ_CHECK(keys.error().code == code::wrong_passphrase ||
                   keys.error().code == code::credentials_invalid,
               "opening fails as a wrong passphrase or an altered file");
  }
}

void check_passphrase_file(std::string_view text) {
  const auto passphrase = passphrase_from_file_text(text);
  if (passphrase) {
    FUZZ_CHECK(!passphrase->empty() && passphrase->size() <= passphrase_bytes_max,
               "a passphrase is 1..passphrase_bytes_max bytes");
    FUZZ_CHECK(passphrase->find('\n') == std::string::npos, "a passphrase is one line");
    FUZZ_CHECK(text.starts_with(*passphrase), "a passphrase is the start of the file");
  } else {
    FUZZ_CHECK(passphrase.error().code == code::passphrase_unavailable,
               "a refused passphrase file is passphrase_unavailable");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_key_file(text);
  check_text_form<PublicKey>(text, public_key_from_text);
  check_text_form<Signature>(text, signature_from_text);
  check_text_form<Sha256Digest>(text, sha256_digest_from_text);
  check_passphrase_file(text);
  return 0;
}

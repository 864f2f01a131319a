// Tests of users' keys: pairs made from a seed are libsodium's Ed25519 pairs, generated pairs
// differ, the secret key cannot be copied, and the public key's text form reads back and
// refuses everything else.
#include <catch2/catch.hpp>

#include <type_traits>

#include "auction/identity/user_key.hpp"

namespace {

using auction::identity::generate_key_pair;
using auction::identity::KeyPair;
using auction::identity::public_key_from_text;
using auction::identity::SecretKey;
namespace code = auction::code;

// RFC 8032, section 7.1, TEST 1: its secret key (our seed) and public key.
constexpr const char* rfc8032_seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr const char* rfc8032_public_key =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

std::array<std::uint8_t, 32> seed_from_hex(const char* hex) {
  // A public key's parser reads any 32 bytes of hex, which is what a seed is too.
  auto bytes = public_key_from_text(hex);
  REQUIRE(bytes.has_value());
  return bytes->bytes;
}

}  // namespace

static_assert(!std::is_copy_constructible_v<SecretKey> && !std::is_copy_assignable_v<SecretKey>);
static_assert(!std::is_copy_constructible_v<KeyPair> && std::is_move_constructible_v<KeyPair>);

TEST_CASE("identity: a key pair from a seed is the Ed25519 pair of RFC 8032", "[identity]") {
  const KeyPair keys = KeyPair::from_seed(seed_from_hex(rfc8032_seed));
  CHECK(keys.public_key().to_text() == rfc8032_public_key);
  // libsodium's secret key is the seed followed by the public key.
  const auto secret = keys.secret_key().bytes();
  CHECK(std::equal(secret.begin(), secret.begin() + 32, seed_from_hex(rfc8032_seed).begin()));
  CHECK(std::equal(secret.begin() + 32, secret.end(), keys.public_key().bytes.begin()));
  CHECK(KeyPair::from_seed(keys.secret_key().seed()).public_key() == keys.public_key());
}

TEST_CASE("identity: generated key pairs differ", "[identity]") {
  const KeyPair a = generate_key_pair();
  const KeyPair b = generate_key_pair();
  CHECK_FALSE(a.public_key() == b.public_key());
}

TEST_CASE("identity: a moved key pair keeps its keys", "[identity]") {
  KeyPair original = generate_key_pair();
  const auto public_key = original.public_key();
  const KeyPair moved = std::move(original);
  CHECK(moved.public_key() == public_key);
  CHECK(KeyPair::from_seed(moved.secret_key().seed()).public_key() == public_key);
}

TEST_CASE("identity: a public key's text reads back as the same key", "[identity]") {
  const auto key = generate_key_pair().public_key();
  const std::string text = key.to_text();
  CHECK(text.size() == 64);
  CHECK(text.find_first_not_of("0123456789abcdef") == std::string::npos);
  const auto parsed = public_key_from_text(text);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == key);
}

TEST_CASE("identity: a public key's text refuses anything but 64 lowercase hex digits",
          "[identity]") {
  const std::string good = rfc8032_public_key;
  std::string upper = good;
  upper[0] = 'D';
  for (const std::string& text :
       {std::string(), good.substr(1), good + "0", upper, "g" + good.substr(1),
        good.substr(0, 63) + " ", " " + good.substr(1), "0x" + good.substr(2)}) {
    INFO(text);
    const auto parsed = public_key_from_text(text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == code::invalid_argument);
    CHECK_THAT(parsed.error().message, Catch::StartsWith("public key: must be 64 lowercase hex"));
  }
}

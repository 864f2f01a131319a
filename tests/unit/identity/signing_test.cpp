// Tests of domain-separated signing: a signature verifies for exactly the key, purpose,
// scope and message it was made for; the signed bytes are the documented length-prefixed
// encoding, which no two different triples share; signatures' text reads back.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "auction/identity/signing.hpp"

namespace {

using auction::identity::generate_key_pair;
using auction::identity::KeyPair;
using auction::identity::sign;
using auction::identity::signature_from_text;
using auction::identity::signed_bytes;
using auction::identity::SigningContext;
using auction::identity::SigningPurpose;
using auction::identity::verify;
namespace code = auction::code;

const std::vector<SigningPurpose> all_purposes = {
    SigningPurpose::connection_auth, SigningPurpose::announcement, SigningPurpose::ack,
    SigningPurpose::withdraw, SigningPurpose::seller_back, SigningPurpose::auction_finished,
    SigningPurpose::key_rotation};

}  // namespace

TEST_CASE("identity: the signing purposes have distinct, versioned tags", "[identity][signing]") {
  std::set<std::string_view> tags;
  for (const SigningPurpose purpose : all_purposes) {
    CHECK(purpose.tag().starts_with("ppapd/v1/"));
    tags.insert(purpose.tag());
  }
  CHECK(tags.size() == all_purposes.size());
  CHECK(SigningPurpose::key_rotation.tag() == "ppapd/v1/key-rotation");
}

TEST_CASE("identity: a signature verifies for what it was made for", "[identity][signing]") {
  const KeyPair keys = generate_key_pair();
  const SigningContext context{.purpose = SigningPurpose::announcement, .scope = "cluster-7"};
  const auto signature = sign(keys, context, "round 3 at 12.50");
  CHECK(verify(keys.public_key(), context, "round 3 at 12.50", signature));
  // Signing is deterministic (Ed25519): the same inputs give the same signature.
  CHECK(sign(keys, context, "round 3 at 12.50") == signature);
}

TEST_CASE("identity: a signature fails for any other key, purpose, scope or message",
          "[identity][signing]") {
  const KeyPair keys = generate_key_pair();
  const SigningContext context{.purpose = SigningPurpose::ack, .scope = "cluster-7"};
  const auto signature = sign(keys, context, "ack round 3");

  CHECK_FALSE(verify(generate_key_pair().public_key(), context, "ack round 3", signature));
  for (const SigningPurpose purpose : all_purposes) {
    if (purpose == SigningPurpose::ack) continue;
    INFO(purpose.tag());
    CHECK_FALSE(verify(keys.public_key(), {.purpose = purpose, .scope = "cluster-7"}, "ack round 3",
                       signature));
  }
  for (const std::string_view scope : {"cluster-8", "cluster-", "cluster-70", "", "Cluster-7"}) {
    INFO(scope);
    CHECK_FALSE(verify(keys.public_key(), {.purpose = SigningPurpose::ack, .scope = scope},
                       "ack round 3", signature));
  }
  for (const std::string_view message : {"ack round 4", "ack round 3 ", "", "ack round"}) {
    INFO(message);
    CHECK_FALSE(verify(keys.public_key(), context, message, signature));
  }
  for (std::size_t i = 0; i < signature.bytes.size(); i += 7) {
    auto altered = signature;
    altered.bytes[i] ^= 0x01;
    CHECK_FALSE(verify(keys.public_key(), context, "ack round 3", altered));
  }
}

TEST_CASE("identity: the signed bytes are length-prefixed purpose, scope and message",
          "[identity][signing]") {
  const std::string bytes =
      signed_bytes({.purpose = SigningPurpose::ack, .scope = "c1"}, std::string_view("hi\0", 3));
  const std::string expected = std::string("\0\0\0\x0c", 4) + "ppapd/v1/ack" +
                               std::string("\0\0\0\x02", 4) + "c1" + std::string("\0\0\0\x03", 4) +
                               std::string("hi\0", 3);
  CHECK(bytes == expected);
}

TEST_CASE("identity: moving bytes between scope and message changes what is signed",
          "[identity][signing]") {
  const KeyPair keys = generate_key_pair();
  // Concatenated, each pair would read "abc" or "abcd": the length prefixes tell them apart.
  const SigningContext ab{.purpose = SigningPurpose::withdraw, .scope = "ab"};
  const SigningContext a{.purpose = SigningPurpose::withdraw, .scope = "a"};
  CHECK(signed_bytes(ab, "c") != signed_bytes(a, "bc"));
  CHECK(signed_bytes(ab, "cd") != signed_bytes(a, "bcd"));
  const auto signature = sign(keys, ab, "c");
  CHECK(verify(keys.public_key(), ab, "c", signature));
  CHECK_FALSE(verify(keys.public_key(), a, "bc", signature));

  // A scope that holds what looks like a length prefix cannot pass for another message.
  const SigningContext forged{.purpose = SigningPurpose::withdraw,
                              .scope = std::string_view("ab\0\0\0\x01"
                                                        "c",
                                                        7)};
  CHECK(signed_bytes(forged, "") != signed_bytes(ab, "c"));
}

TEST_CASE("identity: a signature's text reads back and refuses anything else",
          "[identity][signing]") {
  const KeyPair keys = generate_key_pair();
  const auto signature = sign(keys, {.purpose = SigningPurpose::connection_auth, .scope = "n"}, "");
  const std::string text = signature.to_text();
  CHECK(text.size() == 128);
  const auto parsed = signature_from_text(text);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == signature);

  std::string upper = text;
  upper[5] = upper[5] >= 'a' ? static_cast<char>(upper[5] - 32) : 'G';
  for (const std::string& bad : {text.substr(2), text + "00", upper, std::string(128, 'z')}) {
    const auto refused = signature_from_text(bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == code::invalid_argument);
    CHECK_THAT(refused.error().message, Catch::StartsWith("signature: "));
  }
}

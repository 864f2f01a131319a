// Tests of the SHA-256 helper: the FIPS 180-2 examples, and the digest's text form.
#include <catch2/catch.hpp>

#include "auction/identity/sha256.hpp"

using auction::identity::sha256;
using auction::identity::sha256_digest_from_text;

TEST_CASE("identity: sha256 gives the standard digests", "[identity]") {
  CHECK(sha256("").to_text() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256("abc").to_text() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256(std::string_view("\0", 1)) != sha256(""));
}

TEST_CASE("identity: a sha256 digest's text reads back and refuses anything else", "[identity]") {
  const auto digest = sha256("announcement 1");
  const auto parsed = sha256_digest_from_text(digest.to_text());
  REQUIRE(parsed.has_value());
  CHECK(*parsed == digest);
  for (const std::string& bad :
       {std::string(), digest.to_text().substr(1), std::string(64, 'A'), digest.to_text() + "\n"}) {
    const auto refused = sha256_digest_from_text(bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == auction::code::invalid_argument);
  }
}

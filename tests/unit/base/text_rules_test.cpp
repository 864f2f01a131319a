// The name, address and text rules every layer shares.
#include <catch2/catch.hpp>

#include <string>

#include "auction/base/limits.hpp"
#include "auction/base/text_rules.hpp"

using namespace auction;

TEST_CASE("base: a username is 1..32 characters of A-Z a-z 0-9 _ . -", "[base][text]") {
  CHECK(is_valid_username("bob"));
  CHECK(is_valid_username("A.b_c-9"));
  CHECK(is_valid_username(std::string(limits::username_bytes_max, 'x')));
  CHECK_FALSE(is_valid_username(std::string(limits::username_bytes_max + 1, 'x')));
  CHECK_FALSE(is_valid_username(""));
  CHECK_FALSE(is_valid_username("bo b"));
  CHECK_FALSE(is_valid_username("bob\n"));
  CHECK_FALSE(is_valid_username("b\xc3\xb6"));
  CHECK(is_valid_client_id(std::string(limits::client_id_bytes_max, 'c')));
  CHECK_FALSE(is_valid_client_id(std::string(limits::client_id_bytes_max + 1, 'c')));
}

TEST_CASE("base: an address is host:port with a port in 1..65535, at most 128 bytes",
          "[base][text]") {
  CHECK(is_valid_address("127.0.0.1:7001"));
  CHECK(is_valid_address("[::1]:7001"));
  CHECK_FALSE(is_valid_address("127.0.0.1:0"));
  CHECK_FALSE(is_valid_address("127.0.0.1:112486"));
  CHECK_FALSE(is_valid_address("127.0.0.1"));
  const std::string port = ":1";
  CHECK(is_valid_address(std::string(limits::address_bytes_max - port.size(), 'h') + port));
  CHECK_FALSE(
      is_valid_address(std::string(limits::address_bytes_max + 1 - port.size(), 'h') + port));
}

TEST_CASE("base: text must be well-formed UTF-8 within its length", "[base][text]") {
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // e-acute, euro, emoji
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));                        // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));                    // a UTF-16 surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));                // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));                        // truncated
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK(is_valid_text("", 0, 3));
  CHECK_FALSE(is_valid_text("", 1, 3));
  CHECK_FALSE(is_valid_text("abcd", 1, 3));
  CHECK_FALSE(is_valid_text("\xff", 0, 3));
}

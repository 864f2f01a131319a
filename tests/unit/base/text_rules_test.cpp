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

TEST_CASE("base: free text refuses C0 and C1 controls, DEL and bidirectional controls",
          "[base][text]") {
  CHECK_FALSE(first_refused_char("spring sale"));
  CHECK_FALSE(first_refused_char("caf\xc3\xa9 \xe2\x82\xac 5 \xf0\x9f\x98\x80 a\\b \"q\""));
  CHECK_FALSE(first_refused_char("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"));  // Hebrew letters are fine
  for (char32_t c = 0; c <= 0x1F; ++c) CHECK(is_refused_in_text(c));
  for (char32_t c = 0x7F; c <= 0x9F; ++c) CHECK(is_refused_in_text(c));
  for (char32_t c : {0x061Cu, 0x200Eu, 0x200Fu, 0x202Au, 0x202Bu, 0x202Cu, 0x202Du, 0x202Eu,
                     0x2066u, 0x2067u, 0x2068u, 0x2069u}) {
    CHECK(is_refused_in_text(c));
  }
  for (char32_t c : {0x20u, 0x7Eu, 0xA0u, 0x061Bu, 0x200Du, 0x2029u, 0x202Fu, 0x2065u, 0x206Au}) {
    CHECK_FALSE(is_refused_in_text(c));
  }
  CHECK(first_refused_char("a\x1b[2J") == U'\x1b');
  CHECK(first_refused_char("line\nfinished") == U'\n');
  CHECK(first_refused_char("tab\there") == U'\t');
  CHECK(first_refused_char(std::string_view("nul\0x", 5)) == U'\0');
  CHECK(first_refused_char("\xc2\x85") == char32_t{0x85});           // NEL, a C1 control
  CHECK(first_refused_char("ab\xe2\x80\xaeZ") == char32_t{0x202E});  // right-to-left override
  CHECK(first_refused_char("\xe2\x81\xa6x\xe2\x81\xa9") == char32_t{0x2066});  // an isolate
  CHECK(first_refused_char("\xd8\x9c") == char32_t{0x061C});                   // Arabic letter mark
  CHECK(first_refused_char("\xff ok \x7f") == char32_t{0x7F});  // bytes not UTF-8 are skipped

  CHECK(code_point_name(0x1B) == "U+001B");
  CHECK(code_point_name(0x202E) == "U+202E");
  CHECK(code_point_name(0x1F600) == "U+1F600");

  CHECK(check_free_text("auction_name", "spring sale"));
  const auto refused = check_free_text("auction_name", "x\x1b[2J");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "invalid_argument");
  CHECK(refused.error().message ==
        "auction_name: must not hold U+001B (no control or bidirectional formatting characters)");
  CHECK(check_free_text("item_description", "two\nlines")
            .error()
            .message.starts_with("item_description: must not hold U+000A"));
}

TEST_CASE("base: printable text shows control and bidirectional characters as escapes",
          "[base][text]") {
  CHECK(printable_text("spring sale") == "spring sale");
  CHECK(printable_text("caf\xc3\xa9 \xf0\x9f\x98\x80 a\\b") == "caf\xc3\xa9 \xf0\x9f\x98\x80 a\\b");
  CHECK(printable_text("\x1b[2J") == "\\x1b[2J");
  CHECK(printable_text("x\nauction 1: finished (you won)") ==
        "x\\x0aauction 1: finished (you won)");
  CHECK(printable_text(std::string("a\0b\x7f", 4)) == "a\\x00b\\x7f");
  CHECK(printable_text("\xc2\x9b"
                       "2J") == "\\u009b2J");  // CSI as a C1 control
  CHECK(printable_text("abc\xe2\x80\xae"
                       "fed") == "abc\\u202efed");
  CHECK(printable_text("\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x8e\xd8\x9c") ==
        "\\u2066\\u2069\\u200e\\u061c");
  CHECK(printable_text("bad \xff\xc3") == "bad \\xff\\xc3");  // not UTF-8
  // Whatever comes in, nothing that reaches the terminal is refused by the rule.
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  const std::string shown = printable_text(every_byte);
  CHECK_FALSE(first_refused_char(shown));
  CHECK(is_valid_utf8(shown));
}

TEST_CASE("base: printable text for a JSON document uses JSON's own escapes", "[base][text]") {
  // What nlohmann's dump() leaves raw: DEL, C1 controls, bidirectional controls.
  const std::string dumped =
      "{\"name\":\"a\x7f \xc2\x9b"
      "2J \xe2\x80\xae\\u001b caf\xc3\xa9\"}";
  CHECK(printable_text(dumped, Escapes::json) ==
        "{\"name\":\"a\\u007f \\u009b2J \\u202e\\u001b caf\xc3\xa9\"}");
  CHECK(printable_text("\xff", Escapes::json) == "\\ufffd");
}

// The base64 codec of the raft peer transport: peers control the text, so every malformed
// input must be refused, and what is accepted must round-trip.
#include <catch2/catch.hpp>

#include <string>

#include "raft/base64.hpp"

using auction::raft::detail::base64_decode;
using auction::raft::detail::base64_encode;
using auction::raft::detail::base64_length;

TEST_CASE("raft: base64 matches the RFC 4648 test vectors", "[raft][base64]") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == plain);
    CHECK(base64_length(plain.size()) == encoded.size());
  }
}

TEST_CASE("raft: base64 round-trips every byte value", "[raft][base64]") {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t n = 0; n <= bytes.size(); n += 37) {
    const std::string part = bytes.substr(0, n);
    CHECK(base64_decode(base64_encode(part)) == part);
  }
}

TEST_CASE("raft: base64 refuses text that is not canonical padded base64", "[raft][base64]") {
  for (const char* bad : {"Zg=", "Zg", "Z===", "=Zg=", "Zg==Zg==", "Zm9v!A==", "Zh==", "Zm9=",
                          "Zm 9v", "Zm9v\n"}) {
    INFO(bad);
    CHECK_FALSE(base64_decode(bad).has_value());
  }
}

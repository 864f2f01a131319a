// CRC32C, the checksum of every write-ahead log record: the published check values, and
// agreement with a plain bit-by-bit reference on inputs of every alignment.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

#include "raft/crc32c.hpp"

using auction::raft::crc32c;

namespace {

// The textbook bitwise form, slow and obviously right, to check the table-driven one.
std::uint32_t reference_crc32c(const std::string& bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    c ^= static_cast<unsigned char>(ch);
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

}  // namespace

TEST_CASE("raft: crc32c matches the published check values", "[raft][crc32c]") {
  CHECK(crc32c("") == 0u);
  CHECK(crc32c("123456789") == 0xE3069283u);
  // RFC 3720 (iSCSI), appendix B.4.
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  std::string ascending;
  std::string descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  CHECK(crc32c(ascending) == 0x46DD794Eu);
  CHECK(crc32c(descending) == 0x113FDB5Cu);
}

TEST_CASE("raft: crc32c agrees with a bitwise reference and extends piece by piece",
          "[raft][crc32c]") {
  std::mt19937 random(7);
  for (std::size_t size = 0; size < 200; ++size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    INFO("size " << size);
    const std::uint32_t whole = crc32c(bytes);
    CHECK(whole == reference_crc32c(bytes));
    const std::size_t split = size == 0 ? 0 : random() % size;
    CHECK(crc32c(std::string_view(bytes).substr(split),
                 crc32c(std::string_view(bytes).substr(0, split))) == whole);
  }
}

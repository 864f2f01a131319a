// StatementWriter: the one byte encoding of everything a peer signs or a chain hashes
// (private to src/market/).
//
// Each value is written with its width or its length, so a statement reads back one way
// only and two different statements never have the same bytes: integers as 8 bytes
// big-endian, a one-byte code as itself, a text as its length (4 bytes big-endian) and its
// bytes, a digest or a signature as its fixed bytes. docs/auction.md ("Signed peer
// messages") lists each statement field by field.
// Pure, safe from any thread, never throws but for memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auction/base/assert.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/identity/signing.hpp"
#include "auction/market/types.hpp"

namespace auction::market::detail {

class StatementWriter {
 public:
  // Every statement starts with its kind, so no two kinds can be read as each other.
  explicit StatementWriter(std::string_view kind) { text(kind); }

  void u64(std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      bytes_.push_back(static_cast<char>((value >> shift) & 0xff));
    }
  }
  void i64(std::int64_t value) { u64(static_cast<std::uint64_t>(value)); }
  void code(std::uint8_t value) { bytes_.push_back(static_cast<char>(value)); }
  void text(std::string_view value) {
    AUCTION_ASSERT(value.size() <= 0xffff'ffffu, "a statement's text fits a 4-byte length");
    const auto size = static_cast<std::uint32_t>(value.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes_.push_back(static_cast<char>((size >> shift) & 0xff));
    }
    bytes_.append(value);
  }
  void digest(const identity::Sha256Digest& value) {
    bytes_.append(reinterpret_cast<const char*>(value.bytes.data()), value.bytes.size());
  }
  void signature(const identity::Signature& value) {
    bytes_.append(reinterpret_cast<const char*>(value.bytes.data()), value.bytes.size());
  }

  const std::string& bytes() const& { return bytes_; }
  std::string bytes() && { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// A buyer's status as one byte: 0 active, 1 withdrawn by request, 2 silent, 3 max price.
inline std::uint8_t status_code(BuyerStatus status) {
  switch (status) {
    case BuyerStatus::active: return 0;
    case BuyerStatus::withdrawn_by_request: return 1;
    case BuyerStatus::withdrawn_silent: return 2;
    case BuyerStatus::withdrawn_max_price: return 3;
  }
  AUCTION_ASSERT(false, "a buyer status has a code");
  return 0xff;
}

// A withdraw reason as one byte: 1 by request, 3 max price (the status it leaves).
inline std::uint8_t reason_code(WithdrawReason reason) { return status_code(status_for(reason)); }

}  // namespace auction::market::detail

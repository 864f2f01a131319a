// Little-endian integers in byte strings: the building blocks of raft's binary formats (the
// wire Message, the write-ahead log and snapshot files, configuration entries).
//
// Private to libauction. Pure functions and a cursor over a string_view: no I/O, no state
// shared between calls; safe from any thread. ByteReader never reads past its input: a short
// read turns it "not ok" and yields zeros, so a decoder checks ok() once per group of fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace auction::raft {

inline void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }

inline void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

inline void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

// The integer of `width` bytes at `offset`. Precondition: bytes.size() >= offset + width.
inline std::uint64_t get_uint(std::string_view bytes, std::size_t offset, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return v;
}
inline std::uint32_t get_u32(std::string_view bytes, std::size_t offset) {
  return static_cast<std::uint32_t>(get_uint(bytes, offset, 4));
}
inline std::uint64_t get_u64(std::string_view bytes, std::size_t offset) {
  return get_uint(bytes, offset, 8);
}

// Consumes fields from the front of its input.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  std::uint64_t get(std::size_t width) {
    if (!ok_ || in_.size() < width) {
      ok_ = false;
      return 0;
    }
    const std::uint64_t v = get_uint(in_, 0, width);
    in_.remove_prefix(width);
    return v;
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(get(1)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
  std::uint64_t u64() { return get(8); }

  // The next `n` bytes into `out`; false (and not ok) if fewer remain.
  bool bytes(std::size_t n, std::string& out) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return false;
    }
    out.assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }

  bool ok() const { return ok_; }
  std::size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace auction::raft

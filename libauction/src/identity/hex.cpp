// Lowercase hexadecimal (see hex.hpp).
#include "identity/hex.hpp"

namespace auction::identity {
namespace {

// The value of a lowercase hex digit, or -1.
int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    text += digits[byte >> 4];
    text += digits[byte & 0xf];
  }
  return text;
}

Result<void> read_hex(std::string_view text, std::span<std::uint8_t> out) {
  const std::string rule = "must be " + std::to_string(out.size() * 2) + " lowercase hex digits";
  if (text.size() != out.size() * 2) {
    return fail(code::invalid_argument,
                rule + ", not " + std::to_string(text.size()) + " characters");
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = digit_value(text[2 * i]);
    const int low = digit_value(text[2 * i + 1]);
    if (high < 0 || low < 0) {
      const std::size_t position = 2 * i + (high < 0 ? 0 : 1);
      return fail(code::invalid_argument,
                  rule + " (character " + std::to_string(position + 1) + " is not one)");
    }
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return {};
}

}  // namespace auction::identity

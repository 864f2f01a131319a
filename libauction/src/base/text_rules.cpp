// The name, address and text rules; see auction/base/text_rules.hpp. Pure; never throws.
#include "auction/base/text_rules.hpp"

#include "auction/base/endpoint.hpp"
#include "auction/base/limits.hpp"

namespace auction {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

bool is_valid_name(std::string_view name, std::size_t bytes_max) noexcept {
  if (name.empty() || name.size() > bytes_max) return false;
  for (const char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

bool is_valid_username(std::string_view username) noexcept {
  return is_valid_name(username, limits::username_bytes_max);
}

bool is_valid_client_id(std::string_view client_id) noexcept {
  return is_valid_name(client_id, limits::client_id_bytes_max);
}

bool is_valid_address(std::string_view address) noexcept {
  if (address.size() > limits::address_bytes_max) return false;
  const auto endpoint = parse_endpoint(address);
  return endpoint.has_value() && endpoint->port != 0;
}

bool is_valid_utf8(std::string_view bytes) noexcept {
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;  // allowed range of the second byte (RFC 3629, table 3-7)
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;  // no overlongs
      if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;  // no overlongs
      if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (n - i < len) return false;
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      const auto bk = static_cast<unsigned char>(bytes[i + k]);
      if (bk < 0x80 || bk > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

bool is_valid_text(std::string_view text, std::size_t bytes_min, std::size_t bytes_max) noexcept {
  return text.size() >= bytes_min && text.size() <= bytes_max && is_valid_utf8(text);
}

}  // namespace auction

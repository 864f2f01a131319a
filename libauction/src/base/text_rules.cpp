// The name, address and text rules; see auction/base/text_rules.hpp. Pure; never throws.
#include "auction/base/text_rules.hpp"

#include <cstdint>

#include "auction/base/endpoint.hpp"
#include "auction/base/error_codes.hpp"
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

bool is_nesting_within(std::string_view json_text, std::size_t depth_max) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : json_text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[':
        if (++depth > depth_max) return false;
        break;
      case '}':
      case ']':
        // Unbalanced closers are the parser's to reject; only depth matters here.
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return true;
}

namespace {

// The code point at the front of `bytes` and its length in bytes, or nullopt (with length 1)
// when the front is not a well-formed UTF-8 sequence.
struct Decoded {
  std::optional<char32_t> code_point;
  std::size_t bytes = 1;
};

Decoded decode_front(std::string_view bytes) noexcept {
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  if (b0 < 0x80) return {b0, 1};
  std::size_t len = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
  } else {
    return {};
  }
  // is_valid_utf8 holds every rule (overlongs, surrogates, the top): reuse it on the sequence.
  if (bytes.size() < len || !is_valid_utf8(bytes.substr(0, len))) return {};
  char32_t c = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k)
    c = (c << 6) | (static_cast<unsigned char>(bytes[k]) & 0x3F);
  return {c, len};
}

}  // namespace

bool is_refused_in_text(char32_t c) noexcept {
  return c <= 0x1F || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

std::optional<char32_t> first_refused_char(std::string_view text) noexcept {
  while (!text.empty()) {
    const Decoded d = decode_front(text);
    if (d.code_point && is_refused_in_text(*d.code_point)) return d.code_point;
    text.remove_prefix(d.bytes);
  }
  return std::nullopt;
}

std::string code_point_name(char32_t c) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string digits;
  for (auto v = static_cast<std::uint32_t>(c); v != 0 || digits.size() < 4; v >>= 4) {
    digits.insert(digits.begin(), hex[v & 0xF]);
  }
  return "U+" + digits;
}

Result<void> check_free_text(std::string_view field, std::string_view text) {
  if (const auto c = first_refused_char(text)) {
    return fail(code::invalid_argument, std::string(field) + ": must not hold " +
                                            code_point_name(*c) +
                                            " (no control or bidirectional formatting characters)");
  }
  return {};
}

std::string printable_text(std::string_view text, Escapes escapes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  const auto u_escape = [&](char32_t c) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += hex[(c >> shift) & 0xF];
  };
  while (!text.empty()) {
    const Decoded d = decode_front(text);
    if (!d.code_point && escapes == Escapes::json) {
      u_escape(0xFFFD);
    } else if (!d.code_point ||
               (escapes == Escapes::readable && (*d.code_point <= 0x1F || *d.code_point == 0x7F))) {
      const auto b = static_cast<unsigned char>(text[0]);
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 0xF];
    } else if (is_refused_in_text(*d.code_point)) {
      u_escape(*d.code_point);
    } else {
      out.append(text.substr(0, d.bytes));
    }
    text.remove_prefix(d.bytes);
  }
  return out;
}

}  // namespace auction

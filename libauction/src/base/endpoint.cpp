// The strict host:port parser; see auction/base/endpoint.hpp. Pure; never throws.
#include "auction/base/endpoint.hpp"

namespace auction {

namespace {

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

bool is_ipv6_char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.';
}

// At most this much of a bad input is quoted back in an error.
constexpr std::size_t quoted_bytes_max = 40;

std::string quoted(std::string_view text) {
  return "\"" + std::string(text.substr(0, quoted_bytes_max)) +
         (text.size() > quoted_bytes_max ? "...\"" : "\"");
}

Result<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty()) return fail(code::invalid_argument, "the port is missing");
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return fail(code::invalid_argument, "port " + quoted(text) + " is not a number");
    }
  }
  if (text.size() > 1 && text.front() == '0') {
    return fail(code::invalid_argument, "port " + quoted(text) + " has a leading zero");
  }
  if (text.size() > 5) {
    return fail(code::invalid_argument, "port " + quoted(text) + " is out of range 0..65535");
  }
  unsigned value = 0;
  for (const char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value > 65535) {
    return fail(code::invalid_argument, "port " + quoted(text) + " is out of range 0..65535");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return fail(code::invalid_argument, quoted(text) + " is not host:port (missing ':port')");
  }
  std::string_view host = text.substr(0, colon);
  auto port = parse_port(text.substr(colon + 1));
  if (!port) return fail(code::invalid_argument, quoted(text) + ": " + port.error().message);

  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    bool ok = host.find(':') != std::string_view::npos;
    for (const char c : host) ok = ok && is_ipv6_char(c);
    if (!ok) return fail(code::invalid_argument, quoted(text) + ": not an IPv6 address in []");
    return Endpoint{std::string(host), *port};
  }
  if (host.empty()) return fail(code::invalid_argument, quoted(text) + ": the host is missing");
  bool ok = host.front() != '-' && host.front() != '.';
  for (const char c : host) ok = ok && is_host_char(c);
  if (!ok) {
    return fail(code::invalid_argument,
                quoted(text) +
                    ": the host must be a name or address of A-Z a-z 0-9 . - "
                    "(an IPv6 address goes in [])");
  }
  return Endpoint{std::string(host), *port};
}

std::string to_string(const Endpoint& endpoint) {
  const bool is_ipv6 = endpoint.host.find(':') != std::string::npos;
  return (is_ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" +
         std::to_string(endpoint.port);
}

}  // namespace auction

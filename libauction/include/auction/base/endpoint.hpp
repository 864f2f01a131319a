// Endpoint: "host:port", parsed strictly, in one place.
//
// Sits in base/: cluster files, command-line options (--listen), peer addresses from the
// directory and the platform client all read host:port through parse_endpoint, so
// "127.0.0.1:112486", ":-1" and ":12abc" are refused everywhere with the same clear error
// instead of being wrapped, truncated or half-read. Pure; safe from any thread; never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction {

struct Endpoint {
  // A host name or IPv4 address ([A-Za-z0-9.-], not starting with '-' or '.'), or an IPv6
  // literal without its brackets ("::1").
  std::string host;
  std::uint16_t port = 0;  // 0 only where the caller allows "any free port" (a listen address)

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses the whole of `text` as host:port: "127.0.0.1:7001", "localhost:7001",
// "[::1]:7001". The port is 1 to 5 decimal digits without sign or leading zero, 0..65535.
// Errors: invalid_argument, naming what is wrong ("port 112486 is out of range 0..65535",
//   "port \"12abc\" is not a number", "missing ':port'", ...).
Result<Endpoint> parse_endpoint(std::string_view text);

// "host:port", with brackets around an IPv6 host: parse_endpoint(to_string(e)) == e.
std::string to_string(const Endpoint& endpoint);

}  // namespace auction

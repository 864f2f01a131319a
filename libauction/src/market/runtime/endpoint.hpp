// Small helpers shared by the seller's and buyer's runtimes (private to src/market/runtime/):
// turning a peer's "host:port" into wire::ClientOptions, where the peer server listens and
// what address the runtime gives the platform, and the monotonic milliseconds the pure
// engines are fed. Pure except steady_now_ms(), which reads the monotonic clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auction/base/endpoint.hpp"
#include "wire/client.hpp"
#include "wire/server.hpp"

namespace auction::market::detail {

// "127.0.0.1:7001" or "[::1]:7001" -> client options; nullopt for anything else.
inline std::optional<wire::ClientOptions> client_options_for(std::string_view address) {
  auto endpoint = parse_endpoint(address);
  if (!endpoint || endpoint->port == 0) return std::nullopt;
  wire::ClientOptions options;
  options.host = std::move(endpoint->host);
  options.port = endpoint->port;
  options.connect_timeout = std::chrono::milliseconds(1000);
  return options;
}

// A peer server listening on `address` (an IP literal) and `port` (0: any free port), with
// its limits on one source's connections and on a connection's silence (docs/protocol.md).
inline wire::ServerOptions server_options_for(const std::string& address, std::uint16_t port,
                                              std::size_t connections_per_address_max,
                                              std::chrono::milliseconds idle_timeout) {
  wire::ServerOptions options;
  options.address = address;
  options.port = port;
  options.connections_per_address_max = connections_per_address_max;
  options.idle_timeout = idle_timeout;
  return options;
}

// The address a runtime gives the platform at login: `advertised`, or when that is "" the
// address its peer server listens on and the port it bound.
inline std::string login_address(const std::string& advertised, const std::string& listen_address,
                                 std::uint16_t bound_port) {
  return advertised.empty() ? listen_address + ":" + std::to_string(bound_port) : advertised;
}

// The one monotonic clock both runtimes feed their engines with.
inline std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace auction::market::detail

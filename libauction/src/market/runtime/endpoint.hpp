// Small helpers shared by the seller's and buyer's runtimes (private to src/market/runtime/):
// turning a peer's "host:port" into wire::ClientOptions, and the monotonic milliseconds the
// pure engines are fed. Pure except steady_now_ms(), which reads the monotonic clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auction/base/endpoint.hpp"
#include "wire/client.hpp"

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

// The one monotonic clock both runtimes feed their engines with.
inline std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace auction::market::detail

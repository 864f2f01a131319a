// Small runtime helpers shared by the seller and buyer runtimes (private to src/market/):
// turning a peer's "host:port" into wire::ClientOptions, and the monotonic milliseconds the
// pure engines are fed. Pure except steady_now_ms(), which reads the monotonic clock.
#pragma once

#include <chrono>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auction/wire/client.hpp"

namespace auction::market::detail {

// "127.0.0.1:7001" or "[::1]:7001" -> client options; nullopt for anything else.
inline std::optional<wire::ClientOptions> client_options_for(std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = address.substr(0, colon);
  const std::string_view port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return std::nullopt;
  }
  wire::ClientOptions options;
  options.host = std::string(host);
  options.port = static_cast<std::uint16_t>(port);
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

// Listening ports: see wire/acceptor.hpp.
#include "wire/acceptor.hpp"

#include <cerrno>
#include <chrono>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/base/open_file_limit.hpp"

namespace auction::wire {

namespace asio = boost::asio;
using asio::ip::tcp;

Result<tcp::acceptor> bind_acceptor(const asio::any_io_executor& executor,
                                    const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return fail(code::bind_failed, "not an IP address: " + address);
  const tcp::endpoint endpoint(ip, port);
  const std::string where = address + ":" + std::to_string(port);

  tcp::acceptor acceptor(executor);
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail(code::bind_failed, ec.message());
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    if (ec == asio::error::address_in_use) {
      return fail(code::address_in_use, where + " is already in use");
    }
    return fail(code::bind_failed, "cannot bind " + where + ": " + ec.message());
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail(code::bind_failed, "cannot listen on " + where + ": " + ec.message());
  }
  return acceptor;
}

asio::awaitable<void> async_accept_each(tcp::acceptor& acceptor, const bool& is_stopped,
                                        const OnAcceptFailure& on_failure,
                                        const OnConnection& on_connection) {
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  asio::steady_timer backoff(acceptor.get_executor());
  // A run of failures is told once per reason and then at most every 10 s.
  std::string last_told;
  auto last_told_at = std::chrono::steady_clock::time_point();
  while (!is_stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (is_stopped) co_return;
    if (ec) {
      // Out of descriptors or memory: wait a little instead of spinning on the error.
      std::string why = ec.message();
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
        why += " (" + open_file_limit_hint() + ")";
      }
      const auto now = std::chrono::steady_clock::now();
      if (why != last_told || now - last_told_at >= std::chrono::seconds(10)) {
        on_failure(why);
        last_told = std::move(why);
        last_told_at = now;
      }
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    last_told.clear();
    on_connection(std::move(socket));
  }
}

std::string source_of(const asio::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace auction::wire

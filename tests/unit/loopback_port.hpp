// A TCP port on 127.0.0.1 that was free a moment ago, for the unit tests that start servers
// (bind to port 0, read, close). Never one this process was handed before: the kernel may
// hand a port it just freed out again, and a server of the next test (or the next SECTION's
// run of the same test) could then find it still held by the last one's closing connections.
// Header-only; safe from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace auction::test {

inline std::uint16_t fresh_loopback_port() {
  static std::mutex mutex;
  static std::set<std::uint16_t> handed_out;
  const std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::address_v4::loopback(), 0});
    const std::uint16_t port = acceptor.local_endpoint().port();
    if (handed_out.insert(port).second) return port;
  }
  throw std::runtime_error("no free loopback port that was not handed out already");
}

}  // namespace auction::test

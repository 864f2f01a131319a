// A listening TCP port, as every one of the system opens and serves it alike (the wire
// server, the raft port, and through the wire server the sellers' and buyers' peer servers):
// bind_acceptor opens it, with the same errors everywhere, and async_accept_each accepts on
// it with the same rule for a failing accept.
//
// Private to the runtime layers (Asio). Threading: call on the thread that runs the
// acceptor's executor. Never throws: a failure to open, bind or listen is a value, and a
// failing accept is waited out, never spun on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "auction/base/error.hpp"

namespace auction::wire {

// An acceptor on `address` (an IP literal) and `port` (0: the kernel picks; read the bound
// port from acceptor.local_endpoint()). It reuses the address, so a restarted process takes
// its port back while old connections sit in TIME_WAIT.
// Errors: address_in_use ("HOST:PORT is already in use"), bind_failed (not an IP address,
// cannot open, bind or listen; the message says which).
Result<boost::asio::ip::tcp::acceptor> bind_acceptor(const boost::asio::any_io_executor& executor,
                                                     const std::string& address,
                                                     std::uint16_t port);

// The source of a connection, as every port counts and limits connections by it (the wire
// server and its owners' rates, the raft port's handshake slots): an IPv4 address as text
// ("192.0.2.7"; an IPv4-mapped IPv6 address counts as IPv4), or the /64 prefix of an IPv6
// address ("2001:db8:1:2::/64"), since one host commonly holds a whole /64.
std::string source_of(const boost::asio::ip::address& address);

using OnAcceptFailure = std::function<void(const std::string& why)>;
using OnConnection = std::function<void(boost::asio::ip::tcp::socket socket)>;

// Accepts connections on `acceptor` and hands each to `on_connection`, until `is_stopped`
// (read after every accept) is true. An accept that fails (out of descriptors or memory) is
// waited out for 50 ms and told to `on_failure` with the reason (out of descriptors: with the
// limit and how to raise it), once per reason in a run of failures and then every 10 s. `acceptor`,
// `is_stopped` and the callbacks must outlive the loop: pass named objects, not temporaries (g++ 12
// may destroy a temporary of a co_await expression twice).
boost::asio::awaitable<void> async_accept_each(boost::asio::ip::tcp::acceptor& acceptor,
                                               const bool& is_stopped,
                                               const OnAcceptFailure& on_failure,
                                               const OnConnection& on_connection);

}  // namespace auction::wire

// LineConnection: one TCP connection that sends a request line and reads back the response
// line as text, for load generators that check an answer without parsing all of it.
//
// A read of a hundred auctions answers tens of kilobytes of JSON; parsing all of it
// would make the generator, not the server, the bottleneck. The reads of `bench platform`
// check each answer's envelope and count its items instead (as `bench etcd` does with its
// answers), and go through this connection. One call at a time; every call has a deadline.
// Plain TCP, or TLS with a given context (the replicas' client port speaks TLS unless the
// cluster file says "client_port": "plain"). A greeting, when set, runs on every new
// connection before the first request goes out on it (e.g. to prove a user's key:
// bench_users.hpp), so a connection made again after a failure is greeted again too.
// Threading: its io_context's thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "auction/base/error.hpp"

namespace boost::asio::ssl {
class context;
}

namespace auction::bench {

// A connection just made, as a greeting sees it.
struct NewLineConnection {
  // wire::channel_binding() of the TLS connection (RFC 9266 "tls-exporter"); "" on plain TCP.
  std::string channel_binding;
  // Sends one request line on this connection and returns the response line, with the
  // errors of LineConnection::async_exchange (inside the deadline of the exchange that
  // connected).
  std::function<boost::asio::awaitable<Result<std::string>>(const std::string& request)> exchange;
};

// What runs on every new connection before its first request; an error drops the connection
// and fails the exchange that connected with it.
using LineGreeting =
    std::function<boost::asio::awaitable<Result<void>>(const NewLineConnection& connection)>;

class LineConnection {
 public:
  // `tls`: null for plain TCP; else the server's certificate is checked with it.
  LineConnection(boost::asio::io_context& io, std::string host, std::uint16_t port,
                 std::shared_ptr<boost::asio::ssl::context> tls = nullptr,
                 std::size_t line_bytes_max = 4 << 20);
  ~LineConnection();
  LineConnection(const LineConnection&) = delete;
  LineConnection& operator=(const LineConnection&) = delete;

  // Greets every connection made from now on with `greeting` (unset: none).
  void set_greeting(LineGreeting greeting);

  // Sends `request` (one line, ending in '\n') and returns the response line without its
  // '\n'. Connects (and greets) first if needed; `deadline` covers all of it. Errors:
  // unavailable (connect or I/O failed, the connection is dropped), timeout,
  // frame_too_large, and the greeting's.
  boost::asio::awaitable<Result<std::string>> async_exchange(const std::string& request,
                                                             std::chrono::milliseconds deadline);

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace auction::bench

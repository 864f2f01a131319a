// Server: accepts TCP connections (in the clear, or TLS when ServerOptions::tls says so)
// speaking newline-delimited JSON and dispatches each request to the handler registered for
// its op (docs/protocol.md).
//
// Sits on top of FrameSplitter and the envelope; every process (replica, seller, buyer)
// serves its ops through one. Requests on a connection are pipelined: each runs in its own
// coroutine and its reply is written when ready, so replies may come back out of order.
// Built in: `ping`. Limits (ServerOptions) bound what any peer can make it hold, and what any
// one source address can take of it (connections per address, the idle timeout).
// Threading: construct, handle(), start() and stop() on the executor's thread; the executor
// must not run handlers concurrently (an io_context run by one thread, or a strand).
// Handlers run on that executor. Must never block the executor, and no peer input may crash
// or hang it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/core/noncopyable.hpp>

#include "auction/base/error.hpp"
#include "wire/acceptor.hpp"  // source_of()
#include "wire/envelope.hpp"

namespace boost::asio::ssl {
class context;
}

namespace auction::wire {

struct ServerOptions {
  std::string address = "127.0.0.1";          // an IP literal; "0.0.0.0" to serve every interface
  std::uint16_t port = 0;                     // 0: the kernel picks a free port (see start())
  std::size_t frame_bytes_max = 1024 * 1024;  // longer request: frame_too_large, then close
  std::size_t connections_max = 1024;         // one more: a single `overloaded` line, then close
  // Connections from one source (source_of(): an IPv4 address, or an IPv6 /64) at once; one
  // more gets a single `too_many_connections` line, then close. Well below connections_max,
  // so that no single source can take every connection. Every program on one machine shares
  // 127.0.0.1: a server whose clients all run there may need more.
  std::size_t connections_per_address_max = 64;
  // Requests of one connection being handled or whose replies wait to be written. At the
  // limit the server stops reading that connection (TCP pushes back on the peer), so a peer
  // that never reads its replies costs at most this many replies of memory.
  std::size_t in_flight_max = 64;
  // A connection with no bytes moving either way and no request being handled for this long
  // gets a single `idle_timeout` line and is closed, so sockets held open without a word
  // are given back. Clients reconnect on their next call.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  EnvelopeLimits envelope;
  // TLS with this context (tls_context.hpp, make_server_tls_context); null: plain TCP. A
  // connection that does not finish its handshake within handshake_timeout is closed.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
};

// A handler answers one request. Expected failures are a Reply::failure; an exception that
// escapes becomes an `internal` error reply (and is logged). The Request is the handler's.
using Handler = std::function<boost::asio::awaitable<Reply>(Request)>;

class Server : boost::noncopyable {
 public:
  // The executor must outlive the server's connections (normally: the io_context).
  Server(boost::asio::any_io_executor executor, ServerOptions options);
  // Stops (see stop()).
  ~Server();

  // Registers the handler of `op`. Preconditions: before start(); op not yet registered
  // (including the built-in "ping").
  void handle(std::string op, Handler handler);

  // Binds, listens and starts accepting. Returns the bound port (the chosen one when
  // options.port was 0). Errors: address_in_use, bind_failed (bad address, no permission).
  // Precondition: called once.
  Result<std::uint16_t> start();

  // Stops accepting and closes every connection; handlers still running finish but their
  // replies are dropped. Idempotent.
  void stop();

  // Connections being served now (not counting refused ones).
  std::size_t connection_count() const;
  // Of those, the ones from `source` (as source_of() names it).
  std::size_t connection_count(const std::string& source) const;

  struct State;  // the shared state connections keep alive; defined in server.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::wire

// Client: calls ops on one server over one pipelined connection (docs/protocol.md).
//
// Used by every process that talks to another over the JSON protocol (platform clients,
// sellers and buyers; raft has its own binary transport, src/raft/peer_link.*). Many calls may be
// in flight on the connection at once; each has its own deadline, and replies are matched to calls
// by id, in whatever order they arrive. The connection is made on the first call and made again on
// the next call after it drops. Threading: construct, call and destroy on the executor's thread;
// the executor must not run handlers concurrently (one thread, or a strand). Never throws for
// network or peer failures: they are values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/core/noncopyable.hpp>

#include "auction/base/error.hpp"
#include "wire/envelope.hpp"

namespace boost::asio::ssl {
class context;
}

namespace auction::wire {

// A connection just made, as a greeting sees it (ClientOptions::greeting).
struct NewConnection {
  // channel_binding() of the TLS connection (tls_context.hpp); "" on plain TCP.
  std::string channel_binding;
  // Sends one request on this connection and waits for its reply, with the errors of
  // Client::async_call.
  std::function<boost::asio::awaitable<Result<Reply>>(std::string op, Json fields)> call;
};

struct ClientOptions {
  std::string host = "127.0.0.1";  // a name or an IP literal
  std::uint16_t port = 0;
  // A connection attempt that takes longer fails as `unavailable` (a call's own deadline,
  // when sooner, cuts it short too).
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(2)};
  std::size_t frame_bytes_max = 1024 * 1024;  // both for our requests and their replies
  std::size_t in_flight_max = 1024;           // calls waiting at once; more: `overloaded`
  EnvelopeLimits envelope;
  // TLS (tls_context.hpp, make_client_tls_context: the server's certificate is verified
  // against the trusted CAs); null: plain TCP. The handshake is part of connecting.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // TLS: whether the verified certificate's name is one this client may talk to; unset:
  // any name the CAs signed. A refused name fails the call with `unavailable`.
  std::function<bool(std::string_view)> accepts_server_name;
  // Runs on every new connection before any call goes out on it (those calls wait), e.g. to
  // prove who the user is. An error closes the connection and fails the calls that waited
  // with that error. Unset: none.
  std::function<boost::asio::awaitable<Result<void>>(NewConnection)> greeting;
};

class Client : boost::noncopyable {
 public:
  Client(boost::asio::any_io_executor executor, ClientOptions options);
  // Closes (see close()).
  ~Client();

  // Sends {"id": <fresh>, "op": op, ...fields} and waits for its reply. `fields` must be a
  // JSON object (or null). A reply with "ok": false is a value, not an error: read
  // reply.error (e.g. its "leader" hint). Errors (the call did not get a reply):
  //   timeout          the deadline passed; a reply arriving later is dropped (the server
  //                    may have acted on the request)
  //   unavailable      the request was not sent: cannot connect, or the connection was gone
  //   connection_lost  the connection dropped (or close() was called) after the request was
  //                    handed to it and before the reply: the server may have acted on it
  //   bad_response     the server sent a line that is not a response; the connection is closed
  //   frame_too_large  our request or the server's reply exceeds frame_bytes_max
  //   overloaded       too many calls in flight here, or the server refused the connection
  // Safe to call while other calls are in flight.
  boost::asio::awaitable<Result<Reply>> async_call(std::string op, Json fields,
                                                   std::chrono::milliseconds deadline);
  // The same for a request encoded beforehand: its bytes are shared, not copied, so one
  // request sent on many clients is encoded once.
  boost::asio::awaitable<Result<Reply>> async_call(PreparedRequest request,
                                                   std::chrono::milliseconds deadline);

  // Drops the connection; calls in flight fail with `connection_lost`. The next call
  // reconnects.
  void close();

  struct State;  // shared with the coroutines in flight; defined in client.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::wire

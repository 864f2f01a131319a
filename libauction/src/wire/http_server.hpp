// HttpServer: a small HTTP/1.1 server for monitoring (a replica's /metrics, /status and
// /healthz): GET of a path, answered by the owner's handler.
//
// Its port is as open to strangers as any other, so it holds nothing a stranger can grow:
// a bounded number of connections, and of them from one source (one more is closed at
// once), a bounded request head (no body is read), one deadline per request (a client that
// sends slowly, or keeps a connection idle, is cut), and every malformed request is answered
// 400 (431: a head too large) and the connection closed. Other methods get 405, other paths
// the handler's answer (a 404), on a connection kept open if the client asked for it.
//
// Private to the runtime layers (Boost.Beast over Asio; only http_server.cpp includes
// Beast). Threading: every call and every handler on the executor's thread, which must not
// run handlers concurrently. Never: throws, or calls the handler for a request it refused.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "auction/base/error.hpp"
#include "wire/http_answer.hpp"

namespace auction::wire {

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // an IP literal
  std::uint16_t port = 0;             // 0: the kernel picks
  std::size_t connections_max = 16;
  // Connections of one source address (wire::source_of): fewer than connections_max, so that
  // no single stranger can take them all from the operator's scraper.
  std::size_t connections_per_source_max = 4;
  std::size_t head_bytes_max = 8 * 1024;  // request line and headers
  // From a connection's accept, or the end of its last answer, to the end of its next
  // request's head; past it the connection is closed.
  std::chrono::milliseconds request_deadline{5000};
};

// Answers a GET of `path` (the target without its query string).
using HttpHandler = std::function<HttpAnswer(std::string_view path)>;

class HttpServer {
 public:
  HttpServer(boost::asio::any_io_executor executor, HttpServerOptions options, HttpHandler handler);
  // stop()
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; returns the bound port. Errors as wire::bind_acceptor
  // (address_in_use, bind_failed). Precondition: called once.
  Result<std::uint16_t> start();
  // Stops accepting and closes every connection. Idempotent.
  void stop();

  std::size_t connection_count() const;

  struct State;  // shared with the connections; defined in http_server.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::wire

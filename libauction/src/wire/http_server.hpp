// HttpServer: a small HTTP/1.1 server: GET of a path, answered by the owner's handler (a
// replica's /metrics, /status and /healthz; a console's web page), and, when the owner asks
// for it, WebSockets of text messages (a console's page talks to its program over one).
//
// Its port is as open to strangers as any other, so it holds nothing a stranger can grow:
// a bounded number of connections, and of them from one source (one more is closed at
// once), a bounded request head (no body is read), one deadline per request (a client that
// sends slowly, or keeps a connection idle, is cut), and every malformed request is answered
// 400 (431: a head too large) and the connection closed. Other methods get 405, other paths
// the handler's answer (a 404), on a connection kept open if the client asked for it.
//
// A WebSocket is accepted only where the owner's check says so (which path, host, origin and
// token); it carries text messages of at most websocket_message_bytes_max, and holds at most
// websocket_queue_max messages waiting to go out (a page that does not read is cut, not
// buffered for). Idle sockets are pinged, and closed when the peer does not answer.
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
  std::size_t websocket_message_bytes_max = 64 * 1024;
  std::size_t websocket_queue_max = 4096;
  // The Content-Security-Policy header of every answer ("": none): what a browser may let a
  // page of this server load, run, connect to and be framed by.
  std::string content_security_policy;
};

// What an upgrade to a WebSocket asks for: the owner decides whether to accept it.
struct UpgradeRequest {
  std::string_view path;    // the target without its query string
  std::string_view query;   // after the '?', "" for none
  std::string_view host;    // the Host header
  std::string_view origin;  // the Origin header ("" when the client sent none)
};

// One accepted WebSocket, as its owner sees it. Any method, any time, on the server's
// executor; after the socket closed they do nothing. The owner may keep it as long as it
// likes (past the server and its io_context too): it holds no part of the socket.
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  // Queues a text message; messages go out in order. Past websocket_queue_max waiting, the
  // socket is closed instead.
  virtual void send(std::string text) = 0;
  virtual void close() = 0;
};

// What a server that takes WebSockets does with them. Unset: every upgrade is answered 404.
struct WebSocketHandlers {
  std::function<bool(const UpgradeRequest&)> accepts;  // false: 403, the socket is not opened
  std::function<void(const std::shared_ptr<WebSocketChannel>&)> on_open;
  std::function<void(const std::shared_ptr<WebSocketChannel>&, std::string message)> on_message;
  std::function<void(const std::shared_ptr<WebSocketChannel>&)> on_close;
};

// Answers a GET of `path` (the target without its query string).
using HttpHandler = std::function<HttpAnswer(std::string_view path)>;

class HttpServer {
 public:
  HttpServer(boost::asio::any_io_executor executor, HttpServerOptions options, HttpHandler handler,
             WebSocketHandlers websockets = {});
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

// HttpServer: see wire/http_server.hpp. The one file that includes Beast's HTTP and
// WebSocket code.
#include "wire/http_server.hpp"

#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>

#include "auction/base/log.hpp"
#include "wire/acceptor.hpp"
#include "wire/spawn.hpp"

namespace auction::wire {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

http::response<http::string_body> make_response(unsigned status, unsigned version,
                                                std::string content_type, std::string body,
                                                bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(status), version};
  response.set(http::field::server, "ppapd");
  response.set(http::field::content_type, std::move(content_type));
  response.set(http::field::cache_control, "no-store");
  // A browser takes the body for what Content-Type says, and sends no Referer from it.
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// After a refusal: says it is done writing, then reads and drops what the client still
// sends (a bounded amount, for a bounded time) before the caller closes. Closing with
// unread bytes would reset the connection, and the client could lose the refusal.
asio::awaitable<void> async_drain(beast::tcp_stream& stream) {
  constexpr std::size_t drain_bytes_max = 256 * 1024;
  constexpr auto drain_time_max = std::chrono::seconds(1);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(drain_time_max);
  std::array<char, 4096> scratch{};
  for (std::size_t drained = 0; drained < drain_bytes_max;) {
    auto [error, n] = co_await stream.async_read_some(asio::buffer(scratch), use_tuple);
    if (error) break;
    drained += n;
  }
}

}  // namespace

// One accepted WebSocket over a connection's stream: the reader is the connection's own
// coroutine (HttpServer::State::async_serve_websocket), the writer a second one that sends
// what send() queued, one message at a time. It lives as long as that coroutine; the owner
// holds a WebSocketHandle to it instead, which may outlive it (and the io_context too).
class WebSocketSession {
 public:
  WebSocketSession(beast::tcp_stream& stream, std::size_t queue_max)
      : ws(stream),
        wake(stream.get_executor()),
        writer_done(stream.get_executor()),
        queue_max_(queue_max) {}

  void send(std::string text) {
    if (is_closed) return;
    if (queue.size() >= queue_max_) {
      close();
      return;
    }
    queue.push_back(std::move(text));
    wake.cancel();
  }

  void close() {
    if (std::exchange(is_closed, true)) return;
    wake.cancel();
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
  }

  // Sends the queue until the socket closes; then says so on writer_done.
  asio::awaitable<void> async_write_queue() {
    while (!is_closed) {
      if (queue.empty()) {
        wake.expires_at(asio::steady_timer::time_point::max());
        co_await wake.async_wait(use_tuple);
        continue;
      }
      const std::string text = std::move(queue.front());
      queue.pop_front();
      auto [error, n] = co_await ws.async_write(asio::buffer(text), use_tuple);
      if (error) close();
    }
    is_writer_done = true;
    writer_done.cancel();
  }

  websocket::stream<beast::tcp_stream&> ws;
  asio::steady_timer wake;         // cancelled when there is something to send, or at close
  asio::steady_timer writer_done;  // cancelled when async_write_queue() ended
  std::deque<std::string> queue;
  bool is_closed = false;
  bool is_writer_done = false;

 private:
  std::size_t queue_max_;
};

// What the owner holds of a WebSocket: its calls reach the session while it lives.
class WebSocketHandle final : public WebSocketChannel {
 public:
  explicit WebSocketHandle(std::weak_ptr<WebSocketSession> session)
      : session_(std::move(session)) {}

  void send(std::string text) override {
    if (auto session = session_.lock()) session->send(std::move(text));
  }
  void close() override {
    if (auto session = session_.lock()) session->close();
  }

 private:
  std::weak_ptr<WebSocketSession> session_;
};

struct HttpServer::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor ex, HttpServerOptions opts, HttpHandler h, WebSocketHandlers w)
      : executor(std::move(ex)),
        options(std::move(opts)),
        handler(std::move(h)),
        websockets(std::move(w)) {}

  // Serves an upgrade request read on `stream`: refused (404, 403), or a WebSocket until it
  // closes.
  asio::awaitable<void> async_serve_websocket(beast::tcp_stream& stream,
                                              const http::request<http::empty_body>& request);

  asio::awaitable<void> async_accept_loop(std::shared_ptr<State> self);
  asio::awaitable<void> async_serve(std::shared_ptr<State> self, tcp::socket socket,
                                    std::string source);
  // The answer to one well-formed request.
  http::response<http::string_body> answer(const http::request<http::empty_body>& request);

  asio::any_io_executor executor;
  HttpServerOptions options;
  HttpHandler handler;           // emptied by stop(): nothing is answered after it
  WebSocketHandlers websockets;  // emptied by stop() too
  std::optional<tcp::acceptor> acceptor;
  std::set<beast::tcp_stream*> streams;           // open connections, closed by stop()
  std::map<std::string, std::size_t> per_source;  // open connections by source
  bool is_stopped = false;
};

namespace {

// A connection counted in the server's tables for as long as it lives, however its
// coroutine ends (an exception included).
class Registration {
 public:
  Registration(HttpServer::State& state, beast::tcp_stream& stream, std::string source)
      : state_(state), stream_(stream), source_(std::move(source)) {
    state_.streams.insert(&stream_);
    ++state_.per_source[source_];
  }
  ~Registration() {
    state_.streams.erase(&stream_);
    if (const auto it = state_.per_source.find(source_); it != state_.per_source.end()) {
      if (--it->second == 0) state_.per_source.erase(it);
    }
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  HttpServer::State& state_;
  beast::tcp_stream& stream_;
  std::string source_;
};

}  // namespace

http::response<http::string_body> HttpServer::State::answer(
    const http::request<http::empty_body>& request) {
  const bool keep_alive = request.keep_alive();
  if (request.method() != http::verb::get) {
    auto refused = make_response(405, request.version(), "text/plain; charset=utf-8",
                                 "only GET is served here\n", keep_alive);
    refused.set(http::field::allow, "GET");
    return refused;
  }
  std::string_view path(request.target().data(), request.target().size());
  path = path.substr(0, path.find('?'));
  HttpAnswer answered =
      handler ? handler(path) : HttpAnswer{503, "text/plain; charset=utf-8", "stopping\n"};
  auto response =
      make_response(answered.status, request.version(), std::move(answered.content_type),
                    std::move(answered.body), keep_alive);
  if (!options.content_security_policy.empty()) {
    response.set("Content-Security-Policy", options.content_security_policy);
  }
  return response;
}

asio::awaitable<void> HttpServer::State::async_serve(std::shared_ptr<State> /*keep_alive*/,
                                                     tcp::socket socket, std::string source) {
  beast::tcp_stream stream(std::move(socket));
  const Registration registered(*this, stream, std::move(source));
  beast::flat_buffer buffer(options.head_bytes_max);
  while (!is_stopped) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.head_bytes_max));
    parser.body_limit(0);
    stream.expires_after(options.request_deadline);
    auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (is_stopped) break;
    if (read_error) {
      // A closed or idle connection ends quietly; a malformed request is told why.
      const bool is_malformed =
          read_error.category() == make_error_code(http::error::end_of_stream).category() &&
          read_error != http::error::end_of_stream;
      if (!is_malformed) break;
      const bool too_large =
          read_error == http::error::header_limit || read_error == http::error::buffer_overflow;
      auto refusal = make_response(too_large ? 431 : 400, 11, "text/plain; charset=utf-8",
                                   too_large ? "the request head is too large\n"
                                             : "malformed request: " + read_error.message() + "\n",
                                   false);
      stream.expires_after(options.request_deadline);
      co_await http::async_write(stream, refusal, use_tuple);
      co_await async_drain(stream);
      break;
    }
    if (websocket::is_upgrade(parser.get())) {
      co_await async_serve_websocket(stream, parser.get());
      break;
    }
    auto response = answer(parser.get());
    stream.expires_after(options.request_deadline);
    auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
    if (write_error || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

asio::awaitable<void> HttpServer::State::async_serve_websocket(
    beast::tcp_stream& stream, const http::request<http::empty_body>& request) {
  std::string_view target(request.target().data(), request.target().size());
  const std::size_t question = target.find('?');
  const auto header = [&request](http::field field) {
    const auto value = request[field];
    return std::string_view(value.data(), value.size());
  };
  const UpgradeRequest upgrade{
      target.substr(0, question),
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1),
      header(http::field::host), header(http::field::origin)};
  const bool is_served = static_cast<bool>(websockets.accepts);
  if (!is_served || !websockets.accepts(upgrade)) {
    auto refusal =
        make_response(is_served ? 403 : 404, request.version(), "text/plain; charset=utf-8",
                      is_served ? "not for you\n" : "no WebSocket here\n", false);
    stream.expires_after(options.request_deadline);
    co_await http::async_write(stream, refusal, use_tuple);
    co_await async_drain(stream);
    co_return;
  }
  auto session = std::make_shared<WebSocketSession>(stream, options.websocket_queue_max);
  stream.expires_never();  // from here the WebSocket's own timeouts (idle pings) hold
  session->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  session->ws.read_message_max(options.websocket_message_bytes_max);
  session->ws.text(true);
  auto [accept_error] = co_await session->ws.async_accept(request, use_tuple);
  if (accept_error || is_stopped) co_return;
  spawn_logged(executor, session->async_write_queue(), "websocket writer");
  const auto channel = std::make_shared<WebSocketHandle>(session);
  if (websockets.on_open) websockets.on_open(channel);
  beast::flat_buffer buffer;
  while (!session->is_closed && !is_stopped) {
    auto [read_error, n] = co_await session->ws.async_read(buffer, use_tuple);
    if (read_error || is_stopped) break;
    std::string message = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (websockets.on_message) websockets.on_message(channel, std::move(message));
  }
  session->close();
  if (!is_stopped && websockets.on_close) websockets.on_close(channel);
  // The writer uses the stream, which lives in the caller's frame: wait for it to end.
  if (!session->is_writer_done) {
    session->writer_done.expires_at(asio::steady_timer::time_point::max());
    co_await session->writer_done.async_wait(use_tuple);
  }
}

asio::awaitable<void> HttpServer::State::async_accept_loop(std::shared_ptr<State> self) {
  const OnAcceptFailure on_failure = [](const std::string& why) {
    log_line("http server", "accept failed: " + why);
  };
  const OnConnection on_connection = [&](tcp::socket socket) {
    // Beyond a limit the socket closes unanswered as it goes out of scope.
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec || streams.size() >= options.connections_max) return;
    std::string source = source_of(peer.address());
    if (const auto it = per_source.find(source);
        it != per_source.end() && it->second >= options.connections_per_source_max) {
      return;
    }
    spawn_logged(executor, async_serve(self, std::move(socket), std::move(source)),
                 "http server session");
  };
  co_await async_accept_each(*acceptor, is_stopped, on_failure, on_connection);
}

HttpServer::HttpServer(asio::any_io_executor executor, HttpServerOptions options,
                       HttpHandler handler, WebSocketHandlers websockets)
    : state_(std::make_shared<State>(std::move(executor), std::move(options), std::move(handler),
                                     std::move(websockets))) {}

HttpServer::~HttpServer() { stop(); }

Result<std::uint16_t> HttpServer::start() {
  State& s = *state_;
  auto bound = bind_acceptor(s.executor, s.options.address, s.options.port);
  if (!bound) return std::unexpected(bound.error());
  s.acceptor.emplace(std::move(*bound));
  const std::uint16_t port = s.acceptor->local_endpoint().port();
  spawn_logged(s.executor, s.async_accept_loop(state_), "http server");
  return port;
}

void HttpServer::stop() {
  State& s = *state_;
  if (std::exchange(s.is_stopped, true)) return;
  boost::system::error_code ignored;
  if (s.acceptor) s.acceptor->close(ignored);
  for (beast::tcp_stream* stream : s.streams) stream->socket().close(ignored);
  s.handler = nullptr;  // it may refer to what its owner destroys next
  s.websockets = {};
}

std::size_t HttpServer::connection_count() const { return state_->streams.size(); }

}  // namespace auction::wire

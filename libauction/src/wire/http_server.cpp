// HttpServer: see wire/http_server.hpp. The one file that includes Beast's HTTP code.
#include "wire/http_server.hpp"

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
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

#include "auction/base/log.hpp"
#include "wire/acceptor.hpp"
#include "wire/spawn.hpp"

namespace auction::wire {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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

struct HttpServer::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor ex, HttpServerOptions opts, HttpHandler h)
      : executor(std::move(ex)), options(std::move(opts)), handler(std::move(h)) {}

  asio::awaitable<void> async_accept_loop(std::shared_ptr<State> self);
  asio::awaitable<void> async_serve(std::shared_ptr<State> self, tcp::socket socket,
                                    std::string source);
  // The answer to one well-formed request.
  http::response<http::string_body> answer(const http::request<http::empty_body>& request);

  asio::any_io_executor executor;
  HttpServerOptions options;
  HttpHandler handler;  // emptied by stop(): nothing is answered after it
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
  return make_response(answered.status, request.version(), std::move(answered.content_type),
                       std::move(answered.body), keep_alive);
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
    auto response = answer(parser.get());
    stream.expires_after(options.request_deadline);
    auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
    if (write_error || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
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
                       HttpHandler handler)
    : state_(std::make_shared<State>(std::move(executor), std::move(options), std::move(handler))) {
}

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
}

std::size_t HttpServer::connection_count() const { return state_->streams.size(); }

}  // namespace auction::wire

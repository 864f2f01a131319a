// LineConnection: see line_connection.hpp.
#include "line_connection.hpp"

#include <optional>
#include <tuple>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "wire/frame_splitter.hpp"
#include "wire/tls_context.hpp"

namespace auction::bench {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk_bytes = 64 * 1024;
}  // namespace

// Lines are cut by the wire layer's FrameSplitter (memchr over a plain buffer): a hundred
// auctions are tens of kilobytes a line, and Asio's read_until over a streambuf stepped
// through them byte by byte, which made the generator the bottleneck of the fetch load.
struct LineConnection::State {
  State(asio::io_context& io, std::string h, std::uint16_t p,
        std::shared_ptr<asio::ssl::context> context, std::size_t max)
      : executor(io.get_executor()),
        host(std::move(h)),
        port(p),
        where(host + ":" + std::to_string(port)),
        tls(std::move(context)),
        line_bytes_max(max),
        lines(max),
        chunk(read_chunk_bytes) {}
  asio::any_io_executor executor;
  std::string host;
  std::uint16_t port;
  std::string where;  // host:port, for messages
  std::shared_ptr<asio::ssl::context> tls;
  std::size_t line_bytes_max;
  LineGreeting greeting;
  std::optional<tcp::socket> socket;  // plain; or, with TLS, the connection inside `stream`
  std::optional<asio::ssl::stream<tcp::socket&>> stream;
  bool timed_out = false;  // the current exchange's deadline closed the socket

  void drop() {
    stream.reset();
    socket.reset();
    lines = wire::FrameSplitter(line_bytes_max);
  }
  // An I/O failure's code: the deadline's, or the connection's.
  const char* failure_code() const { return timed_out ? "timeout" : "unavailable"; }

  // The reads, writes and handshake of whichever stream is open, each its own coroutine
  // (g++ 12 mis-handles co_await in conditional expressions, and warns on a frame that
  // holds them all).
  asio::awaitable<boost::system::error_code> async_handshake() {
    stream.emplace(*socket, *tls);
    auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, use_tuple);
    co_return ec;
  }
  asio::awaitable<boost::system::error_code> async_write(const std::string& bytes) {
    if (stream) {
      auto [ec, n] = co_await asio::async_write(*stream, asio::buffer(bytes), use_tuple);
      co_return ec;
    }
    auto [ec, n] = co_await asio::async_write(*socket, asio::buffer(bytes), use_tuple);
    co_return ec;
  }
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> async_read_chunk() {
    if (stream) co_return co_await stream->async_read_some(asio::buffer(chunk), use_tuple);
    co_return co_await socket->async_read_some(asio::buffer(chunk), use_tuple);
  }

  // Connects (TLS too, when configured) and greets. On failure the connection is dropped.
  asio::awaitable<Result<void>> async_open();
  // Sends `request` on the open connection and reads one line back. On failure the
  // connection is dropped.
  asio::awaitable<Result<std::string>> async_send_receive(const std::string& request);
  // The same for a request it keeps (a greeting's).
  asio::awaitable<Result<std::string>> async_send_receive_owned(std::string request) {
    co_return co_await async_send_receive(request);
  }

  wire::FrameSplitter lines;  // what was received and not yet returned
  std::vector<char> chunk;    // one read's bytes
};

asio::awaitable<Result<void>> LineConnection::State::async_open() {
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(host, std::to_string(port), use_tuple);
  if (resolve_ec) co_return fail(code::unavailable, "cannot resolve " + where);
  socket.emplace(executor);
  auto [ec, endpoint] = co_await asio::async_connect(*socket, endpoints, use_tuple);
  if (ec) {
    drop();
    co_return fail(failure_code(), "cannot connect to " + where);
  }
  socket->set_option(tcp::no_delay(true));
  std::string binding;
  if (tls) {
    const auto handshake_ec = co_await async_handshake();
    if (handshake_ec) {
      drop();
      co_return fail(failure_code(), "TLS with " + where + " failed: " + handshake_ec.message());
    }
    binding = wire::channel_binding(stream->native_handle());
  }
  if (!greeting) co_return Result<void>{};
  NewLineConnection fresh{std::move(binding), [this](const std::string& request) {
                            return async_send_receive_owned(request);
                          }};
  auto greeted = co_await greeting(fresh);  // (no temporaries around a co_await: g++ 12)
  if (!greeted) {
    const bool was_deadline = timed_out;
    drop();
    if (was_deadline) co_return fail(code::timeout, "greeting " + where + " took too long");
    co_return std::unexpected(std::move(greeted.error()));
  }
  co_return Result<void>{};
}

asio::awaitable<Result<std::string>> LineConnection::State::async_send_receive(
    const std::string& request) {
  if (!socket) co_return fail(failure_code(), "the connection to " + where + " is closed");
  const auto write_ec = co_await async_write(request);
  if (write_ec) {
    drop();
    co_return fail(failure_code(), "writing to " + where + " failed");
  }
  std::string line;
  for (;;) {
    const auto status = lines.next(line);
    if (status == wire::FrameSplitter::Status::frame) co_return line;
    if (status == wire::FrameSplitter::Status::too_large) {
      drop();
      co_return fail(code::frame_too_large, "the answer from " + where + " is too long");
    }
    const auto [read_ec, received] = co_await async_read_chunk();
    if (read_ec) {
      drop();
      co_return fail(failure_code(), "reading from " + where + " failed");
    }
    lines.append(std::string_view(chunk.data(), received));
  }
}

LineConnection::LineConnection(asio::io_context& io, std::string host, std::uint16_t port,
                               std::shared_ptr<asio::ssl::context> tls, std::size_t line_bytes_max)
    : state_(std::make_unique<State>(io, std::move(host), port, std::move(tls), line_bytes_max)) {}

LineConnection::~LineConnection() = default;

void LineConnection::set_greeting(LineGreeting greeting) { state_->greeting = std::move(greeting); }

asio::awaitable<Result<std::string>> LineConnection::async_exchange(
    const std::string& request, std::chrono::milliseconds deadline) {
  State& s = *state_;
  // The deadline closes the socket, which ends whatever operation is waiting.
  s.timed_out = false;
  asio::steady_timer guard(s.executor);
  guard.expires_after(deadline);
  guard.async_wait([&s](boost::system::error_code ec) {
    if (ec || !s.socket.has_value()) return;
    s.timed_out = true;
    boost::system::error_code ignored;
    s.socket->close(ignored);
  });
  if (!s.socket) {
    auto opened = co_await s.async_open();
    if (!opened) {
      guard.cancel();
      co_return std::unexpected(std::move(opened.error()));
    }
  }
  auto line = co_await s.async_send_receive(request);
  guard.cancel();
  co_return line;
}

}  // namespace auction::bench

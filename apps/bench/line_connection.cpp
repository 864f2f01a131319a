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
        tls(std::move(context)),
        line_bytes_max(max),
        lines(max),
        chunk(read_chunk_bytes) {}
  asio::any_io_executor executor;
  std::string host;
  std::uint16_t port;
  std::shared_ptr<asio::ssl::context> tls;
  std::size_t line_bytes_max;
  std::optional<tcp::socket> socket;  // plain; or, with TLS, the connection inside `stream`
  std::optional<asio::ssl::stream<tcp::socket&>> stream;

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
  wire::FrameSplitter lines;  // what was received and not yet returned
  std::vector<char> chunk;    // one read's bytes
};

LineConnection::LineConnection(asio::io_context& io, std::string host, std::uint16_t port,
                               std::shared_ptr<asio::ssl::context> tls, std::size_t line_bytes_max)
    : state_(std::make_unique<State>(io, std::move(host), port, std::move(tls), line_bytes_max)) {}

LineConnection::~LineConnection() = default;

asio::awaitable<Result<std::string>> LineConnection::async_exchange(
    const std::string& request, std::chrono::milliseconds deadline) {
  State& s = *state_;
  const std::string where = s.host + ":" + std::to_string(s.port);
  // The deadline closes the socket, which ends whatever operation is waiting.
  bool timed_out = false;
  asio::steady_timer guard(s.executor);
  guard.expires_after(deadline);
  auto* socket_slot = &s.socket;
  guard.async_wait([socket_slot, &timed_out](boost::system::error_code ec) {
    if (ec || !socket_slot->has_value()) return;
    timed_out = true;
    boost::system::error_code ignored;
    (*socket_slot)->close(ignored);
  });
  const auto drop = [&s] {
    s.stream.reset();
    s.socket.reset();
    s.lines = wire::FrameSplitter(s.line_bytes_max);
  };
  if (!s.socket) {
    tcp::resolver resolver(s.executor);
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(s.host, std::to_string(s.port), use_tuple);
    if (resolve_ec) co_return fail(code::unavailable, "cannot resolve " + where);
    s.socket.emplace(s.executor);
    auto [ec, endpoint] = co_await asio::async_connect(*s.socket, endpoints, use_tuple);
    if (ec) {
      drop();
      co_return fail(timed_out ? "timeout" : "unavailable", "cannot connect to " + where);
    }
    s.socket->set_option(tcp::no_delay(true));
    if (s.tls) {
      const auto handshake_ec = co_await s.async_handshake();
      if (handshake_ec) {
        drop();
        co_return fail(timed_out ? "timeout" : "unavailable",
                       "TLS with " + where + " failed: " + handshake_ec.message());
      }
    }
  }
  const auto write_ec = co_await s.async_write(request);
  if (write_ec) {
    drop();
    co_return fail(timed_out ? "timeout" : "unavailable", "writing to " + where + " failed");
  }
  std::string line;
  for (;;) {
    const auto status = s.lines.next(line);
    if (status == wire::FrameSplitter::Status::frame) {
      guard.cancel();
      co_return line;
    }
    if (status == wire::FrameSplitter::Status::too_large) {
      guard.cancel();
      drop();
      co_return fail(code::frame_too_large, "the answer from " + where + " is too long");
    }
    const auto [read_ec, received] = co_await s.async_read_chunk();
    if (read_ec) {
      guard.cancel();
      drop();
      co_return fail(timed_out ? "timeout" : "unavailable", "reading from " + where + " failed");
    }
    s.lines.append(std::string_view(s.chunk.data(), received));
  }
}

}  // namespace auction::bench

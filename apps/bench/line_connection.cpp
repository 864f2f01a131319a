// LineConnection: see line_connection.hpp.
#include "line_connection.hpp"

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace auction::bench {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

struct LineConnection::State {
  State(asio::io_context& io, std::string h, std::uint16_t p, std::size_t max)
      : executor(io.get_executor()), host(std::move(h)), port(p), buffer(max) {}
  asio::any_io_executor executor;
  std::string host;
  std::uint16_t port;
  std::optional<tcp::socket> socket;
  asio::streambuf buffer;
};

LineConnection::LineConnection(asio::io_context& io, std::string host, std::uint16_t port,
                               std::size_t line_bytes_max)
    : state_(std::make_unique<State>(io, std::move(host), port, line_bytes_max)) {}

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
    s.socket.reset();
    s.buffer.consume(s.buffer.size());
  };
  if (!s.socket) {
    tcp::resolver resolver(s.executor);
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(s.host, std::to_string(s.port), use_tuple);
    if (resolve_ec) co_return fail("unavailable", "cannot resolve " + where);
    s.socket.emplace(s.executor);
    auto [ec, endpoint] = co_await asio::async_connect(*s.socket, endpoints, use_tuple);
    if (ec) {
      drop();
      co_return fail(timed_out ? "timeout" : "unavailable", "cannot connect to " + where);
    }
    s.socket->set_option(tcp::no_delay(true));
  }
  auto [write_ec, written] = co_await asio::async_write(*s.socket, asio::buffer(request), use_tuple);
  if (write_ec) {
    drop();
    co_return fail(timed_out ? "timeout" : "unavailable", "writing to " + where + " failed");
  }
  auto [read_ec, length] = co_await asio::async_read_until(*s.socket, s.buffer, '\n', use_tuple);
  guard.cancel();
  if (read_ec) {
    const bool too_long = read_ec == asio::error::not_found;
    drop();
    if (too_long) co_return fail("frame_too_large", "the answer from " + where + " is too long");
    co_return fail(timed_out ? "timeout" : "unavailable", "reading from " + where + " failed");
  }
  std::string line(asio::buffers_begin(s.buffer.data()),
                   asio::buffers_begin(s.buffer.data()) + static_cast<std::ptrdiff_t>(length - 1));
  s.buffer.consume(length);
  co_return line;
}

}  // namespace auction::bench

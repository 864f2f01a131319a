// Test helpers for the wire layer's loopback tests: run a test coroutine with a safety
// deadline, talk to a server through a raw socket exactly as `nc` would, and await a
// condition. Single-threaded: everything runs on the one io_context of run_async().
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "wire/envelope.hpp"

namespace auction::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using auction::wire::Json;
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Runs the coroutine made by `make_test` to completion. The safety deadline only turns a
// hang into a failure; tests never depend on timing.
template <class MakeTest>
void run_async(MakeTest make_test, std::chrono::seconds safety = std::chrono::seconds(30)) {
  asio::io_context io;
  bool is_done = false;
  std::exception_ptr escaped;
  asio::co_spawn(io, make_test(io.get_executor()), [&](std::exception_ptr e) {
    is_done = true;
    escaped = e;
    io.stop();
  });
  io.run_for(safety);
  if (escaped) std::rethrow_exception(escaped);
  REQUIRE(is_done);
}

// Waits until `condition` holds, checking every few milliseconds (bounded by run_async).
inline asio::awaitable<void> async_until(std::function<bool()> condition) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!condition()) {
    timer.expires_after(std::chrono::milliseconds(2));
    co_await timer.async_wait(use_tuple);
  }
}

// A bare TCP connection: bytes out, lines in. What a person at `nc` does.
class RawPeer {
 public:
  // Connects to 127.0.0.1:port. `from` (an IP literal) is the source address to connect
  // from; any 127.x.y.z is this machine too on Linux, so a test can play several sources.
  static asio::awaitable<RawPeer> async_connect(std::uint16_t port, const std::string& from = "") {
    tcp::socket socket(co_await asio::this_coro::executor);
    if (!from.empty()) {
      socket.open(tcp::v4());
      socket.bind({asio::ip::make_address(from), 0});
    }
    co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    co_return RawPeer(std::move(socket));
  }

  asio::awaitable<void> async_send(const std::string& bytes) {
    co_await asio::async_write(socket_, asio::buffer(bytes), asio::use_awaitable);
  }

  // The next line without its '\n', or nullopt once the server closed the connection.
  asio::awaitable<std::optional<std::string>> async_read_line() {
    auto [ec, n] =
        co_await asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), '\n', use_tuple);
    if (ec) co_return std::nullopt;
    std::string line = buffer_.substr(0, n - 1);
    buffer_.erase(0, n);
    co_return line;
  }

  // The next line as JSON; fails the test at end of stream.
  asio::awaitable<Json> async_read_json() {
    auto line = co_await async_read_line();
    REQUIRE(line.has_value());
    co_return Json::parse(*line);
  }

  // Sends one line and returns the parsed answer.
  asio::awaitable<Json> async_ask(const std::string& line) {
    co_await async_send(line);
    co_return co_await async_read_json();
  }

  // True when the server closed the connection (nothing more to read).
  asio::awaitable<bool> async_is_closed_by_peer() {
    co_return !(co_await async_read_line()).has_value();
  }

  // Says "I will send nothing more" (FIN) but keeps reading, as `nc` does at end of input.
  void shutdown_send() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  explicit RawPeer(tcp::socket socket) : socket_(std::move(socket)) {}
  tcp::socket socket_;
  std::string buffer_;
};

}  // namespace auction::test

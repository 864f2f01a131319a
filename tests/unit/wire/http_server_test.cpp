// Loopback tests of the HttpServer (the monitoring port): what a client sees, and the limits
// that keep a stranger from holding the port (slow heads, idle connections, a crowd).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "loopback.hpp"
#include "wire/http_server.hpp"

using namespace auction::test;
using namespace auction::wire;

namespace {

HttpAnswer echo_path(std::string_view path) {
  if (path == "/missing") return {404, "text/plain", "no\n"};
  return {200, "text/plain", "path " + std::string(path) + "\n"};
}

std::unique_ptr<HttpServer> started(const asio::any_io_executor& ex, HttpServerOptions options,
                                    std::uint16_t& port) {
  auto server = std::make_unique<HttpServer>(ex, std::move(options), echo_path);
  auto bound = server->start();
  REQUIRE(bound.has_value());
  port = *bound;
  return server;
}

// Reads one answer's head and its body of Content-Length bytes; "" lines end the head.
asio::awaitable<std::string> async_read_answer(RawPeer& peer) {
  std::string answer;
  std::size_t length = 0;
  for (;;) {
    auto line = co_await peer.async_read_line();
    REQUIRE(line.has_value());
    if (line->starts_with("Content-Length: ")) length = std::stoul(line->substr(16));
    answer += *line + "\n";
    if (*line == "\r") break;
  }
  while (length > 0) {
    auto line = co_await peer.async_read_line();
    REQUIRE(line.has_value());
    answer += *line + "\n";
    length -= std::min(length, line->size() + 1);
  }
  co_return answer;
}

}  // namespace

TEST_CASE("http server: answers GETs on a kept-alive connection through its handler",
          "[wire][http]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    auto server = started(ex, {}, port);
    auto peer = co_await RawPeer::async_connect(port);
    co_await peer.async_send("GET /metrics?name=x HTTP/1.1\r\nHost: a\r\n\r\n");
    const std::string first = co_await async_read_answer(peer);
    CHECK_THAT(first, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
    CHECK_THAT(first, Catch::Contains("Content-Type: text/plain\r\n"));
    CHECK_THAT(first, Catch::EndsWith("path /metrics\n"));
    co_await peer.async_send("GET /missing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const std::string second = co_await async_read_answer(peer);
    CHECK_THAT(second, Catch::StartsWith("HTTP/1.1 404 Not Found\r\n"));
    const bool is_closed = co_await peer.async_is_closed_by_peer();
    CHECK(is_closed);
  });
}

TEST_CASE("http server: a head that does not come in time is cut, and so is an idle connection",
          "[wire][http][attack]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    HttpServerOptions options;
    options.request_deadline = std::chrono::milliseconds(100);
    auto server = started(ex, options, port);
    auto slow = co_await RawPeer::async_connect(port);
    co_await slow.async_send("GET /metrics HTTP/1.1\r\nHost:");
    auto idle = co_await RawPeer::async_connect(port);
    const bool is_slow_closed = co_await slow.async_is_closed_by_peer();
    CHECK(is_slow_closed);
    const bool is_idle_closed = co_await idle.async_is_closed_by_peer();
    CHECK(is_idle_closed);
    co_await async_until([&] { return server->connection_count() == 0; });
  });
}

TEST_CASE("http server: connections past the limit are closed unanswered, and stop closes the rest",
          "[wire][http][attack]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    HttpServerOptions options;
    options.connections_max = 2;
    auto server = started(ex, options, port);
    std::vector<RawPeer> held;
    held.push_back(co_await RawPeer::async_connect(port));
    held.push_back(co_await RawPeer::async_connect(port));
    co_await async_until([&] { return server->connection_count() == 2; });
    auto third = co_await RawPeer::async_connect(port);
    const bool is_third_closed = co_await third.async_is_closed_by_peer();
    CHECK(is_third_closed);
    server->stop();
    for (RawPeer& peer : held) {
      const bool is_held_closed = co_await peer.async_is_closed_by_peer();
      CHECK(is_held_closed);
    }
  });
}

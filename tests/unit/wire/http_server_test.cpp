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
    const std::string kept_alive = "GET /metrics?name=x HTTP/1.1\r\nHost: a\r\n\r\n";
    co_await peer.async_send(kept_alive);
    const std::string first = co_await async_read_answer(peer);
    CHECK_THAT(first, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
    CHECK_THAT(first, Catch::Contains("Content-Type: text/plain\r\n"));
    CHECK_THAT(first, Catch::EndsWith("path /metrics\n"));
    const std::string closing = "GET /missing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    co_await peer.async_send(closing);
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
    const std::string half_a_head = "GET /metrics HTTP/1.1\r\nHost:";
    co_await slow.async_send(half_a_head);
    auto idle = co_await RawPeer::async_connect(port);
    const bool is_slow_closed = co_await slow.async_is_closed_by_peer();
    CHECK(is_slow_closed);
    const bool is_idle_closed = co_await idle.async_is_closed_by_peer();
    CHECK(is_idle_closed);
    co_await async_until([&] { return server->connection_count() == 0; });
  });
}

TEST_CASE(
    "http server: connections past the limit, or past one source's share, are closed "
    "unanswered, and stop closes the rest",
    "[wire][http][attack]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    HttpServerOptions options;
    options.connections_max = 3;
    options.connections_per_source_max = 2;
    // No deadline can close anything during the test: only the limits and stop() do.
    options.request_deadline = std::chrono::hours(1);
    auto server = started(ex, options, port);
    const std::string request = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
    std::vector<RawPeer> held;
    held.push_back(co_await RawPeer::async_connect(port, "127.0.0.1"));
    held.push_back(co_await RawPeer::async_connect(port, "127.0.0.1"));
    co_await async_until([&] { return server->connection_count() == 2; });
    // A third from the same source: closed without an answer to its request.
    auto same_source = co_await RawPeer::async_connect(port, "127.0.0.1");
    co_await same_source.async_send(request);
    const bool is_same_source_closed = co_await same_source.async_is_closed_by_peer();
    CHECK(is_same_source_closed);
    // Another source is served, up to the limit of all.
    held.push_back(co_await RawPeer::async_connect(port, "127.0.0.2"));
    co_await held.back().async_send(request);
    const std::string answer = co_await async_read_answer(held.back());
    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 200 OK"));
    auto past_limit = co_await RawPeer::async_connect(port, "127.0.0.3");
    co_await past_limit.async_send(request);
    const bool is_past_limit_closed = co_await past_limit.async_is_closed_by_peer();
    CHECK(is_past_limit_closed);
    server->stop();
    for (RawPeer& peer : held) {
      const bool is_held_closed = co_await peer.async_is_closed_by_peer();
      CHECK(is_held_closed);
    }
  });
}

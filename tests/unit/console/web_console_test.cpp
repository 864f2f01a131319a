// WebConsole (src/console/web_console.hpp) with a real WebSocket client on loopback: the
// secret opens the socket, a page's commands run one at a time in order, at most
// commands_waiting_max wait behind the running one (more are refused), and those still
// waiting when the page closes are dropped.
#include <catch2/catch.hpp>

// g++ 12 wrongly reports Asio's coroutine frames as mismatched allocations once inlined into
// a test body (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <functional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "console/web_console.hpp"

using namespace auction;
using console::detail::WebConsole;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// What the program was asked to run, and how to say each is done.
struct Commands {
  std::vector<std::string> lines;
  std::vector<std::function<void()>> done;
};

asio::awaitable<void> async_until(std::function<bool()> condition) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!condition()) {
    timer.expires_after(std::chrono::milliseconds(2));
    co_await timer.async_wait(use_tuple);
  }
}

// The next message on `client`, "" once the socket ended.
asio::awaitable<std::string> async_next(websocket::stream<beast::tcp_stream>& client) {
  beast::flat_buffer buffer;
  auto [error, n] = co_await client.async_read(buffer, use_tuple);
  if (error) co_return std::string();
  co_return beast::buffers_to_string(buffer.data());
}

asio::awaitable<void> async_test(asio::any_io_executor ex, Commands& commands) {
  WebConsole web(ex, Endpoint{"127.0.0.1", 0}, "buyer", "bob",
                 [&commands](std::string line, std::function<void(const std::string&)>,
                             std::function<void()> done) {
                   commands.lines.push_back(std::move(line));
                   commands.done.push_back(std::move(done));
                 });
  const auto address = web.start();
  REQUIRE(address.has_value());
  // "http://127.0.0.1:PORT/#key=SECRET"
  const std::size_t colon = address->rfind(':');
  const std::string port = address->substr(colon + 1, address->find('/', colon) - colon - 1);
  const std::string key = address->substr(address->find("#key=") + 5);

  websocket::stream<beast::tcp_stream> client(ex);
  auto [connect_error] = co_await beast::get_lowest_layer(client).async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                    static_cast<unsigned short>(std::stoi(port))),
      use_tuple);
  REQUIRE_FALSE(connect_error);
  auto [handshake_error] =
      co_await client.async_handshake("127.0.0.1:" + port, "/ws?key=" + key, use_tuple);
  REQUIRE_FALSE(handshake_error);
  const std::string hello = co_await async_next(client);
  CHECK(nlohmann::json::parse(hello)["event"] == "hello");

  // 18 lines: one runs, 16 wait, the 18th is refused.
  for (int i = 1; i <= 18; ++i) {
    auto [error, n] =
        co_await client.async_write(asio::buffer("status " + std::to_string(i)), use_tuple);
    REQUIRE_FALSE(error);
  }
  const std::string refused = co_await async_next(client);
  const nlohmann::json answer = nlohmann::json::parse(refused);
  CHECK(answer["reply"] == "status");
  CHECK(answer["ok"] == false);
  CHECK(answer["error"]["code"] == "overloaded");
  REQUIRE(commands.lines == std::vector<std::string>{"status 1"});

  // Each done runs the next, in the order sent.
  commands.done[0]();
  commands.done[0]();  // (twice: nothing more)
  REQUIRE(commands.lines.size() == 2);
  CHECK(commands.lines.back() == "status 2");
  commands.done.back()();
  REQUIRE(commands.lines.size() == 3);
  CHECK(commands.lines.back() == "status 3");

  // The page closes: what still waited is dropped, the running one ends quietly.
  auto [close_error] = co_await client.async_close(websocket::close_code::normal, use_tuple);
  CHECK_FALSE(close_error);
  co_await async_until([&] {
    // A broadcast reaches no page once it is gone; wait for the server to see the close.
    return web.page_count() == 0;
  });
  commands.done.back()();
  CHECK(commands.lines.size() == 3);
  web.stop();
}

}  // namespace

TEST_CASE(
    "web console: a page's commands run one at a time, 16 wait at most, and a closed "
    "page's are dropped",
    "[console][web]") {
  asio::io_context io;
  Commands commands;
  bool is_done = false;
  std::exception_ptr escaped;
  asio::co_spawn(io, async_test(io.get_executor(), commands), [&](std::exception_ptr e) {
    is_done = true;
    escaped = e;
  });
  io.run_for(std::chrono::seconds(30));
  if (escaped) std::rethrow_exception(escaped);
  REQUIRE(is_done);
}

// WebConsole (src/console/web_console.hpp) with a real WebSocket client on loopback: the
// secret opens the socket, a page's commands run one at a time in order, at most
// commands_waiting_max wait behind the running one (more are refused), and those still
// waiting when the page closes are dropped.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "console/web_console.hpp"
#include "unit/wire/loopback.hpp"

using namespace auction;
using console::detail::WebConsole;
using namespace auction::test;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// What the program was asked to run, and how to say each is done.
struct Commands {
  std::vector<std::string> lines;
  std::vector<std::function<void()>> done;
};

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
  Commands commands;
  run_async([&commands](asio::any_io_executor ex) { return async_test(ex, commands); });
}

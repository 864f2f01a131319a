// Loopback tests of HttpServer's WebSockets (a console's web page talks to its program over
// one), with Beast's own WebSocket client: messages both ways in order, the owner's refusal,
// and the bounds a page cannot push past (a message too large, a page that does not read).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include "loopback.hpp"
#include "wire/http_server.hpp"

using namespace auction::test;
using namespace auction::wire;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

HttpAnswer page(std::string_view) { return {200, "text/html", "<p>page</p>"}; }

// What the owner saw of its sockets.
struct Seen {
  std::vector<std::shared_ptr<WebSocketChannel>> opened;
  std::vector<std::string> messages;
  int closed = 0;
  std::vector<std::string> upgrades;  // "path?query host origin" of every upgrade asked
};

// Accepts upgrades of /ws?key=yes only; sends "hello" to each socket it opens.
WebSocketHandlers recording(Seen& seen) {
  WebSocketHandlers handlers;
  handlers.accepts = [&seen](const UpgradeRequest& request) {
    seen.upgrades.push_back(std::string(request.path) + "?" + std::string(request.query) + " " +
                            std::string(request.host) + " " + std::string(request.origin));
    return request.path == "/ws" && request.query == "key=yes";
  };
  handlers.on_open = [&seen](const std::shared_ptr<WebSocketChannel>& channel) {
    seen.opened.push_back(channel);
    channel->send("hello");
  };
  handlers.on_message = [&seen](const std::shared_ptr<WebSocketChannel>&, std::string message) {
    seen.messages.push_back(std::move(message));
  };
  handlers.on_close = [&seen](const std::shared_ptr<WebSocketChannel>&) { ++seen.closed; };
  return handlers;
}

using Client = websocket::stream<beast::tcp_stream>;

// A WebSocket client's handshake to 127.0.0.1:port at `target`; the error it ended with.
asio::awaitable<beast::error_code> async_open(Client& client, std::uint16_t port,
                                              const std::string& target) {
  auto [connect_error] = co_await beast::get_lowest_layer(client).async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), use_tuple);
  if (connect_error) co_return connect_error;
  const std::string host = "127.0.0.1:" + std::to_string(port);
  auto [error] = co_await client.async_handshake(host, target, use_tuple);
  co_return error;
}

// The next message, or "" once the socket ended.
asio::awaitable<std::string> async_next(Client& client) {
  beast::flat_buffer buffer;
  auto [error, n] = co_await client.async_read(buffer, use_tuple);
  if (error) co_return std::string();
  co_return beast::buffers_to_string(buffer.data());
}

// Starts `server` and opens `client`'s WebSocket on it as the owner accepts; waits for the
// owner's "hello". Returns the server's port.
asio::awaitable<std::uint16_t> async_start_and_open(HttpServer& server, Client& client) {
  const auto port = server.start();
  REQUIRE(port.has_value());
  const beast::error_code opened = co_await async_open(client, *port, "/ws?key=yes");
  REQUIRE_FALSE(opened);
  const std::string first = co_await async_next(client);
  CHECK(first == "hello");
  co_return *port;
}

}  // namespace

TEST_CASE("http server: a WebSocket carries text both ways in order until the page closes it",
          "[wire][http][websocket]") {
  Seen seen;
  run_async([&seen](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpServer server(ex, {}, page, recording(seen));
    Client client(ex);
    const std::uint16_t port = co_await async_start_and_open(server, client);
    REQUIRE(seen.opened.size() == 1);
    CHECK(seen.upgrades.front() == "/ws?key=yes 127.0.0.1:" + std::to_string(port) + " ");

    for (const char* text : {"join 1", "max 1 12.50", "status"}) {
      auto [error, n] = co_await client.async_write(asio::buffer(std::string(text)), use_tuple);
      REQUIRE_FALSE(error);
    }
    co_await async_until([&] { return seen.messages.size() == 3; });
    CHECK(seen.messages == std::vector<std::string>{"join 1", "max 1 12.50", "status"});

    for (int i = 0; i < 100; ++i) seen.opened.front()->send("event " + std::to_string(i));
    for (int i = 0; i < 100; ++i) {
      const std::string got = co_await async_next(client);
      REQUIRE(got == "event " + std::to_string(i));
    }

    auto [close_error] = co_await client.async_close(websocket::close_code::normal, use_tuple);
    CHECK_FALSE(close_error);
    co_await async_until([&] { return seen.closed == 1; });
    // A channel whose socket closed takes sends and does nothing.
    seen.opened.front()->send("after the end");
    co_await async_until([&] { return server.connection_count() == 0; });
  });
}

TEST_CASE("http server: an upgrade the owner refuses is answered 403 and opens nothing",
          "[wire][http][websocket]") {
  Seen seen;
  run_async([&seen](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpServer server(ex, {}, page, recording(seen));
    const auto port = server.start();
    REQUIRE(port.has_value());
    for (const char* target : {"/ws", "/ws?key=no", "/other?key=yes"}) {
      Client client(ex);
      const beast::error_code error = co_await async_open(client, *port, target);
      CHECK(error == websocket::error::upgrade_declined);
    }
    CHECK(seen.upgrades.size() == 3);
    CHECK(seen.opened.empty());
    CHECK(seen.closed == 0);

    // A server that takes no WebSockets declines them too (404), and still serves its page.
    HttpServer plain(ex, {}, page);
    const auto plain_port = plain.start();
    REQUIRE(plain_port.has_value());
    Client client(ex);
    const beast::error_code declined = co_await async_open(client, *plain_port, "/ws?key=yes");
    CHECK(declined == websocket::error::upgrade_declined);
  });
}

TEST_CASE("http server: a WebSocket message over the limit closes that socket unread",
          "[wire][http][websocket]") {
  Seen seen;
  run_async([&seen](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpServerOptions options;
    options.websocket_message_bytes_max = 1024;
    HttpServer server(ex, options, page, recording(seen));
    Client client(ex);
    co_await async_start_and_open(server, client);
    auto [small_error, small_n] =
        co_await client.async_write(asio::buffer(std::string(1024, 'a')), use_tuple);
    REQUIRE_FALSE(small_error);
    // The write itself may or may not see the server's end first.
    co_await client.async_write(asio::buffer(std::string(1025, 'b')), use_tuple);
    // The server ends the socket: the client's next read ends.
    const std::string after = co_await async_next(client);
    CHECK(after.empty());
    co_await async_until([&] { return seen.closed == 1; });
    REQUIRE(seen.messages.size() == 1);
    CHECK(seen.messages.front().size() == 1024);
  });
}

TEST_CASE("http server: a page that lets more messages wait than the queue holds is cut",
          "[wire][http][websocket]") {
  Seen seen;
  run_async([&seen](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpServerOptions options;
    options.websocket_queue_max = 8;
    HttpServer server(ex, options, page, recording(seen));
    Client client(ex);
    co_await async_start_and_open(server, client);
    // Sent in one turn of the executor: nothing of it has gone out yet, so the queue holds
    // every one.
    for (int i = 0; i < 20; ++i) seen.opened.front()->send("event " + std::to_string(i));
    co_await async_until([&] { return seen.closed == 1; });
    // The client gets at most what was queued before the cut, then the end.
    int received = 0;
    while (!(co_await async_next(client)).empty()) ++received;
    CHECK(received <= 8);
  });
}

TEST_CASE("http server: stop() closes open WebSockets", "[wire][http][websocket]") {
  Seen seen;
  run_async([&seen](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpServer server(ex, {}, page, recording(seen));
    Client client(ex);
    co_await async_start_and_open(server, client);
    server.stop();
    const std::string after = co_await async_next(client);
    CHECK(after.empty());
    seen.opened.front()->send("after stop");  // does nothing, and does not crash
  });
}

// Loopback tests of the Server: what a peer sees on the wire, byte for byte, and the limits
// that keep one peer from hurting the process or the other peers.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "auction/base/error_codes.hpp"
#include "gate.hpp"
#include "loopback.hpp"
#include "wire/server.hpp"

using namespace auction::test;
using namespace auction::wire;

namespace {

// An op whose result is the sum of two integer fields, b within -1000..1000.
asio::awaitable<Reply> add(Request request) {
  const Json& body = request.body;
  if (!body.contains("a") || !body["a"].is_number_integer() || !body.contains("b") ||
      !body["b"].is_number_integer()) {
    co_return Reply::failure(auction::Error{auction::code::bad_request, "a and b: integers"});
  }
  const auto a = body["a"].get<std::int64_t>();
  const auto b = body["b"].get<std::int64_t>();
  if (b < -1000 || b > 1000) {
    co_return Reply::failure(auction::Error{auction::code::invalid_argument, "b: -1000..1000"});
  }
  co_return Reply::success({{"sum", a + b}});
}

std::unique_ptr<Server> started_server(const asio::any_io_executor& ex, ServerOptions options,
                                       std::uint16_t& port,
                                       const std::function<void(Server&)>& register_ops = {}) {
  auto server = std::make_unique<Server>(ex, std::move(options));
  if (register_ops) register_ops(*server);
  auto bound = server->start();
  REQUIRE(bound.has_value());
  port = *bound;
  return server;
}

std::string line_of(const Json& request) { return request.dump() + "\n"; }

}  // namespace

TEST_CASE("wire: every server answers ping", "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    auto server = started_server(ex, {}, port);
    CHECK(port != 0);
    auto peer = co_await RawPeer::async_connect(port);
    co_await peer.async_send("{\"id\":1,\"op\":\"ping\"}\n");
    auto line = co_await peer.async_read_line();
    CHECK(line == "{\"id\":1,\"ok\":true,\"result\":{}}");
  });
}

TEST_CASE("wire: a person at nc gets one answer per line and bad lines do not end the session",
          "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    auto server = started_server(ex, {}, port, [](Server& s) { s.handle("add", add); });
    auto peer = co_await RawPeer::async_connect(port);

    struct Exchange {
      std::string line;  // exactly what is typed, newline included
      Json id;           // the id the answer must carry
      std::string code;  // "" for ok
    };
    const std::vector<Exchange> session = {
        {"{\"id\":1,\"op\":\"ping\"}\n", 1, ""},
        {"\n\n{\"id\":\"two\",\"op\":\"add\",\"a\":2,\"b\":3}\r\n", "two", ""},
        {"hello\n", nullptr, auction::code::bad_request},
        {"[1,2]\n", nullptr, auction::code::bad_request},
        {"{\"op\":\"ping\"}\n", nullptr, auction::code::bad_request},
        {"{\"id\":1.5,\"op\":\"ping\"}\n", nullptr, auction::code::bad_request},
        {"{\"id\":7}\n", 7, auction::code::bad_request},
        {"{\"id\":8,\"op\":\"nope\"}\n", 8, auction::code::unknown_op},
        {"{\"id\":9,\"op\":\"add\",\"a\":\"x\",\"b\":1}\n", 9, auction::code::bad_request},
        {"{\"id\":10,\"op\":\"add\",\"a\":1,\"b\":5000}\n", 10, auction::code::invalid_argument},
        {"{\"id\":11,\"op\":\"p\xffng\"}\n", nullptr, auction::code::bad_request},
        {"{\"id\":12,\"op\":\"add\",\"a\":" + std::string(100'000, '[') + "\n", nullptr,
         auction::code::bad_request},
        {"{\"id\":13,\"op\":\"ping\"}\n", 13, ""},
    };
    for (const auto& exchange : session) {
      INFO(exchange.line.substr(0, 60));
      const Json answer = co_await peer.async_ask(exchange.line);
      CHECK(answer["id"] == exchange.id);
      CHECK(answer["ok"] == exchange.code.empty());
      if (exchange.code.empty()) {
        CHECK(answer["result"].is_object());
      } else {
        CHECK(answer["error"]["code"] == exchange.code);
        CHECK(answer["error"]["message"].is_string());
      }
    }
    const Json sum = co_await peer.async_ask("{\"id\":14,\"op\":\"add\",\"a\":40,\"b\":2}\n");
    CHECK(sum["result"]["sum"] == 42);
  });
}

TEST_CASE("wire: a slow request does not hold back a later fast one on the same connection",
          "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Gate gate(ex);
    std::uint16_t port = 0;
    auto server = started_server(ex, {}, port, [&](Server& s) {
      s.handle("slow", [&](Request) -> asio::awaitable<Reply> {
        co_await gate.async_wait();
        co_return Reply::success({{"was", "slow"}});
      });
    });
    auto peer = co_await RawPeer::async_connect(port);
    co_await peer.async_send("{\"id\":1,\"op\":\"slow\"}\n{\"id\":2,\"op\":\"ping\"}\n");
    const Json first = co_await peer.async_read_json();
    CHECK(first["id"] == 2);
    gate.open();
    const Json second = co_await peer.async_read_json();
    CHECK(second["id"] == 1);
    CHECK(second["result"]["was"] == "slow");
  });
}

TEST_CASE("wire: the server stops reading a connection that has in_flight_max requests open",
          "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Gate gate(ex);
    int started = 0;
    ServerOptions options;
    options.in_flight_max = 4;
    std::uint16_t port = 0;
    auto server = started_server(ex, options, port, [&](Server& s) {
      s.handle("wait", [&](Request) -> asio::awaitable<Reply> {
        ++started;
        co_await gate.async_wait();
        co_return Reply::success();
      });
    });
    auto peer = co_await RawPeer::async_connect(port);
    std::string burst;
    for (int id = 1; id <= 10; ++id) burst += line_of({{"id", id}, {"op", "wait"}});
    co_await peer.async_send(burst);
    co_await async_until([&] { return started == 4; });
    // Another connection is served meanwhile, and after that round trip still only four
    // of the ten requests have been read.
    auto other = co_await RawPeer::async_connect(port);
    const Json pong = co_await other.async_ask("{\"id\":1,\"op\":\"ping\"}\n");
    CHECK(pong["ok"] == true);
    CHECK(started == 4);
    gate.open();
    std::set<int> answered;
    for (int i = 0; i < 10; ++i) {
      const Json reply = co_await peer.async_read_json();
      answered.insert(reply["id"].get<int>());
    }
    CHECK(answered.size() == 10);
    CHECK(started == 10);
  });
}

TEST_CASE("wire: a peer that never reads its replies neither grows the server nor stalls others",
          "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    const int request_count = 120;
    const std::string payload(128 * 1024, 'x');
    int answered_by_handler = 0;
    ServerOptions options;
    options.in_flight_max = 8;
    std::uint16_t port = 0;
    auto server = started_server(ex, options, port, [&](Server& s) {
      s.handle("big", [&](Request) -> asio::awaitable<Reply> {
        ++answered_by_handler;
        co_return Reply::success({{"payload", payload}});
      });
    });
    auto reader = co_await RawPeer::async_connect(port);  // will not read for a while
    std::string burst;
    for (int id = 1; id <= request_count; ++id) burst += line_of({{"id", id}, {"op", "big"}});
    co_await reader.async_send(burst);
    co_await async_until([&] { return answered_by_handler >= 8; });

    auto other = co_await RawPeer::async_connect(port);
    for (int i = 0; i < 20; ++i) {
      // (Built before co_await: g++ 12 cannot keep an initializer list across a suspension.)
      const std::string ping = line_of({{"id", i}, {"op", "ping"}});
      const Json pong = co_await other.async_ask(ping);
      REQUIRE(pong["ok"] == true);
    }
    // Only what the kernel's socket buffers absorb plus in_flight_max replies were made;
    // the rest of the requests wait unread in the peer's own send path.
    CHECK(answered_by_handler < request_count / 2);

    for (int i = 0; i < request_count; ++i) {
      const Json reply = co_await reader.async_read_json();
      const auto size = reply["result"]["payload"].get<std::string>().size();
      REQUIRE(size == payload.size());
    }
    CHECK(answered_by_handler == request_count);
  });
}

TEST_CASE("wire: a connection past connections_max gets one overloaded line and is closed",
          "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ServerOptions options;
    options.connections_max = 2;
    std::uint16_t port = 0;
    auto server = started_server(ex, options, port);
    auto first = co_await RawPeer::async_connect(port);
    auto second = co_await RawPeer::async_connect(port);
    CHECK((co_await first.async_ask("{\"id\":1,\"op\":\"ping\"}\n"))["ok"] == true);
    CHECK((co_await second.async_ask("{\"id\":1,\"op\":\"ping\"}\n"))["ok"] == true);

    auto third = co_await RawPeer::async_connect(port);
    co_await third.async_send("{\"id\":1,\"op\":\"ping\"}\n");
    const Json refusal = co_await third.async_read_json();
    CHECK(refusal["id"].is_null());
    CHECK(refusal["error"]["code"] == auction::code::overloaded);
    const bool is_closed = co_await third.async_is_closed_by_peer();
    CHECK(is_closed);

    first.close();
    co_await async_until([&] { return server->connection_count() == 1; });
    auto fourth = co_await RawPeer::async_connect(port);
    CHECK((co_await fourth.async_ask("{\"id\":4,\"op\":\"ping\"}\n"))["ok"] == true);
    CHECK((co_await second.async_ask("{\"id\":2,\"op\":\"ping\"}\n"))["ok"] == true);
  });
}

TEST_CASE("wire: an idle connection gets one idle_timeout line and is closed after idle_timeout",
          "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ServerOptions options;
    options.idle_timeout = std::chrono::milliseconds(100);
    std::uint16_t port = 0;
    auto server = started_server(ex, options, port);
    auto peer = co_await RawPeer::async_connect(port);
    CHECK((co_await peer.async_ask("{\"id\":1,\"op\":\"ping\"}\n"))["ok"] == true);
    // Then nothing: the server speaks first, once, and closes.
    const Json closing = co_await peer.async_read_json();
    CHECK(closing["id"].is_null());
    CHECK(closing["error"]["code"] == auction::code::idle_timeout);
    const bool is_closed = co_await peer.async_is_closed_by_peer();
    CHECK(is_closed);
    co_await async_until([&] { return server->connection_count() == 0; });
  });
}

TEST_CASE(
    "wire: one source past connections_per_address_max gets one too_many_connections line "
    "while other sources are served",
    "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ServerOptions options;
    options.connections_per_address_max = 3;
    std::uint16_t port = 0;
    auto server = started_server(ex, options, port);
    const std::string ping = "{\"id\":1,\"op\":\"ping\"}\n";
    std::vector<RawPeer> flood;
    for (int i = 0; i < 3; ++i) {
      // A named peer, then moved: g++ 12 may destroy a co_await temporary twice.
      RawPeer peer = co_await RawPeer::async_connect(port, "127.0.0.2");
      flood.push_back(std::move(peer));
      CHECK((co_await flood.back().async_ask(ping))["ok"] == true);
    }
    CHECK(server->connection_count("127.0.0.2") == 3);
    for (int i = 0; i < 5; ++i) {
      auto refused = co_await RawPeer::async_connect(port, "127.0.0.2");
      const Json refusal = co_await refused.async_read_json();
      CHECK(refusal["id"].is_null());
      CHECK(refusal["error"]["code"] == auction::code::too_many_connections);
      const bool is_closed = co_await refused.async_is_closed_by_peer();
      CHECK(is_closed);
    }
    // Another source is served as usual, and so is the flooder on the connections it holds.
    auto other = co_await RawPeer::async_connect(port, "127.0.0.3");
    CHECK((co_await other.async_ask(ping))["ok"] == true);
    CHECK((co_await flood[0].async_ask(ping))["ok"] == true);
    CHECK(server->connection_count() == 4);
    // A connection given back makes room for that source again.
    flood[2].close();
    co_await async_until([&] { return server->connection_count("127.0.0.2") == 2; });
    auto again = co_await RawPeer::async_connect(port, "127.0.0.2");
    CHECK((co_await again.async_ask(ping))["ok"] == true);
  });
}

TEST_CASE("wire: the server counts an IPv6 source by its /64 and an IPv4-mapped one as IPv4",
          "[wire]") {
  namespace ip = boost::asio::ip;
  CHECK(source_of(ip::make_address("192.0.2.7")) == "192.0.2.7");
  CHECK(source_of(ip::make_address("::ffff:192.0.2.7")) == "192.0.2.7");
  CHECK(source_of(ip::make_address("2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::/64");
  CHECK(source_of(ip::make_address("2001:db8:1:2::9")) == "2001:db8:1:2::/64");
}

TEST_CASE("wire: a handler still running keeps its connection from counting as idle", "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ServerOptions options;
    options.idle_timeout = std::chrono::milliseconds(50);
    std::uint16_t port = 0;
    auto server = started_server(ex, options, port, [](Server& s) {
      s.handle("sleepy", [](Request) -> asio::awaitable<Reply> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(std::chrono::milliseconds(300));  // six idle timeouts
        co_await timer.async_wait(use_tuple);
        co_return Reply::success();
      });
    });
    auto peer = co_await RawPeer::async_connect(port);
    const Json reply = co_await peer.async_ask("{\"id\":1,\"op\":\"sleepy\"}\n");
    CHECK(reply["ok"] == true);
  });
}

TEST_CASE("wire: an oversize frame gets frame_too_large and then the connection closes", "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    ServerOptions options;
    options.frame_bytes_max = 1024;
    std::uint16_t port = 0;
    auto server = started_server(ex, options, port);
    auto bystander = co_await RawPeer::async_connect(port);
    auto peer = co_await RawPeer::async_connect(port);
    CHECK((co_await peer.async_ask("{\"id\":1,\"op\":\"ping\"}\n"))["ok"] == true);
    co_await peer.async_send("{\"id\":2,\"op\":\"ping\",\"pad\":\"" + std::string(4096, 'x') +
                             "\"}\n");
    const Json error = co_await peer.async_read_json();
    CHECK(error["id"].is_null());
    CHECK(error["error"]["code"] == auction::code::frame_too_large);
    const bool is_closed = co_await peer.async_is_closed_by_peer();
    CHECK(is_closed);
    CHECK((co_await bystander.async_ask("{\"id\":3,\"op\":\"ping\"}\n"))["ok"] == true);
  });
}

TEST_CASE("wire: a peer that disconnects mid-frame is forgotten and disturbs no one", "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    auto server = started_server(ex, {}, port);
    auto bystander = co_await RawPeer::async_connect(port);
    CHECK((co_await bystander.async_ask("{\"id\":1,\"op\":\"ping\"}\n"))["ok"] == true);
    auto peer = co_await RawPeer::async_connect(port);
    co_await peer.async_send("{\"id\":1,\"op\":\"pi");
    co_await async_until([&] { return server->connection_count() == 2; });
    peer.close();
    co_await async_until([&] { return server->connection_count() == 1; });
    CHECK((co_await bystander.async_ask("{\"id\":2,\"op\":\"ping\"}\n"))["ok"] == true);
  });
}

TEST_CASE("wire: a peer that stops sending still gets every reply before the close", "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    Gate gate(ex);
    std::uint16_t port = 0;
    auto server = started_server(ex, {}, port, [&](Server& s) {
      s.handle("slow", [&](Request) -> asio::awaitable<Reply> {
        co_await gate.async_wait();
        co_return Reply::success();
      });
    });
    auto peer = co_await RawPeer::async_connect(port);
    // What `printf '...' | nc host port` does: every line, then end of input.
    co_await peer.async_send("{\"id\":1,\"op\":\"slow\"}\n{\"id\":2,\"op\":\"ping\"}\nhello\n");
    peer.shutdown_send();
    std::set<Json> ids;
    for (int i = 0; i < 2; ++i) ids.insert((co_await peer.async_read_json())["id"]);
    CHECK(ids == std::set<Json>{2, nullptr});
    gate.open();
    const Json slow = co_await peer.async_read_json();
    CHECK(slow["id"] == 1);
    const bool is_closed = co_await peer.async_is_closed_by_peer();
    CHECK(is_closed);
  });
}

TEST_CASE("wire: a handler that throws answers internal and the connection goes on", "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    auto server = started_server(ex, {}, port, [](Server& s) {
      s.handle("boom", [](Request) -> asio::awaitable<Reply> {
        throw std::runtime_error("handler bug");
        co_return Reply::success();
      });
    });
    auto peer = co_await RawPeer::async_connect(port);
    const Json error = co_await peer.async_ask("{\"id\":1,\"op\":\"boom\"}\n");
    CHECK(error["id"] == 1);
    CHECK(error["error"]["code"] == auction::code::internal);
    CHECK((co_await peer.async_ask("{\"id\":2,\"op\":\"ping\"}\n"))["ok"] == true);
  });
}

TEST_CASE("wire: starting on a port in use is an address_in_use error", "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    auto server = started_server(ex, {}, port);
    ServerOptions options;
    options.port = port;
    Server second(ex, options);
    const auto result = second.start();
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == auction::code::address_in_use);

    ServerOptions bad_address;
    bad_address.address = "not an address";
    Server third(ex, bad_address);
    CHECK(third.start().error().code == auction::code::bind_failed);
    co_return;
  });
}

TEST_CASE("wire: stop closes every connection and frees the port", "[wire]") {
  run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    auto server = started_server(ex, {}, port);
    auto peer = co_await RawPeer::async_connect(port);
    CHECK((co_await peer.async_ask("{\"id\":1,\"op\":\"ping\"}\n"))["ok"] == true);
    server->stop();
    const bool is_closed = co_await peer.async_is_closed_by_peer();
    CHECK(is_closed);
    ServerOptions again;
    again.port = port;
    Server successor(ex, again);
    CHECK(successor.start() == port);
  });
}

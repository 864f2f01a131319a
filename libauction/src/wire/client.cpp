// Client implementation: see auction/wire/client.hpp.
//
// A Connection pairs a LineChannel with the table of calls waiting for replies. Each waiting
// call sleeps on its own timer set to its deadline; the reader coroutine stores the reply and
// cancels the timer to wake it. A call that wakes without a reply has timed out and removes
// itself from the table, so a late reply finds no one and is dropped.
#include "wire/client.hpp"

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "line_channel.hpp"
#include "wire/spawn.hpp"
#include "wire/tls_context.hpp"

namespace auction::wire {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

struct PendingCall {
  explicit PendingCall(const asio::any_io_executor& ex) : wake(ex) {}
  asio::steady_timer wake;               // expires at the deadline; cancelled on an outcome
  std::optional<Result<Reply>> outcome;  // set by the reader, or by fail_all
};

struct Connection {
  explicit Connection(std::shared_ptr<detail::LineChannel> ch) : channel(std::move(ch)) {}

  // Every waiting call gets `error`; the connection is closed.
  void fail_all(const Error& error) {
    channel->close();
    for (auto& [id, call] : pending) {
      call->outcome = std::unexpected(error);
      call->wake.cancel();
    }
    pending.clear();
  }

  std::shared_ptr<detail::LineChannel> channel;
  // Calls waiting for a reply, by request id. A PendingCall lives in its caller's coroutine
  // frame and removes itself before that frame ends.
  std::unordered_map<std::int64_t, PendingCall*> pending;
};

// Reads replies until the connection ends, then fails whatever still waits.
asio::awaitable<void> async_read_replies(std::shared_ptr<Connection> connection,
                                         EnvelopeLimits limits) {
  for (;;) {
    auto frame = co_await connection->channel->async_read_frame();
    if (!frame) {
      // Whatever waits was handed to this connection: the server may have acted on it.
      Error error = frame.error();
      if (error.code == code::unavailable) {
        error = Error{code::connection_lost,
                      "the connection dropped before the reply (" + error.message + ")"};
      }
      connection->fail_all(error);
      co_return;
    }
    auto response = parse_response(*frame, limits);
    if (!response) {
      connection->fail_all(response.error());
      co_return;
    }
    if (response->id.is_null()) {
      // The server could not tie this answer to a request of ours (it refuses the
      // connection, or it could not read what we sent): nothing waiting can succeed.
      connection->fail_all(response->reply.ok ? Error{code::bad_response, "reply without id"}
                                              : response->reply.to_error());
      co_return;
    }
    if (!response->id.is_number_integer()) continue;  // not an id this client ever sends
    const auto it = connection->pending.find(response->id.get<std::int64_t>());
    if (it == connection->pending.end()) continue;  // a late reply to a call that timed out
    it->second->outcome = std::move(response->reply);
    it->second->wake.cancel();
    connection->pending.erase(it);
  }
}

}  // namespace

struct Client::State : std::enable_shared_from_this<Client::State> {
  State(asio::any_io_executor ex, ClientOptions opts)
      : executor(std::move(ex)),
        options(std::move(opts)),
        connected(executor, asio::steady_timer::time_point::max()) {}

  // The open connection, making one if needed. Errors: unavailable.
  asio::awaitable<Result<std::shared_ptr<Connection>>> async_connection(Clock::time_point expiry);
  // A fresh channel made ready for calls: its TLS handshake and the server's name checked,
  // its reader started. Errors: unavailable.
  asio::awaitable<Result<std::shared_ptr<Connection>>> async_secure(
      std::shared_ptr<detail::LineChannel> channel, Clock::time_point expiry,
      const std::string& where);
  // options.greeting on a connection just made.
  asio::awaitable<Result<void>> async_greet(std::shared_ptr<Connection> made,
                                            Clock::time_point expiry);
  // async_exchange() while the State is there (for the greeting's calls).
  static asio::awaitable<Result<Reply>> async_exchange_on(std::weak_ptr<State> weak,
                                                          std::shared_ptr<Connection> on,
                                                          PreparedRequest request,
                                                          Clock::time_point expiry);
  // One request on `on` and its reply, by `expiry`.
  asio::awaitable<Result<Reply>> async_exchange(std::shared_ptr<Connection> on,
                                                PreparedRequest request, Clock::time_point expiry);

  asio::any_io_executor executor;
  ClientOptions options;
  std::shared_ptr<Connection> connection;  // null or closed: the next call connects
  // Never expires (re-arming would cancel other waiters); cancel() when a connection attempt
  // ends wakes every call that waits for it.
  asio::steady_timer connected;
  bool is_connecting = false;
  bool is_destroyed = false;  // the Client is gone: a connection finishing now is dropped
  std::int64_t next_id = 1;
  std::size_t calls = 0;  // calls in async_call now, bounded by options.in_flight_max
};

asio::awaitable<Result<std::shared_ptr<Connection>>> Client::State::async_connection(
    Clock::time_point expiry) {
  // Another call is connecting: wait for its attempt, which connect_timeout bounds (this
  // call's own deadline is checked once it ends).
  while (is_connecting) {
    co_await connected.async_wait(use_tuple);
  }
  if (connection && connection->channel->is_open()) co_return connection;

  const auto where = options.host + ":" + std::to_string(options.port);
  is_connecting = true;
  struct Attempt {
    explicit Attempt(const asio::any_io_executor& ex) : socket(ex), guard(ex) {}
    tcp::socket socket;
    asio::steady_timer guard;
    bool is_timed_out = false;
  };
  auto attempt = std::make_shared<Attempt>(executor);
  attempt->guard.expires_at(std::min(expiry, Clock::now() + options.connect_timeout));
  attempt->guard.async_wait([attempt](boost::system::error_code ec) {
    if (ec) return;
    attempt->is_timed_out = true;
    boost::system::error_code ignored;
    attempt->socket.close(ignored);
  });
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(options.host, std::to_string(options.port), use_tuple);
  boost::system::error_code connect_ec = resolve_ec;
  if (!resolve_ec && !attempt->is_timed_out) {
    auto [ec, endpoint] = co_await asio::async_connect(attempt->socket, endpoints, use_tuple);
    connect_ec = ec;
  }
  attempt->guard.cancel();
  if (is_destroyed || attempt->is_timed_out || connect_ec) {
    is_connecting = false;
    connected.cancel();
    if (is_destroyed) co_return fail(code::unavailable, "the client was destroyed");
    if (attempt->is_timed_out) {
      co_return fail(code::unavailable, "connecting to " + where + " timed out");
    }
    co_return fail(code::unavailable, "cannot connect to " + where + ": " + connect_ec.message());
  }
  auto channel = std::make_shared<detail::LineChannel>(std::move(attempt->socket),
                                                       options.frame_bytes_max, options.tls);
  auto made = co_await async_secure(std::move(channel), expiry, where);
  if (made && options.greeting && !is_destroyed) {
    auto greeted = co_await async_greet(*made, expiry);
    if (!greeted) {
      (*made)->fail_all(greeted.error());
      made = std::unexpected(std::move(greeted.error()));
    }
  }
  is_connecting = false;
  connected.cancel();
  if (!made) co_return made;
  if (is_destroyed) {
    (*made)->fail_all(Error{code::unavailable, "the client was destroyed"});
    co_return fail(code::unavailable, "the client was destroyed");
  }
  connection = *made;
  co_return connection;
}

asio::awaitable<Result<std::shared_ptr<Connection>>> Client::State::async_secure(
    std::shared_ptr<detail::LineChannel> channel, Clock::time_point expiry,
    const std::string& where) {
  if (channel->is_tls()) {
    // The handshake is part of connecting: within connect_timeout, and other calls wait.
    const auto left = std::min(expiry, Clock::now() + options.connect_timeout) - Clock::now();
    auto handshake = co_await channel->async_handshake(
        false, std::max(std::chrono::duration_cast<std::chrono::milliseconds>(left),
                        std::chrono::milliseconds(1)));
    if (!handshake) {
      co_return fail(code::unavailable, where + ": " + handshake.error().message);
    }
    const std::optional<std::string> name = verified_peer_name(channel->native_tls());
    if (!name || (options.accepts_server_name && !options.accepts_server_name(*name))) {
      channel->close();
      co_return fail(code::unavailable, where + " presented a certificate for \"" +
                                            name.value_or("?") +
                                            "\", which is not a server of this cluster");
    }
  }
  auto made = std::make_shared<Connection>(std::move(channel));
  spawn_logged(executor, async_read_replies(made, options.envelope), "wire client reader");
  co_return made;
}

asio::awaitable<Result<void>> Client::State::async_greet(std::shared_ptr<Connection> made,
                                                         Clock::time_point expiry) {
  NewConnection greeted;
  greeted.channel_binding = channel_binding(made->channel->native_tls());
  // Not a coroutine lambda: g++ 12 destroys a coroutine lambda's captures twice.
  greeted.call = [weak = weak_from_this(), made, expiry](std::string op, Json fields) {
    return async_exchange_on(weak, made, PreparedRequest(op, fields), expiry);
  };
  co_return co_await options.greeting(std::move(greeted));
}

asio::awaitable<Result<Reply>> Client::State::async_exchange(std::shared_ptr<Connection> on,
                                                             PreparedRequest request,
                                                             Clock::time_point expiry) {
  const std::int64_t id = next_id++;
  std::string head = PreparedRequest::head(id);
  if (head.size() + request.tail()->size() - 1 > options.frame_bytes_max) {
    co_return fail(code::frame_too_large, "request for \"" + request.op() + "\" is longer than " +
                                              std::to_string(options.frame_bytes_max) + " bytes");
  }
  if (!on->channel->is_open()) co_return fail(code::unavailable, "the connection dropped");
  PendingCall call(executor);
  call.wake.expires_at(expiry);
  on->pending.emplace(id, &call);
  on->channel->send(std::move(head), request.tail());
  if (!call.outcome) co_await call.wake.async_wait(use_tuple);
  on->pending.erase(id);
  if (call.outcome) co_return std::move(*call.outcome);
  co_return fail(code::timeout, "\"" + request.op() + "\" got no reply in time");
}

asio::awaitable<Result<Reply>> Client::State::async_exchange_on(std::weak_ptr<State> weak,
                                                                std::shared_ptr<Connection> on,
                                                                PreparedRequest request,
                                                                Clock::time_point expiry) {
  auto self = weak.lock();
  if (!self) co_return fail(code::unavailable, "the client was destroyed");
  co_return co_await self->async_exchange(std::move(on), std::move(request), expiry);
}

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(options))) {}

Client::~Client() {
  state_->is_destroyed = true;
  close();
}

void Client::close() {
  if (state_->connection) {
    state_->connection->fail_all(
        Error{code::connection_lost, "the client closed the connection before the reply"});
    state_->connection.reset();
  }
}

asio::awaitable<Result<Reply>> Client::async_call(std::string op, Json fields,
                                                  std::chrono::milliseconds deadline) {
  co_return co_await async_call(PreparedRequest(op, fields), deadline);
}

asio::awaitable<Result<Reply>> Client::async_call(PreparedRequest request,
                                                  std::chrono::milliseconds deadline) {
  auto state = state_;  // keeps the state alive even if the Client goes away meanwhile
  const std::string op = request.op();
  const auto expiry = Clock::now() + deadline;
  if (state->calls >= state->options.in_flight_max) {
    co_return fail(code::overloaded, "too many calls in flight on this client");
  }
  ++state->calls;
  struct CallCount {
    std::size_t& calls;
    ~CallCount() { --calls; }
  } call_count{state->calls};

  auto connection = co_await state->async_connection(expiry);
  if (!connection) co_return std::unexpected(std::move(connection.error()));
  if (Clock::now() >= expiry) co_return fail(code::timeout, "\"" + op + "\" timed out");
  co_return co_await state->async_exchange(*connection, std::move(request), expiry);
}

}  // namespace auction::wire

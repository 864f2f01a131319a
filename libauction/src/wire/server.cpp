// Server implementation: see auction/wire/server.hpp.
//
// One Session per connection runs three kinds of coroutine: the reader (frames in, requests
// dispatched, backpressure at in_flight_max), one coroutine per request (the handler, then
// its reply queued), and the watchdog (idle timeout). Connections are counted per source
// (source_of()) as well as in all, and refused with one line beyond either limit. The LineChannel's
// writer sends replies in the order they become ready.
#include "wire/server.hpp"

#include <cstdio>
#include <map>
#include <optional>
#include <unordered_set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/assert.hpp"
#include "auction/base/error_codes.hpp"
#include "auction/base/log.hpp"
#include "line_channel.hpp"
#include "wire/acceptor.hpp"
#include "wire/spawn.hpp"
#include "wire/tls_context.hpp"

namespace auction::wire {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// How long a refused or oversize-frame connection may take to read our last line.
constexpr auto linger_time = std::chrono::seconds(2);
// Input read and dropped while closing gracefully, at most.
constexpr std::size_t drain_bytes_max = 256 * 1024;

// The one plain line a TLS port answers to a plain-text request.
std::string tls_required_line() {
  return encode_reply(
      nullptr, Reply::failure(Error{code::tls_required,
                                    "this port speaks TLS (TLS 1.3; the server's certificate is "
                                    "signed by the cluster's CA, ca.crt): e.g. openssl s_client "
                                    "-quiet -CAfile ca.crt -connect HOST:PORT"}));
}
}  // namespace

class Session;

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(asio::any_io_executor ex, ServerOptions opts)
      : executor(std::move(ex)), options(std::move(opts)) {}

  asio::any_io_executor executor;
  ServerOptions options;
  std::map<std::string, Handler, std::less<>> handlers;  // fixed once started
  std::optional<tcp::acceptor> acceptor;
  std::unordered_set<Session*> sessions;  // each Session adds and removes itself
  // Sessions by source (source_of()); each Session counts itself. No zero counts are kept.
  std::map<std::string, std::size_t, std::less<>> per_source;
  std::size_t refusing = 0;  // refused connections still saying `overloaded`
  bool is_started = false;
  bool is_stopped = false;

  asio::awaitable<void> async_accept_loop(std::shared_ptr<State> self);
  asio::awaitable<void> async_refuse(std::shared_ptr<State> self, tcp::socket socket, Error why);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Server::State> state, tcp::socket socket, std::string source)
      : state_(std::move(state)),
        source_(std::move(source)),
        channel_(std::make_shared<detail::LineChannel>(
            std::move(socket), state_->options.frame_bytes_max, state_->options.tls)),
        room_(state_->executor, asio::steady_timer::time_point::max()),
        watchdog_(state_->executor) {
    state_->sessions.insert(this);
    ++state_->per_source[source_];
  }
  ~Session() {
    state_->sessions.erase(this);
    const auto it = state_->per_source.find(source_);
    if (it != state_->per_source.end() && --it->second == 0) state_->per_source.erase(it);
  }

  asio::awaitable<void> async_run() {
    auto self = shared_from_this();
    if (channel_->is_tls()) {
      auto handshake = co_await channel_->async_handshake(true, state_->options.handshake_timeout);
      if (!handshake && handshake.error().code == code::tls_required) {
        std::string refusal = tls_required_line();  // (no temporaries around a co_await: g++ 12)
        co_await channel_->async_refuse_in_plain_text(std::move(refusal));
      }
      if (!handshake) {
        close();
        co_return;
      }
      connection_->channel_binding = channel_binding(channel_->native_tls());
      connection_->client_certificate_name =
          verified_peer_name(channel_->native_tls()).value_or(std::string());
    }
    std::weak_ptr<Session> weak = self;
    channel_->set_on_change([weak] {
      if (auto session = weak.lock()) session->on_channel_change();
    });
    spawn_logged(state_->executor, async_watch(self), "wire server watchdog");
    for (;;) {
      while (running_ + channel_->queued_frames() >= state_->options.in_flight_max &&
             channel_->is_open()) {
        co_await room_.async_wait(use_tuple);
      }
      auto frame = co_await channel_->async_read_frame();
      if (!frame) {
        if (frame.error().code == code::frame_too_large) {
          const auto limit = std::to_string(state_->options.frame_bytes_max);
          channel_->send(encode_reply(
              nullptr, Reply::failure(
                           Error{code::frame_too_large, "frame longer than " + limit + " bytes"})));
          co_await channel_->async_finish(drain_bytes_max);
        } else if (channel_->has_peer_finished()) {
          // The peer sent all it will send (`nc` does so when its input ends) but may still
          // read: answer everything it asked before closing.
          while (channel_->is_open() && running_ + channel_->queued_frames() > 0) {
            co_await room_.async_wait(use_tuple);
          }
        }
        close();
        co_return;
      }
      dispatch(std::move(*frame));
    }
  }

  void close() {
    channel_->close();
    room_.cancel();
    watchdog_.cancel();
  }

 private:
  void on_channel_change() {
    room_.cancel();
    if (!channel_->is_open()) watchdog_.cancel();
    // The idle_timeout line is written: nothing more to say.
    if (is_idle_closing_ && channel_->queued_frames() == 0) close();
  }

  void dispatch(std::string line) {
    // A request that crossed the idle_timeout line is not served: the peer reads that line
    // as the answer to everything it has in flight, so nothing of it may happen.
    if (is_idle_closing_) return;
    auto request = parse_request(line, state_->options.envelope);
    if (!request) {
      channel_->send(encode_reply(request.error().id, Reply::failure(request.error().error)));
      return;
    }
    const auto it = state_->handlers.find(request->op);
    if (it == state_->handlers.end()) {
      channel_->send(encode_reply(
          request->id,
          Reply::failure(Error{code::unknown_op, "no op named \"" + request->op + "\" here"})));
      return;
    }
    request->source = source_;
    request->connection = connection_;
    ++running_;
    spawn_logged(state_->executor, async_serve(shared_from_this(), it->second, std::move(*request)),
                 "wire server handler");
  }

  // `handler` lives in State::handlers, which never changes after start() and outlives
  // every session (sessions hold the State).
  asio::awaitable<void> async_serve(std::shared_ptr<Session> /*keep_alive*/, const Handler& handler,
                                    Request request) {
    Json id = request.id;
    const std::string op = request.op;
    Reply reply;
    try {
      reply = co_await handler(std::move(request));
    } catch (const std::exception& e) {
      log_line("wire server", "handler of \"" + op + "\" threw: " + e.what());
      reply = Reply::failure(Error{code::internal, "the handler of \"" + op + "\" failed"});
    }
    --running_;
    channel_->send(encode_reply(id, reply));
    room_.cancel();
  }

  // Closes the connection once nothing has moved for idle_timeout, after one idle_timeout
  // line. A request still being handled counts as activity: its slowness is the handler's
  // business, not the peer's. The peer sent nothing for that long, so there is no unread
  // input that could make the close a reset: the line is written, then the socket closed
  // (on_channel_change), or closed anyway after linger_time if the peer does not read.
  asio::awaitable<void> async_watch(std::shared_ptr<Session> /*keep_alive*/) {
    const auto idle = state_->options.idle_timeout;
    while (channel_->is_open()) {
      const auto now = detail::LineChannel::Clock::now();
      const auto deadline = channel_->last_activity() + idle;
      // Replies still queued do not count: a peer that stops reading moves no bytes either.
      if (running_ == 0 && now >= deadline) {
        is_idle_closing_ = true;
        channel_->send(encode_reply(
            nullptr, Reply::failure(Error{code::idle_timeout,
                                          "nothing was sent for " + std::to_string(idle.count()) +
                                              " ms; closing (connect again to go on)"})));
        watchdog_.expires_after(linger_time);
        co_await watchdog_.async_wait(use_tuple);
        close();
        co_return;
      }
      watchdog_.expires_at(running_ == 0 ? deadline : now + idle);
      co_await watchdog_.async_wait(use_tuple);
    }
  }

  std::shared_ptr<Server::State> state_;
  const std::string source_;  // source_of() the peer's address
  // Shared with every request of this connection (envelope.hpp).
  std::shared_ptr<ConnectionContext> connection_ = std::make_shared<ConnectionContext>();
  std::shared_ptr<detail::LineChannel> channel_;
  asio::steady_timer room_;       // never expires; cancel() when a reply is sent wakes the reader
  asio::steady_timer watchdog_;   // idle timeout
  std::size_t running_ = 0;       // handlers started whose reply is not yet queued
  bool is_idle_closing_ = false;  // the idle_timeout line is queued: close once written
};

asio::awaitable<void> Server::State::async_accept_loop(std::shared_ptr<State> self) {
  const OnAcceptFailure on_failure = [](const std::string& why) {
    log_line("wire server", "accept failed: " + why);
  };
  const OnConnection on_connection = [&](tcp::socket socket) {
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec) return;  // already gone: the socket closes as it goes out of scope
    std::string source = source_of(peer.address());
    std::optional<Error> refusal;
    if (sessions.size() >= options.connections_max) {
      refusal = Error{code::overloaded, "too many connections; try later"};
    } else if (const auto it = per_source.find(source);
               it != per_source.end() && it->second >= options.connections_per_address_max) {
      refusal = Error{code::too_many_connections,
                      "too many connections from " + source + " (at most " +
                          std::to_string(options.connections_per_address_max) +
                          "); close one or try later"};
    }
    if (refusal) {
      if (refusing < options.connections_max) {
        spawn_logged(executor, async_refuse(self, std::move(socket), std::move(*refusal)),
                     "wire server refusal");
      }
      return;  // beyond that, the socket closes unanswered as it goes out of scope
    }
    auto session = std::make_shared<Session>(self, std::move(socket), std::move(source));
    spawn_logged(executor, session->async_run(), "wire server session");
  };
  co_await async_accept_each(*acceptor, is_stopped, on_failure, on_connection);
}

asio::awaitable<void> Server::State::async_refuse(std::shared_ptr<State> /*keep_alive*/,
                                                  tcp::socket socket, Error why) {
  ++refusing;
  auto channel = std::make_shared<detail::LineChannel>(std::move(socket), 1, options.tls);
  if (channel->is_tls()) {
    const auto handshake = co_await channel->async_handshake(true, linger_time);
    if (!handshake) {
      --refusing;
      co_return;
    }
  }
  channel->send(encode_reply(nullptr, Reply::failure(why)));
  asio::steady_timer guard(executor);
  guard.expires_after(linger_time);
  guard.async_wait([channel](boost::system::error_code ec) {
    if (!ec) channel->close();
  });
  co_await channel->async_finish(drain_bytes_max);
  guard.cancel();
  --refusing;
}

Server::Server(asio::any_io_executor executor, ServerOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(options))) {
  AUCTION_ASSERT(state_->options.in_flight_max > 0, "in_flight_max must be positive");
  AUCTION_ASSERT(state_->options.connections_per_address_max > 0,
                 "connections_per_address_max must be positive");
  handle("ping", [](Request) -> asio::awaitable<Reply> { co_return Reply::success(); });
}

Server::~Server() { stop(); }

void Server::handle(std::string op, Handler handler) {
  AUCTION_ASSERT(!state_->is_started, "register handlers before start()");
  AUCTION_ASSERT(handler != nullptr, "a handler must be callable");
  const bool is_new = state_->handlers.emplace(std::move(op), std::move(handler)).second;
  AUCTION_ASSERT(is_new, "an op may have only one handler");
}

Result<std::uint16_t> Server::start() {
  AUCTION_ASSERT(!state_->is_started, "start() is called once");
  state_->is_started = true;
  auto acceptor = bind_acceptor(state_->executor, state_->options.address, state_->options.port);
  if (!acceptor) return std::unexpected(acceptor.error());
  const auto port = acceptor->local_endpoint().port();
  state_->acceptor.emplace(std::move(*acceptor));
  spawn_logged(state_->executor, state_->async_accept_loop(state_), "wire server accept");
  return port;
}

void Server::stop() {
  if (state_->is_stopped) return;
  state_->is_stopped = true;
  if (state_->acceptor) {
    boost::system::error_code ignored;
    state_->acceptor->close(ignored);
  }
  // close() never destroys a session synchronously (its coroutines hold it), so iterating
  // the set while closing is safe.
  for (Session* session : state_->sessions) session->close();
}

std::size_t Server::connection_count() const { return state_->sessions.size(); }

std::size_t Server::connection_count(const std::string& source) const {
  const auto it = state_->per_source.find(source);
  return it == state_->per_source.end() ? 0 : it->second;
}

}  // namespace auction::wire

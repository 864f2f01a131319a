// PeerLink: see peer_link.hpp.
//
// One sender coroutine per link does everything in order: wait for frames, connect and
// authenticate when there is no connection (after the backoff, if the last try failed), then
// write every queued frame at once. A watcher coroutine per connection reads from it, which only
// ever ends in EOF or an error, and so tells the link the moment the peer goes away.
#include "raft/peer_link.hpp"

#include <cstdio>
#include <deque>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "auction/base/log.hpp"
#include "auction/raft/member_certificate.hpp"
#include "raft/peer_stream.hpp"
#include "wire/spawn.hpp"
#include "wire/tls_context.hpp"

namespace auction::raft::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;
using TlsStream = asio::ssl::stream<tcp::socket>;

void close(TlsStream& stream) {
  boost::system::error_code ignored;
  stream.lowest_layer().close(ignored);
}
}  // namespace

struct PeerLink::State {
  State(asio::any_io_executor ex, PeerLinkOptions opts)
      : executor(std::move(ex)),
        options(std::move(opts)),
        wake(executor),
        backoff(options.backoff_min) {}

  asio::awaitable<void> async_send_loop(std::shared_ptr<State> self);
  asio::awaitable<bool> async_connect();
  asio::awaitable<void> async_watch(std::shared_ptr<State> self,
                                    std::shared_ptr<TlsStream> watched);
  void take_batch(std::string& batch);
  void on_failure(const std::string& reason);
  void on_success();
  void drop_connection() {
    if (!socket) return;
    close(*socket);
    socket.reset();
  }

  asio::any_io_executor executor;
  PeerLinkOptions options;
  std::shared_ptr<TlsStream> socket;  // null: not connected
  asio::steady_timer wake;            // the sender sleeps on it; cancelled when there is news
  std::deque<std::string> queue;      // frames, oldest first
  std::size_t queue_bytes = 0;
  Clock::time_point retry_at{};  // while unreachable: no connection attempt before this
  std::chrono::milliseconds backoff;
  bool is_unreachable = false;
  bool is_stopped = false;
};

asio::awaitable<void> PeerLink::State::async_send_loop(std::shared_ptr<State> self) {
  std::string batch;
  while (!is_stopped) {
    if (queue.empty()) {
      wake.expires_at(Clock::time_point::max());
      co_await wake.async_wait(use_tuple);
      continue;
    }
    if (!socket) {
      if (Clock::now() < retry_at) {
        wake.expires_at(retry_at);
        co_await wake.async_wait(use_tuple);
        continue;
      }
      if (!co_await async_connect()) continue;
      wire::spawn_logged(executor, async_watch(self, socket), "raft peer watcher");
      batch.assign(peer_greeting);
    }
    take_batch(batch);
    // A write that the peer does not take within write_timeout means a stuck peer: drop
    // the connection (and the batch: Raft resends what matters).
    auto writing = socket;
    asio::steady_timer guard(executor);
    guard.expires_after(options.write_timeout);
    guard.async_wait([writing](boost::system::error_code ec) {
      if (!ec) close(*writing);
    });
    auto [ec, written] = co_await asio::async_write(*writing, asio::buffer(batch), use_tuple);
    guard.cancel();
    batch.clear();
    if (is_stopped) co_return;
    if (ec) {
      if (socket == writing) drop_connection();
      on_failure(ec == asio::error::operation_aborted ? "a write timed out" : ec.message());
      continue;
    }
    on_success();
  }
}

asio::awaitable<bool> PeerLink::State::async_connect() {
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(options.host, std::to_string(options.port), use_tuple);
  if (is_stopped) co_return false;
  if (resolve_ec) {
    on_failure("cannot resolve " + options.host + ": " + resolve_ec.message());
    co_return false;
  }
  auto fresh = std::make_shared<TlsStream>(executor, *options.tls);
  asio::steady_timer guard(executor);
  // Shared with the guard's handler, which may run after this coroutine has returned.
  const auto is_timed_out = std::make_shared<bool>(false);
  const auto arm = [&] {
    guard.expires_after(options.connect_timeout);
    guard.async_wait([fresh, is_timed_out](boost::system::error_code ec) {
      if (ec) return;
      *is_timed_out = true;
      close(*fresh);
    });
  };
  arm();
  auto [ec, endpoint] = co_await asio::async_connect(fresh->lowest_layer(), endpoints, use_tuple);
  guard.cancel();
  if (is_stopped) co_return false;
  if (ec) {
    on_failure(*is_timed_out ? "connecting timed out" : ec.message());
    co_return false;
  }
  boost::system::error_code ignored;
  fresh->lowest_layer().set_option(tcp::no_delay(true), ignored);
  arm();
  auto [handshake_ec] = co_await fresh->async_handshake(asio::ssl::stream_base::client, use_tuple);
  guard.cancel();
  if (is_stopped) co_return false;
  if (handshake_ec) {
    close(*fresh);
    on_failure(*is_timed_out ? "the TLS handshake timed out"
                             : "the TLS handshake failed: " + handshake_ec.message());
    co_return false;
  }
  const std::string expected = member_certificate_name(options.peer);
  const auto name = wire::verified_peer_name(fresh->native_handle());
  if (name != expected) {
    close(*fresh);
    on_failure("it presented a certificate for \"" + name.value_or("?") + "\", not " + expected);
    co_return false;
  }
  socket = std::move(fresh);
  co_return true;
}

asio::awaitable<void> PeerLink::State::async_watch(std::shared_ptr<State> /*keep_alive*/,
                                                   std::shared_ptr<TlsStream> watched) {
  char byte = 0;
  // The peer never writes on this connection: the read ends only when it goes away.
  auto [ec, n] = co_await watched->async_read_some(asio::buffer(&byte, 1), use_tuple);
  if (is_stopped || socket != watched) co_return;  // stopped, or we dropped it ourselves
  drop_connection();
  on_failure(ec ? "the connection was lost: " + ec.message() : "it wrote to a one-way link");
  wake.cancel();
  if (options.on_connection_lost) options.on_connection_lost();
}

void PeerLink::State::take_batch(std::string& batch) {
  do {
    batch += queue.front();
    queue_bytes -= queue.front().size();
    queue.pop_front();
  } while (!queue.empty() && batch.size() + queue.front().size() <= options.write_bytes_max);
}

void PeerLink::State::on_failure(const std::string& reason) {
  if (!is_unreachable) {
    log_line(options.log_name, options.peer_name + " (" + options.host + ":" +
                                   std::to_string(options.port) + ") is unreachable: " + reason);
  }
  // The first failure after a success retries soon; repeated ones back off.
  retry_at = Clock::now() + backoff;
  backoff = std::min(backoff * 2, options.backoff_max);
  is_unreachable = true;
}

void PeerLink::State::on_success() {
  if (is_unreachable) {
    log_line(options.log_name, options.peer_name + " is reachable again");
  }
  is_unreachable = false;
  backoff = options.backoff_min;
  retry_at = {};
}

PeerLink::PeerLink(asio::any_io_executor executor, PeerLinkOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(options))) {}

PeerLink::~PeerLink() { stop(); }

void PeerLink::start() {
  wire::spawn_logged(state_->executor, state_->async_send_loop(state_), "raft peer sender");
}

void PeerLink::send(const Message& message) {
  State& s = *state_;
  if (s.is_stopped) return;
  std::string frame;
  append_frame(frame, encode(message));
  while (!s.queue.empty() && (s.queue.size() >= s.options.queue_max ||
                              s.queue_bytes + frame.size() > s.options.queue_bytes_max)) {
    s.queue_bytes -= s.queue.front().size();
    s.queue.pop_front();
  }
  s.queue_bytes += frame.size();
  s.queue.push_back(std::move(frame));
  s.wake.cancel();
}

void PeerLink::stop() {
  State& s = *state_;
  if (s.is_stopped) return;
  s.is_stopped = true;
  s.queue.clear();
  s.queue_bytes = 0;
  s.wake.cancel();
  s.drop_connection();
}

}  // namespace auction::raft::detail

// PeerLink: see peer_link.hpp.
#include "raft/peer_link.hpp"

#include <cstdio>
#include <deque>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/wire/client.hpp"
#include "auction/wire/error_codes.hpp"
#include "auction/wire/spawn.hpp"
#include "raft/base64.hpp"

namespace auction::raft::detail {

namespace asio = boost::asio;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;
}  // namespace

struct PeerLink::State {
  State(asio::any_io_executor ex, PeerLinkOptions opts)
      : executor(std::move(ex)),
        options(std::move(opts)),
        client(executor, wire::ClientOptions{.host = options.host,
                                             .port = options.port,
                                             .connect_timeout = options.call_timeout,
                                             .frame_bytes_max = options.frame_bytes_max,
                                             .in_flight_max = options.in_flight_max,
                                             .envelope = {},
                                             .on_connection_lost = options.on_connection_lost}),
        wake(executor),
        backoff(options.backoff_min) {}

  asio::awaitable<void> async_send_loop(std::shared_ptr<State> self);
  asio::awaitable<void> async_deliver(std::shared_ptr<State> self, std::string body);
  void on_outcome(const Result<wire::Reply>& outcome);

  asio::any_io_executor executor;
  PeerLinkOptions options;
  wire::Client client;
  asio::steady_timer wake;  // the sender sleeps on it; cancelled when there is news
  std::deque<std::string> queue;  // base64 bodies, oldest first
  std::size_t queue_bytes = 0;
  std::size_t in_flight = 0;
  Clock::time_point retry_at{};  // while unreachable: no call before this
  std::chrono::milliseconds backoff;
  bool is_unreachable = false;
  std::string last_refusal;
  bool is_stopped = false;
};

asio::awaitable<void> PeerLink::State::async_send_loop(std::shared_ptr<State> self) {
  while (!is_stopped) {
    if (queue.empty() || in_flight >= options.in_flight_max) {
      wake.expires_at(Clock::time_point::max());
      co_await wake.async_wait(use_tuple);
      continue;
    }
    if (Clock::now() < retry_at) {
      wake.expires_at(retry_at);
      co_await wake.async_wait(use_tuple);
      continue;
    }
    std::string body = std::move(queue.front());
    queue.pop_front();
    queue_bytes -= body.size();
    ++in_flight;
    wire::spawn_logged(executor, async_deliver(self, std::move(body)), "raft peer call");
  }
}

asio::awaitable<void> PeerLink::State::async_deliver(std::shared_ptr<State> /*keep_alive*/,
                                                     std::string body) {
  wire::Json fields = wire::Json::object();
  fields[std::string("m")] = std::move(body);  // (no brace-init: g++ 12 coroutine bug)
  auto outcome = co_await client.async_call(std::string("raft"), std::move(fields),
                                            options.call_timeout);
  --in_flight;
  if (is_stopped) co_return;
  on_outcome(outcome);
  wake.cancel();
}

void PeerLink::State::on_outcome(const Result<wire::Reply>& outcome) {
  // Any reply, even a refusal, shows the peer is up; only a missing reply counts against it.
  if (outcome) {
    if (!outcome->ok && outcome->to_error().message != last_refusal) {
      last_refusal = outcome->to_error().message;  // once per reason, not once per message
      std::fprintf(stderr, "%s: %s refused a raft message: %s\n", options.log_name.c_str(),
                   options.peer_name.c_str(), outcome->to_error().message.c_str());
    }
    if (is_unreachable) {
      std::fprintf(stderr, "%s: %s is reachable again\n", options.log_name.c_str(),
                   options.peer_name.c_str());
    }
    is_unreachable = false;
    backoff = options.backoff_min;
    retry_at = {};
    return;
  }
  if (outcome.error().code == wire::code::frame_too_large) {
    // Our own message is over the limit: a configuration bug, not the peer's fault.
    std::fprintf(stderr, "%s: dropped a raft message to %s: %s\n", options.log_name.c_str(),
                 options.peer_name.c_str(), outcome.error().message.c_str());
    return;
  }
  if (!is_unreachable) {
    std::fprintf(stderr, "%s: %s (%s:%u) is unreachable: %s\n", options.log_name.c_str(),
                 options.peer_name.c_str(), options.host.c_str(),
                 static_cast<unsigned>(options.port), outcome.error().message.c_str());
  }
  // The calls in flight when a connection dies all fail together: that is one failed
  // attempt, so back off once for them, not once per call.
  const auto now = Clock::now();
  if (!is_unreachable || now >= retry_at) {
    retry_at = now + backoff;
    backoff = std::min(backoff * 2, options.backoff_max);
  }
  is_unreachable = true;
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
  std::string body = base64_encode(encode(message));
  while (!s.queue.empty() &&
         (s.queue.size() >= s.options.queue_max ||
          s.queue_bytes + body.size() > s.options.queue_bytes_max)) {
    s.queue_bytes -= s.queue.front().size();
    s.queue.pop_front();
  }
  s.queue_bytes += body.size();
  s.queue.push_back(std::move(body));
  s.wake.cancel();
}

void PeerLink::stop() {
  State& s = *state_;
  if (s.is_stopped) return;
  s.is_stopped = true;
  s.queue.clear();
  s.queue_bytes = 0;
  s.wake.cancel();
  s.client.close();
}

}  // namespace auction::raft::detail

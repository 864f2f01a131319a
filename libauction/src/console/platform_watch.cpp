// PlatformWatch: see platform_watch.hpp.
#include "console/platform_watch.hpp"

#include <chrono>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/limits.hpp"

namespace auction::console::detail {

namespace asio = boost::asio;

namespace {

// How long one watch waits on the replica for an event, and how long the watch rests after
// a call that failed before it asks again.
constexpr std::uint64_t wait_ms = 10'000;
constexpr std::chrono::seconds rest_after_failure{1};

}  // namespace

struct PlatformWatch::State {
  platform::Client& client;
  std::string username;
  PlatformListener listener;
  bool is_reachable;
  bool is_stopped = false;
  std::optional<asio::steady_timer> rest;  // while resting after a failure
};

namespace {

asio::awaitable<void> async_rest(PlatformWatch::State& s) {
  s.rest.emplace(co_await asio::this_coro::executor, rest_after_failure);
  co_await s.rest->async_wait(asio::as_tuple(asio::use_awaitable));
  s.rest.reset();
}

asio::awaitable<void> async_follow(std::shared_ptr<PlatformWatch::State> state) {
  PlatformWatch::State& s = *state;
  std::optional<std::uint64_t> after;  // the revision reached; none: ask where to start
  while (!s.is_stopped) {
    const std::uint64_t wait = after ? wait_ms : 0;
    // Named, not a temporary of the co_await: g++ 12 may destroy such a temporary twice.
    platform::Watch watch{s.username, after, platform::limits::watch_page_max, wait};
    auto page = co_await s.client.async_watch(std::move(watch));
    if (s.is_stopped) co_return;
    if (!page) {
      const Error& error = page.error();
      if (error.code == code::compacted) {
        after.reset();
        if (s.listener.on_missed) s.listener.on_missed();
        continue;
      }
      if (s.is_reachable) {
        s.is_reachable = false;
        if (s.listener.on_reachable) s.listener.on_reachable(false, &error);
      }
      co_await async_rest(s);
      continue;
    }
    if (!s.is_reachable) {
      s.is_reachable = true;
      if (s.listener.on_reachable) s.listener.on_reachable(true, nullptr);
    }
    for (const platform::WatchEvent& event : page->events) {
      if (s.is_stopped) co_return;
      if (s.listener.on_event) s.listener.on_event(event);
    }
    after = page->revision;
  }
}

}  // namespace

PlatformWatch::PlatformWatch(asio::any_io_executor executor, platform::Client& client,
                             std::string username, PlatformListener listener, bool is_reachable)
    : executor_(std::move(executor)),
      state_(std::make_shared<State>(
          State{client, std::move(username), std::move(listener), is_reachable, false, {}})) {}

PlatformWatch::~PlatformWatch() { stop(); }

void PlatformWatch::start() { asio::co_spawn(executor_, async_follow(state_), asio::detached); }

void PlatformWatch::stop() {
  state_->is_stopped = true;
  if (state_->rest) state_->rest->cancel();
}

}  // namespace auction::console::detail

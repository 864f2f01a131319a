// PlatformWatch: how a console program follows the platform while it runs (private to
// src/console/): a watch (docs/platform.md, "watch") as the program's user, long-polling the
// leader, and whether the platform can be reached.
//
// Each event the user may see goes to `on_event`, once and in order (the watch's revisions),
// across reconnects and leader changes. When the platform stops answering, `on_reachable`
// is called once with false and why; when it answers again, once with true. A watch that
// fell behind what the replicas keep (`compacted`) goes on from the current revision and
// says so through `on_missed`: the events in between are not shown (the `list` command
// shows the state).
// Threading: the program's executor; the client's calls run there. Never throws.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/watch_event.hpp"

namespace auction::platform {
class Client;
}

namespace auction::console::detail {

struct PlatformListener {
  std::function<void(const platform::WatchEvent&)> on_event;
  // false and why: the platform cannot be reached; true (and no error): it answers again.
  std::function<void(bool reachable, const Error* why)> on_reachable;
  std::function<void()> on_missed;
};

class PlatformWatch {
 public:
  // `client` acts as `username` and must outlive the watch. `is_reachable`: whether the
  // platform answered last (the program's login), so a platform that was down at the start
  // is not announced twice.
  PlatformWatch(boost::asio::any_io_executor executor, platform::Client& client,
                std::string username, PlatformListener listener, bool is_reachable);
  ~PlatformWatch();  // stop()s
  PlatformWatch(const PlatformWatch&) = delete;
  PlatformWatch& operator=(const PlatformWatch&) = delete;

  void start();
  // Ends the watch: nothing more is reported.
  void stop();

  struct State;  // shared with the watching coroutine

 private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<State> state_;
};

}  // namespace auction::console::detail

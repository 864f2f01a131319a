// Gate: a test handler waits on it until the test opens it, which makes "slow" exact
// instead of timed. Single-threaded, like the io_context it runs on.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "loopback.hpp"

namespace auction::test {

class Gate {
 public:
  explicit Gate(const asio::any_io_executor& executor)
      : timer_(executor, asio::steady_timer::time_point::max()) {}

  asio::awaitable<void> async_wait() {
    while (!is_open_) co_await timer_.async_wait(use_tuple);
  }
  void open() {
    is_open_ = true;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;  // never expires; cancel() wakes every waiter
  bool is_open_ = false;
};

}  // namespace auction::test

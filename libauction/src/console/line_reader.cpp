// Lines from a file descriptor for a console; see auction/console/line_reader.hpp.
#include "console/line_reader.hpp"

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace auction::console {

namespace asio = boost::asio;

struct LineReader::State : std::enable_shared_from_this<LineReader::State> {
  explicit State(asio::any_io_executor ex) : executor(std::move(ex)), signal(executor) {
    signal.expires_at(asio::steady_timer::time_point::max());
  }

  asio::any_io_executor executor;
  asio::steady_timer signal;  // cancelled (on the executor) whenever a line or the end arrives
  std::mutex mutex;
  std::condition_variable has_room;
  std::deque<std::string> lines;  // guarded by mutex
  bool at_end = false;            // guarded by mutex
  bool closed = false;            // guarded by mutex: the LineReader is gone

  // Runs on the reader thread.
  static void read_all(std::shared_ptr<State> self, int fd) {
    std::string line;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i) {
        if (buffer[i] == '\n') {
          if (!self->push(std::move(line))) return;
          line.clear();
        } else if (line.size() < line_chars_max) {
          line += buffer[i];
        }
      }
    }
    if (!line.empty() && !self->push(std::move(line))) return;
    {
      std::lock_guard lock(self->mutex);
      self->at_end = true;
    }
    self->wake();
  }

  // Queues a line, waiting for room; false once the LineReader is gone.
  bool push(std::string line) {
    {
      std::unique_lock lock(mutex);
      has_room.wait(lock, [&] { return lines.size() < queued_lines_max || closed; });
      if (closed) return false;
      lines.push_back(std::move(line));
    }
    wake();
    return true;
  }

  void wake() {
    asio::post(executor, [self = shared_from_this()] { self->signal.cancel(); });
  }
};

LineReader::LineReader(asio::any_io_executor executor, int fd)
    : state_(std::make_shared<State>(std::move(executor))) {
  std::thread(State::read_all, state_, fd).detach();
}

LineReader::~LineReader() {
  {
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
  }
  state_->has_room.notify_all();
}

asio::awaitable<std::optional<std::string>> LineReader::async_read_line() {
  auto self = state_;
  for (;;) {
    {
      std::lock_guard lock(self->mutex);
      if (!self->lines.empty()) {
        std::string line = std::move(self->lines.front());
        self->lines.pop_front();
        self->has_room.notify_one();
        co_return line;
      }
      if (self->at_end) co_return std::nullopt;
    }
    self->signal.expires_at(asio::steady_timer::time_point::max());
    co_await self->signal.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace auction::console

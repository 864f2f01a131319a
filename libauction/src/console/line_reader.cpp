// Lines from a file descriptor for a console; see console/line_reader.hpp.
#include "console/line_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace auction::console {

namespace asio = boost::asio;

namespace {

std::array<int, 2> make_stop_pipe() {
  std::array<int, 2> ends{};
  if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "line reader: cannot make a pipe");
  }
  return ends;
}

}  // namespace

LineReader::LineReader(asio::any_io_executor executor, int fd)
    : LineReader(std::move(executor), fd, make_stop_pipe()) {}

LineReader::LineReader(asio::any_io_executor executor, int fd, std::array<int, 2> stop_pipe)
    : fd_(fd),
      executor_(std::move(executor)),
      arrived_(
          std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max())),
      stop_read_(stop_pipe[0]),
      stop_write_(stop_pipe[1]),
      thread_([this] { read_all(); }) {}

LineReader::~LineReader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_room_.notify_all();          // in case the thread waits for room in the queue
  ::close(stop_write_.release());  // in case it waits in poll(): the stop pipe reads as ended
  thread_.join();
}

void LineReader::read_all() {
  std::string line;
  char buffer[4096];
  for (;;) {
    pollfd ready[2] = {{.fd = fd_, .events = POLLIN, .revents = 0},
                       {.fd = stop_read_.get(), .events = POLLIN, .revents = 0}};
    if (::poll(ready, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready[1].revents != 0) return;  // the destructor closed the stop pipe
    // Ready (or ended, or failed): read() does not wait. EAGAIN: an fd left non-blocking.
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] == '\n') {
        if (!push(std::move(line))) return;
        line.clear();
      } else if (line.size() < line_chars_max) {
        line += buffer[i];
      }
    }
  }
  if (!line.empty() && !push(std::move(line))) return;
  {
    std::lock_guard lock(mutex_);
    at_end_ = true;
  }
  wake_console();
}

bool LineReader::push(std::string line) {
  {
    std::unique_lock lock(mutex_);
    has_room_.wait(lock, [&] { return lines_.size() < queued_lines_max || stopping_; });
    if (stopping_) return false;
    lines_.push_back(std::move(line));
  }
  wake_console();
  return true;
}

void LineReader::wake_console() {
  // The executor is alive: the destructor has not returned (it joins this thread first). The
  // handler may run after it has, so it holds the timer weakly.
  asio::post(executor_, [arrived = std::weak_ptr(arrived_)] {
    if (auto timer = arrived.lock()) timer->cancel();
  });
}

asio::awaitable<std::optional<std::string>> LineReader::async_read_line() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (!lines_.empty()) {
        std::string line = std::move(lines_.front());
        lines_.pop_front();
        has_room_.notify_one();
        co_return line;
      }
      if (at_end_) co_return std::nullopt;
    }
    // A line queued since the check above has posted a wake-up, which runs after this wait
    // began (both run on the executor).
    arrived_->expires_at(asio::steady_timer::time_point::max());
    co_await arrived_->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace auction::console

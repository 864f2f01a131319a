// Lines from a file descriptor for a console; see console/line_reader.hpp.
#include "console/line_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "console/console_output.hpp"

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

LineReader::LineReader(asio::any_io_executor executor, int fd, Editing editing, std::string prompt)
    : LineReader(std::move(executor), fd, make_stop_pipe(), editing, std::move(prompt)) {}

LineReader::LineReader(asio::any_io_executor executor, int fd, std::array<int, 2> stop_pipe,
                       Editing editing, std::string prompt)
    : fd_(fd),
      executor_(std::move(executor)),
      arrived_(
          std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max())),
      editor_(editing == Editing::on ? std::make_unique<TerminalEditor>(
                                           std::move(prompt),
                                           // Called inside read_key(), under edit_mutex_.
                                           [this](std::optional<std::string> line) {
                                             typed_.push_back(std::move(line));
                                           },
                                           [this] { return read_typed_char(); })
                                     : nullptr),
      stop_read_(stop_pipe[0]),
      stop_write_(stop_pipe[1]),
      thread_([this] { editor_ ? read_all_edited() : read_all(); }) {}

LineReader::~LineReader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_room_.notify_all();          // in case the thread waits for room in the queue
  ::close(stop_write_.release());  // in case it waits in poll(): the stop pipe reads as ended
  thread_.join();
  std::lock_guard lock(edit_mutex_);
  editor_.reset();  // the terminal as it was
}

void LineReader::print(std::string_view line) {
  std::lock_guard lock(edit_mutex_);
  if (editor_) {
    editor_->print_above(line);
  } else {
    detail::write_line(line);
  }
}

void LineReader::on_terminal_resized() {
  std::lock_guard lock(edit_mutex_);
  if (editor_) editor_->resize();
}

LineReader::Input LineReader::wait_for_input() {
  for (;;) {
    pollfd ready[2] = {{.fd = fd_, .events = POLLIN, .revents = 0},
                       {.fd = stop_read_.get(), .events = POLLIN, .revents = 0}};
    if (::poll(ready, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return Input::failed;
    }
    if (ready[1].revents != 0) return Input::stopping;  // the destructor closed the stop pipe
    return (ready[0].revents & POLLIN) != 0 ? Input::ready : Input::hung_up;
  }
}

int LineReader::read_typed_char() {
  // Inside read_key(), under edit_mutex_: let go of it while waiting, so that what the
  // program prints meanwhile is not held up by a key half typed.
  edit_mutex_.unlock();
  const Input input = wait_for_input();
  edit_mutex_.lock();
  if (input != Input::ready) return EOF;
  unsigned char byte = 0;
  for (;;) {
    const ssize_t n = ::read(fd_, &byte, 1);
    if (n == 1) return byte;
    if (n < 0 && errno == EINTR) continue;
    return EOF;
  }
}

void LineReader::read_all_edited() {
  for (;;) {
    const Input input = wait_for_input();
    if (input == Input::stopping) return;
    if (input != Input::ready) break;  // the terminal hung up, or poll() failed
    std::deque<std::optional<std::string>> typed;
    {
      std::lock_guard lock(edit_mutex_);
      editor_->read_key();
      typed.swap(typed_);
    }
    for (std::optional<std::string>& line : typed) {
      if (!line) return end_input();
      if (line->size() > line_chars_max) line->resize(line_chars_max);
      if (!push(std::move(*line))) return;
    }
  }
  end_input();
}

void LineReader::read_all() {
  std::string line;
  char buffer[4096];
  for (;;) {
    const Input input = wait_for_input();
    if (input == Input::stopping) return;
    if (input == Input::failed) break;
    // Ready, or hung up (read() says how it ended): it does not wait. EAGAIN: an fd left
    // non-blocking.
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
  end_input();
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

void LineReader::end_input() {
  {
    std::lock_guard lock(mutex_);
    at_end_ = true;
  }
  wake_console();
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

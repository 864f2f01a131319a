// LineReader: lines typed at a terminal, piped in or read from a script, for a console
// running on an Asio executor (console/).
//
// A blocking read of standard input cannot share the executor's thread, so one reader thread
// reads the file descriptor and hands whole lines over; the console awaits them one at a
// time. It works the same for a terminal, a pipe and a regular file (which epoll cannot
// watch). At most `queued_lines_max` lines wait; beyond that the reader stops reading, so a
// fast pipe cannot fill memory. A line longer than `line_chars_max` is cut there.
// Threading: construct, await and destroy on the executor's thread; the reader thread only
// touches the shared queue. The reader thread may still be blocked in read() when the
// LineReader is destroyed: it is detached and exits at the next line or at end of input.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace auction::console {

class LineReader {
 public:
  static constexpr std::size_t queued_lines_max = 64;
  static constexpr std::size_t line_chars_max = 64 * 1024;

  // Starts reading `fd` (not owned; it must stay open for the reader's lifetime).
  LineReader(boost::asio::any_io_executor executor, int fd);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its newline, or nullopt at the end of input (or a read error).
  boost::asio::awaitable<std::optional<std::string>> async_read_line();

  struct State;  // shared with the reader thread; defined in line_reader.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::console

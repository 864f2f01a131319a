// LineReader: lines typed at a terminal, piped in or read from a script, for a console
// running on an Asio executor (console/).
//
// A blocking read of standard input cannot share the executor's thread, so one reader thread
// reads the file descriptor and hands whole lines over; the console awaits them one at a
// time. It works the same for a terminal, a pipe and a regular file (which epoll cannot
// watch). At most `queued_lines_max` lines wait; beyond that the reader stops reading, so a
// fast pipe cannot fill memory. A line longer than `line_chars_max` is cut there.
//
// Threading: construct, await and destroy on the executor's thread. The reader thread touches
// only the file descriptor, the stop pipe, the queue (under its mutex) and asio::post, by which
// it wakes an awaiting console. It waits in poll() on the file descriptor and the stop pipe,
// whose write end the destructor closes before it joins the thread: destruction never waits
// for input. Never: lets the reader thread outlive its LineReader (a detached one posted to
// the executor after its io_context was destroyed, and crashed the console tests under load),
// or touch the timer, which belongs to the executor's thread.
// The io_context must outlive the LineReader, and the LineReader any async_read_line it
// started unless that io_context never runs again (as in console_program.cpp).
// Editing::on (a person at a terminal): the lines are typed through a TerminalEditor
// (libedit), which the reader thread feeds a key at a time; print() then prints above the
// line being typed, so output never garbles it. Both go through one mutex, edit_mutex_,
// which the reader lets go of whenever it waits for the terminal (a key half typed never
// holds a print up); a line typed is queued only after it is released, so a console that
// waits for room never blocks a print either.
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/file_descriptor.hpp"
#include "console/terminal_editor.hpp"

namespace auction::console {

class LineReader {
 public:
  static constexpr std::size_t queued_lines_max = 64;
  static constexpr std::size_t line_chars_max = 64 * 1024;

  enum class Editing : bool { off, on };

  // Starts reading `fd` (not owned; it must stay open while the LineReader exists). Throws
  // std::system_error if it can make no pipe or thread. Editing::on: `fd` is the terminal
  // of the standard input and output, and `prompt` what the editor shows before a line.
  LineReader(boost::asio::any_io_executor executor, int fd, Editing editing = Editing::off,
             std::string prompt = "> ");
  // Stops the reader thread and waits for it; what it had not read stays unread.
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its newline, or nullopt at the end of input (or a read error).
  boost::asio::awaitable<std::optional<std::string>> async_read_line();

  // Prints `line` and a newline on the standard output: above the line being typed when
  // editing. Any thread.
  void print(std::string_view line);
  // The terminal changed size (SIGWINCH): the editor measures it again. Any thread.
  void on_terminal_resized();
  bool is_editing() const { return editor_ != nullptr; }

 private:
  LineReader(boost::asio::any_io_executor executor, int fd, std::array<int, 2> stop_pipe,
             Editing editing, std::string prompt);
  // Reader thread: waits until `fd_` has something to read, hung up (or failed) without
  // anything, poll() failed, or the destructor began.
  enum class Input { ready, hung_up, failed, stopping };
  Input wait_for_input();
  void read_all();         // the reader thread
  void read_all_edited();  // the reader thread, Editing::on
  // The editor's next byte of the terminal (-1 at the end, or when stopping): called inside
  // TerminalEditor::read_key(), it waits without holding edit_mutex_.
  int read_typed_char();
  bool push(std::string line);  // reader thread: queues a line; false once stopping
  void wake_console();          // reader thread: wakes async_read_line on the executor
  void end_input();             // reader thread: no line will follow (then wake_console())

  const int fd_;
  const boost::asio::any_io_executor executor_;
  // Cancelled (on the executor) whenever a line or the end arrives. Shared only so that a
  // wake-up still queued on the executor after the destructor can see it is gone (weak_ptr).
  const std::shared_ptr<boost::asio::steady_timer> arrived_;

  std::mutex mutex_;
  std::condition_variable has_room_;
  std::deque<std::string> lines_;  // guarded by mutex_
  bool at_end_ = false;            // guarded by mutex_
  bool stopping_ = false;          // guarded by mutex_: the destructor has begun

  std::mutex edit_mutex_;
  std::unique_ptr<TerminalEditor> editor_;        // Editing::on; guarded by edit_mutex_
  std::deque<std::optional<std::string>> typed_;  // guarded by edit_mutex_: to be queued

  FileDescriptor stop_read_;   // the reader thread polls it; end of file means stop
  FileDescriptor stop_write_;  // closed by the destructor
  std::thread thread_;         // started last, joined by the destructor
};

}  // namespace auction::console

// ChildProcess: a real process started by a test, watched and always stopped.
//
// Multi-process tests (integration, chaos, bench smoke) start `replica`, `seller` and
// `buyer` executables with this, and so does LocalCluster (local_cluster.hpp), which `bench`
// links too: nothing here uses a test framework. Everything the child writes to stdout and stderr
// is collected by a reader thread, so a test can wait for a line to appear (an event, not a sleep)
// and print the child's output when something fails. The destructor kills the child (SIGKILL) and
// reaps it, so no test leaves a process behind, even when it fails. Threading: one owner thread;
// the internal reader thread only appends to the output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auction/base/error.hpp"

namespace auction::test {

class ChildProcess {
 public:
  // What the child's standard input, output and error are: pipes (the test writes the input
  // with write_input()), or one pseudo-terminal of 80x24 (a person at a terminal, in a new
  // session whose controlling terminal it is; write_input() types on it).
  enum class Terminal : bool { pipes, pty };

  // Starts `program` with `args` (argv[1..]). Aborts the test run if the program cannot
  // start.
  ChildProcess(std::filesystem::path program, std::vector<std::string> args,
               Terminal terminal = Terminal::pipes);
  // The same, for callers that go on when the program cannot start (e.g. no such file).
  // Errors: unavailable ("cannot start <program>: <reason>").
  static Result<std::unique_ptr<ChildProcess>> start(std::filesystem::path program,
                                                     std::vector<std::string> args);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits until the child's output contains `text` (after byte offset `from`). Returns the
  // offset just past the match, or nullopt if the child exited or `timeout` passed first.
  std::optional<std::size_t> wait_for_output(const std::string& text,
                                             std::chrono::milliseconds timeout,
                                             std::size_t from = 0);

  // Everything the child has written so far (stdout and stderr interleaved).
  std::string output() const;

  // Writes to the child's standard input (the CLIs read commands from it).
  void write_input(const std::string& text);
  void close_input();
  // Terminal::pty only: the terminal is now `rows` x `columns`, as when a person resizes the
  // window (the child gets SIGWINCH).
  void resize_terminal(unsigned short rows, unsigned short columns);

  void signal(int signo);  // e.g. SIGSTOP, SIGCONT, SIGTERM

  // Waits for the child to exit; returns its exit code (128+signal when killed), or nullopt
  // if it is still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  // SIGKILL and reap (idempotent).
  void kill_now();

  bool has_exited();

 private:
  // Starts the child. When it cannot start: sets *spawn_error to posix_spawn's error, or
  // aborts if spawn_error is null.
  ChildProcess(const std::filesystem::path& program, std::vector<std::string> args,
               int* spawn_error, Terminal terminal = Terminal::pipes);
  void read_output(int fd);

  pid_t pid_ = -1;
  int input_fd_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string output_;
  bool output_closed_ = false;
  std::thread reader_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read, close), never
// one this process was handed before.
std::uint16_t free_port();

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ppapd-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A blocking line-oriented TCP connection, the way a person uses `nc`: send a line, read a
// line. Every read has a deadline; nothing here can hang a test.
class LineConnection {
 public:
  // Connects to 127.0.0.1:port; nullopt if the connection is refused or times out. `from`
  // (an IPv4 literal, e.g. "127.0.0.2") is the source address to connect from; any 127.x.y.z
  // is this machine on Linux, so a test can play several sources. "": the kernel's choice.
  static std::unique_ptr<LineConnection> connect(std::uint16_t port,
                                                 std::chrono::milliseconds timeout,
                                                 const std::string& from = "");
  ~LineConnection();

  bool send(const std::string& bytes);  // as is; add "\n" yourself
  // The next line without its "\n", or nullopt on timeout or when the peer closed.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // True if the peer closed the connection (read returns 0) before `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  explicit LineConnection(int fd) : fd_(fd) {}
  int fd_;
  std::string buffer_;
};

// The path of a built executable of this project (apps/<name>/<name> in the build tree).
std::filesystem::path executable(const std::string& name);

}  // namespace auction::test

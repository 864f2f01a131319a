// Tests of LineReader (console/line_reader.hpp): the lines of a pipe, a regular file and a
// terminal; a long line cut; a writer faster than the console; and destruction while its
// reader thread waits, which must stop that thread before the io_context can go (a detached
// thread that woke later crashed the console program tests under load).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "base/file_descriptor.hpp"
#include "console/line_reader.hpp"

using auction::FileDescriptor;
using auction::console::LineReader;
namespace asio = boost::asio;

namespace {

struct Pipe {
  Pipe() {
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    read_end = ends[0];
    write_end = ends[1];
  }
  ~Pipe() {
    ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  // False if the pipe cannot take it all (no Catch2 assertion: a writer thread calls it).
  bool write(const std::string& text) const {
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(write_end, text.data() + done, text.size() - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  void close_write_end() { ::close(std::exchange(write_end, -1)); }
  // Everything left in the pipe, once the write end is closed.
  std::string read_rest() const {
    std::string rest;
    char buffer[4096];
    for (ssize_t n; (n = ::read(read_end, buffer, sizeof buffer)) > 0;) {
      rest.append(buffer, static_cast<std::size_t>(n));
    }
    return rest;
  }

  int read_end = -1;
  int write_end = -1;
};

struct Read {
  std::vector<std::string> lines;
  bool ended = false;  // async_read_line gave nullopt
};

// Awaits up to `most` lines from `reader`, whose executor is `io`'s, or the end of input.
Read read_lines(asio::io_context& io, LineReader& reader,
                std::size_t most = std::numeric_limits<std::size_t>::max()) {
  Read read;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        while (read.lines.size() < most) {
          std::optional<std::string> line = co_await reader.async_read_line();
          if (!line) {
            read.ended = true;
            co_return;
          }
          read.lines.push_back(std::move(*line));
        }
      },
      asio::detached);
  io.restart();
  io.run();  // until the coroutine is done: its wait for a line keeps the io_context busy
  return read;
}

}  // namespace

TEST_CASE(
    "console: a line reader gives a pipe's lines in order, more than it queues, cuts a long "
    "line, and ends with the input",
    "[console][line_reader]") {
  Pipe pipe;
  std::vector<std::string> expected = {"one", "", "two",
                                       std::string(LineReader::line_chars_max, 'x')};
  for (std::size_t i = 0; i < 3 * LineReader::queued_lines_max; ++i) {
    expected.push_back("line " + std::to_string(i));
  }
  expected.push_back("last, without a newline");
  // More than the pipe holds: the writer waits for the reader thread, which waits for room.
  bool written = true;
  std::thread writer([&] {
    written =
        pipe.write("one\n\ntwo\n" + std::string(LineReader::line_chars_max + 100, 'x') + "\n");
    for (std::size_t i = 0; i < 3 * LineReader::queued_lines_max; ++i) {
      written = written && pipe.write("line " + std::to_string(i) + "\n");
    }
    written = written && pipe.write("last, without a newline");
    pipe.close_write_end();
  });
  asio::io_context io(1);
  LineReader reader(io.get_executor(), pipe.read_end);
  const Read read = read_lines(io, reader);
  writer.join();
  REQUIRE(written);
  CHECK(read.lines == expected);
  CHECK(read.ended);
}

TEST_CASE("console: a line reader reads a regular file and a terminal alike",
          "[console][line_reader]") {
  asio::io_context io(1);
  SECTION("a regular file") {
    const auto path = std::filesystem::temp_directory_path() /
                      ("ppapd-line-reader-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(path) << "first\n\nlast";
    const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::filesystem::remove(path);
    REQUIRE(file.get() >= 0);
    LineReader reader(io.get_executor(), file.get());
    const Read read = read_lines(io, reader);
    CHECK(read.lines == std::vector<std::string>{"first", "", "last"});
    CHECK(read.ended);
  }
  SECTION("a terminal, destroyed while nobody types") {
    const FileDescriptor master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    REQUIRE(master.get() >= 0);
    REQUIRE(::grantpt(master.get()) == 0);
    REQUIRE(::unlockpt(master.get()) == 0);
    const FileDescriptor terminal(::open(::ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
    REQUIRE(terminal.get() >= 0);
    LineReader reader(io.get_executor(), terminal.get());
    const std::string typed = "typed\n";
    REQUIRE(::write(master.get(), typed.data(), typed.size()) ==
            static_cast<ssize_t>(typed.size()));
    CHECK(read_lines(io, reader, 1).lines == std::vector<std::string>{"typed"});
  }  // the reader's destructor must not wait for the next line
}

TEST_CASE(
    "console: a line reader destroyed with its io_context while its thread waits for input "
    "stops that thread: input after is left unread and wakes nothing",
    "[console][line_reader]") {
  Pipe pipe;
  {
    asio::io_context io(1);
    LineReader reader(io.get_executor(), pipe.read_end);
    REQUIRE(pipe.write("first\n"));
    REQUIRE(read_lines(io, reader, 1).lines == std::vector<std::string>{"first"});
  }  // the reader, then its io_context, are destroyed; its thread waits for more input
  // A reader thread still waiting would take this line and then wake an io_context that is
  // gone (AddressSanitizer reports it); the end of input would do the same.
  REQUIRE(pipe.write("after\n"));
  pipe.close_write_end();
  CHECK(pipe.read_rest() == "after\n");
}

TEST_CASE(
    "console: a line reader destroyed with its io_context while its thread waits for room "
    "or still reads a file stops that thread",
    "[console][line_reader]") {
  SECTION("a full queue") {
    Pipe pipe;
    for (std::size_t i = 0; i < 2 * LineReader::queued_lines_max; ++i) {
      REQUIRE(pipe.write("line\n"));
    }
    asio::io_context io(1);
    LineReader reader(io.get_executor(), pipe.read_end);
    CHECK(read_lines(io, reader, 1).lines == std::vector<std::string>{"line"});
  }
  SECTION("a file whose end the thread has not reached (a script that ends with quit)") {
    const auto path = std::filesystem::temp_directory_path() /
                      ("ppapd-line-reader-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(path) << "quit\nnever read\n";
    const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::filesystem::remove(path);
    REQUIRE(file.get() >= 0);
    asio::io_context io(1);
    LineReader reader(io.get_executor(), file.get());
    CHECK(read_lines(io, reader, 1).lines == std::vector<std::string>{"quit"});
  }
}

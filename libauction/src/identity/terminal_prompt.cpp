// The terminal prompt (see terminal_prompt.hpp): /dev/tty, echo off, one line.
#include "identity/terminal_prompt.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "base/file_descriptor.hpp"
#include "identity/sodium.hpp"

namespace auction::identity {
namespace {

std::unexpected<Error> unavailable(std::string message) {
  return fail(code::passphrase_unavailable, std::move(message));
}

std::string no_terminal(int err) {
  return "no terminal to ask for the passphrase on (/dev/tty: " +
         std::system_category().message(err) +
         "); give it with --passphrase-file FILE or --passphrase-env VARIABLE";
}

// Turns echo off on `fd` for its lifetime; the destructor puts the settings back, so every
// return restores the terminal. Lines are still edited by the terminal (ICANON), and the
// newline that ends one is still shown (ECHONL), so the cursor moves on.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) {
      error_ = errno;
      return;
    }
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    if (::tcsetattr(fd_, TCSAFLUSH, &quiet) != 0) {
      error_ = errno;
      return;
    }
    active_ = true;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

  // 0, or the errno of the call that failed to turn echo off.
  int error() const { return error_; }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
  int error_ = 0;
};

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

Result<std::string> ask_on_terminal(std::string_view prompt, std::size_t bytes_max) {
  const FileDescriptor terminal(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (terminal.get() < 0) return unavailable(no_terminal(errno));
  EchoOff echo_off(terminal.get());
  if (echo_off.error() != 0) return unavailable(no_terminal(echo_off.error()));
  if (!write_all(terminal.get(), prompt)) {
    return unavailable("cannot write to the terminal: " + std::system_category().message(errno));
  }

  // Room for the whole line up front: a buffer that grew would leave copies of the start of
  // the passphrase in freed memory.
  std::string line;
  line.reserve(bytes_max + 1);
  bool too_long = false;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(terminal.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      wipe(line);
      return unavailable("cannot read from the terminal: " + std::system_category().message(err));
    }
    if (n == 0) {
      wipe(line);
      return unavailable("no passphrase was typed (end of input)");
    }
    if (c == '\n') break;
    if (line.size() == bytes_max) {
      too_long = true;  // read on to the end of the line, keeping nothing more
      continue;
    }
    line += c;
  }
  if (too_long) {
    wipe(line);
    return unavailable("the passphrase is longer than " + std::to_string(bytes_max) + " bytes");
  }
  return line;
}

}  // namespace auction::identity

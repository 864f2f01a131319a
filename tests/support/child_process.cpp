// Implementation of the multi-process test support (see child_process.hpp).
#include "support/child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <set>

extern char** environ;

namespace auction::test {
namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "test support: %s: %s\n", what.c_str(), std::strerror(errno));
  std::abort();
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ChildProcess::ChildProcess(std::filesystem::path program, std::vector<std::string> args,
                           Terminal terminal)
    : ChildProcess(program, std::move(args), /*spawn_error=*/nullptr, terminal) {}

Result<std::unique_ptr<ChildProcess>> ChildProcess::start(std::filesystem::path program,
                                                          std::vector<std::string> args) {
  int spawn_error = 0;
  std::unique_ptr<ChildProcess> child(new ChildProcess(program, std::move(args), &spawn_error));
  if (spawn_error != 0) {
    return fail(code::unavailable,
                "cannot start " + program.string() + ": " + std::strerror(spawn_error));
  }
  return child;
}

ChildProcess::ChildProcess(const std::filesystem::path& program, std::vector<std::string> args,
                           int* spawn_error, Terminal terminal) {
  int out[2] = {-1, -1};  // [0]: where the output is read; [1]: the child's end
  int in[2] = {-1, -1};   // [0]: the child's end; [1]: where the input is written
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (terminal == Terminal::pipes) {
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) die("pipe");
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  } else {
    const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) die("pseudo-terminal");
    const winsize size{.ws_row = 24, .ws_col = 80, .ws_xpixel = 0, .ws_ypixel = 0};
    ioctl(master, TIOCSWINSZ, &size);
    const char* slave = ptsname(master);
    if (slave == nullptr) die("ptsname");
    // In a session of its own, the first terminal the child opens becomes its controlling
    // terminal (Ctrl-C is its SIGINT).
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, slave, O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&actions, STDIN_FILENO, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, STDIN_FILENO, STDERR_FILENO);
    out[0] = master;
    in[1] = fcntl(master, F_DUPFD_CLOEXEC, 0);
    if (in[1] < 0) die("dup");
  }

  std::vector<std::string> argv_strings;
  argv_strings.push_back(program.string());
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int rc = posix_spawn(&pid_, program.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (out[1] >= 0) close(out[1]);
  if (in[0] >= 0) close(in[0]);
  if (rc != 0) {
    if (spawn_error == nullptr) {
      errno = rc;
      die("cannot start " + program.string());
    }
    *spawn_error = rc;
    pid_ = -1;
    close(out[0]);
    close(in[1]);
    return;
  }
  input_fd_ = in[1];
  reader_ = std::thread([this, fd = out[0]] { read_output(fd); });
}

ChildProcess::~ChildProcess() {
  kill_now();
  if (input_fd_ >= 0) close(input_fd_);
  if (reader_.joinable()) reader_.join();
}

void ChildProcess::read_output(int fd) {
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    // (A pseudo-terminal reads as EIO once the child and its children closed it.)
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      output_closed_ = true;
      changed_.notify_all();
      break;
    }
    output_.append(buffer, static_cast<std::size_t>(n));
    changed_.notify_all();
  }
  close(fd);
}

std::optional<std::size_t> ChildProcess::wait_for_output(const std::string& text,
                                                         std::chrono::milliseconds timeout,
                                                         std::size_t from) {
  std::unique_lock lock(mutex_);
  std::optional<std::size_t> found;
  changed_.wait_for(lock, timeout, [&] {
    auto at = output_.find(text, std::min(from, output_.size()));
    if (at != std::string::npos) found = at + text.size();
    return found.has_value() || output_closed_;
  });
  return found;
}

std::string ChildProcess::output() const {
  std::lock_guard lock(mutex_);
  return output_;
}

void ChildProcess::write_input(const std::string& text) {
  std::size_t done = 0;
  while (input_fd_ >= 0 && done < text.size()) {
    ssize_t n = write(input_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the child closed its input; the test sees that in its output
    done += static_cast<std::size_t>(n);
  }
}

void ChildProcess::resize_terminal(unsigned short rows, unsigned short columns) {
  // On the terminal's master side: the kernel tells the child's foreground (SIGWINCH).
  const winsize size{.ws_row = rows, .ws_col = columns, .ws_xpixel = 0, .ws_ypixel = 0};
  if (input_fd_ >= 0) ioctl(input_fd_, TIOCSWINSZ, &size);
}

void ChildProcess::close_input() {
  if (input_fd_ >= 0) close(input_fd_);
  input_fd_ = -1;
}

void ChildProcess::signal(int signo) {
  if (!exit_code_) ::kill(pid_, signo);
}

bool ChildProcess::has_exited() { return wait_exit(std::chrono::milliseconds(0)).has_value(); }

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  // A pidfd becomes readable when the child exits: wait for that event, then reap.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) die("pidfd_open");
  pollfd p{pidfd, POLLIN, 0};
  int ready = 0;
  do {
    ready = poll(&p, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  close(pidfd);
  if (ready != 1) return std::nullopt;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) die("waitpid");
  }
  exit_code_ = exit_code_of(status);
  // The reader thread may not have drained the pipe yet: wait for its end-of-file, so a
  // test that checks the last words of a child that exited sees them. (A grandchild that
  // still holds the pipe open bounds this wait by `timeout`.)
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return output_closed_; });
  return exit_code_;
}

void ChildProcess::kill_now() {
  if (exit_code_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
  exit_code_ = exit_code_of(status);
}

namespace {

// A port the kernel reports free now: bound to port 0, read back, closed.
std::uint16_t unbound_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) die("getsockname");
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

std::uint16_t free_port() {
  // The kernel may hand the port it just freed out again: a cluster would then get one port
  // twice (its file is refused). Never the same port twice in one process.
  static std::mutex mutex;
  static std::set<std::uint16_t> handed_out;
  const std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::uint16_t port = unbound_port();
    if (handed_out.insert(port).second) return port;
  }
  die("no free port that was not handed out already");
}

TempDir::TempDir(const std::string& prefix) {
  std::random_device seed;
  std::mt19937_64 random(seed());
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate =
        std::filesystem::temp_directory_path() /
        (prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(random() % 1'000'000'000));
    std::error_code ec;
    if (std::filesystem::create_directory(candidate, ec)) {
      // Private, as data dirs must be, whatever the umask.
      std::filesystem::permissions(candidate, std::filesystem::perms::owner_all, ec);
      path_ = candidate;
      return;
    }
  }
  die("cannot create a temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<LineConnection> LineConnection::connect(std::uint16_t port,
                                                        std::chrono::milliseconds timeout,
                                                        const std::string& from) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  if (!from.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    if (inet_pton(AF_INET, from.c_str(), &source.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      close(fd);
      return nullptr;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && errno != EINPROGRESS) {
    close(fd);
    return nullptr;
  }
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
    close(fd);
    return nullptr;
  }
  int error = 0;
  socklen_t len = sizeof error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) {
    close(fd);
    return nullptr;
  }
  return std::unique_ptr<LineConnection>(new LineConnection(fd));
}

LineConnection::~LineConnection() { close(fd_); }

bool LineConnection::send(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    pollfd p{fd_, POLLOUT, 0};
    if (poll(&p, 1, 5000) != 1) return false;
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<std::string> LineConnection::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) != 1) return std::nullopt;
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool LineConnection::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) return true;
    if (n < 0 && errno != EINTR && errno != EAGAIN) return true;
  }
}

std::filesystem::path executable(const std::string& name) {
  return std::filesystem::path(AUCTION_BINARY_DIR) / "apps" / name;
}

}  // namespace auction::test

// SnapshotChild: see snapshot_child.hpp.
#include "raft/snapshot_child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wire/spawn.hpp"

namespace auction::raft::detail {

namespace asio = boost::asio;

struct SnapshotChild::State {
  State(asio::any_io_executor executor, int fd, pid_t child, OnDone done)
      : pipe(std::move(executor), fd), pid(child), on_done(std::move(done)) {}
  asio::posix::stream_descriptor pipe;
  pid_t pid;
  OnDone on_done;
  std::string bytes;
  bool is_stopped = false;
};

namespace {

// In the child: everything of `bytes` into `fd`; whether it all went.
bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reaps `pid` (it has closed its end of the pipe, so it is exiting); its exit status.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return status;
}

asio::awaitable<void> async_read_child(std::shared_ptr<SnapshotChild::State> state) {
  char chunk[1 << 16];
  for (;;) {
    auto [ec, n] = co_await state->pipe.async_read_some(asio::buffer(chunk),
                                                        asio::as_tuple(asio::use_awaitable));
    if (state->is_stopped) co_return;
    state->bytes.append(chunk, n);
    if (ec) break;  // end of file: the child closed the pipe (exited); or a read error
  }
  state->pipe.close();
  const int status = reap(state->pid);
  state->pid = -1;
  auto done = std::move(state->on_done);
  state->is_stopped = true;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    done(std::move(state->bytes));
  } else {
    done(fail(code::unavailable,
              WIFSIGNALED(status)
                  ? "the snapshot process was killed by signal " + std::to_string(WTERMSIG(status))
                  : "the snapshot process failed (exit status " +
                        std::to_string(WEXITSTATUS(status)) + ")"));
  }
}

}  // namespace

SnapshotChild::SnapshotChild(asio::any_io_executor executor) : executor_(std::move(executor)) {}

SnapshotChild::~SnapshotChild() { stop(); }

Result<void> SnapshotChild::start(const StateMachine& machine, OnDone on_done) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(code::unavailable, std::string("pipe() failed: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return fail(code::unavailable, std::string("fork() failed: ") + std::strerror(error));
  }
  if (pid == 0) {
    // The child: a frozen copy of the parent's memory, one thread. Serialize, write, leave
    // without running the parent's exit handlers or destructors.
    ::close(fds[0]);
    const std::string bytes = machine.snapshot();
    const bool written = write_all(fds[1], bytes);
    ::_exit(written ? 0 : 1);
  }
  ::close(fds[1]);
  state_ = std::make_shared<State>(executor_, fds[0], pid, std::move(on_done));
  wire::spawn_logged(executor_, async_read_child(state_), "snapshot child");
  return {};
}

bool SnapshotChild::is_running() const { return state_ != nullptr && !state_->is_stopped; }

void SnapshotChild::stop() {
  if (!is_running()) return;
  const auto state = std::exchange(state_, nullptr);
  state->is_stopped = true;
  state->on_done = nullptr;
  if (state->pid > 0) {
    ::kill(state->pid, SIGKILL);
    reap(state->pid);
    state->pid = -1;
  }
  boost::system::error_code ignored;
  state->pipe.close(ignored);
}

}  // namespace auction::raft::detail

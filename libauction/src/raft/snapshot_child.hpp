// SnapshotChild: serializes a state machine in a forked child process, so that taking a
// snapshot of a large state never stalls the raft thread (only fork() itself does, which
// copies page tables, not the state: the child sees the parent's memory as it was, copy on
// write, while the parent goes on applying entries).
//
// Private to raft::Server. start() forks; the child calls StateMachine::snapshot() on its
// frozen copy of the state, writes the bytes into a pipe and exits; the parent reads the pipe
// on its executor and, once the child has exited cleanly, hands the bytes to `on_done` (or
// an error to it: the child failed or died). The child runs only the state machine's
// serialization and write(2): no Asio, no lock another thread of the parent may hold.
// Threading: the owner's executor (which must not run handlers concurrently).
// Never: leaves a child running or unreaped (stop() and the destructor kill and reap it), or
// hands out bytes of a child that did not exit with status 0.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "auction/base/error.hpp"
#include "auction/raft/state_machine.hpp"

namespace auction::raft::detail {

class SnapshotChild {
 public:
  using OnDone = std::function<void(Result<std::string>)>;

  explicit SnapshotChild(boost::asio::any_io_executor executor);
  ~SnapshotChild();  // stop()
  SnapshotChild(const SnapshotChild&) = delete;
  SnapshotChild& operator=(const SnapshotChild&) = delete;

  // Forks a child that serializes `machine` as it is now. `on_done` runs on the executor,
  // exactly once unless stop() comes first. Errors (returned, and on_done never runs):
  // unavailable (pipe() or fork() failed: the message has the OS reason).
  // Precondition: no child is running.
  Result<void> start(const StateMachine& machine, OnDone on_done);

  // A child was started and its outcome not handed out yet.
  bool is_running() const;

  // Kills and reaps a running child; its on_done never runs. Idempotent.
  void stop();

  struct State;  // shared with the read loop

 private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<State> state_;
};

}  // namespace auction::raft::detail

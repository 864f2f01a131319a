// EntryApplier: what raft applies a replica's committed entries to -- the raft side of the
// platform StateMachine, on the replica's service side.
//
// Every entry is a Request as the platform codec encodes it (commands.hpp). An entry this
// replica proposed while leading arrives with what ReplicaService attached to the proposal
// (raft::Server::async_propose's `proposed`): the Request it decoded from the client's line
// and encoded into the entry. The applier hands that Request to StateMachine::apply() as it
// is, instead of parsing the entry's bytes again -- on a busy leader, parsing every command
// twice was most of the cost of applying it (docs/performance.md). Equal bytes decode to an
// equal Request, so the state and the answer are the same either way, and the followers,
// which parse, agree with the leader. Whatever else is attached is ignored (the bytes are
// parsed).
// Snapshots are the platform StateMachine's (docs/platform.md, "Snapshot format") as compact
// JSON text; a restore builds a whole new state and only then replaces the old one.
// The pending proposals themselves are kept once, by raft::Driver; this class keeps nothing.
// Every applied entry, with the watch event it made, goes on to the replica's WatchHistory
// (and a restored snapshot restarts it); after an entry that made an event, and after a
// restore, `on_applied`, if set, is called (the replica wakes its waiting watchers).
// Threading: raft's thread only (the one that applies). Owns nothing.
#pragma once

#include <any>
#include <functional>
#include <string>
#include <string_view>

#include "auction/platform/state_machine.hpp"
#include "auction/raft/state_machine.hpp"
#include "platform/watch_history.hpp"

namespace auction::platform {

class EntryApplier final : public raft::StateMachine {
 public:
  // `machine` and `history` must outlive the applier.
  EntryApplier(platform::StateMachine& machine, WatchHistory& history)
      : machine_(machine), history_(history) {}

  // Called after every applied entry that made a watch event, and every restored snapshot.
  void set_on_applied(std::function<void()> on_applied) { on_applied_ = std::move(on_applied); }

  std::string apply(raft::LogIndex index, std::string_view command) override;
  // `proposed`: the platform::Request the command was encoded from, or anything else
  // (ignored).
  std::string apply_proposed(raft::LogIndex index, std::string_view command,
                             const std::any& proposed) override;
  std::string snapshot() const override;
  // Errors: "bad_snapshot" (not JSON, or what StateMachine::restore() refuses).
  Result<void> restore(std::string_view snapshot) override;

 private:
  // Qualified: inside this class, StateMachine names the base, raft::StateMachine.
  platform::StateMachine& machine_;
  WatchHistory& history_;
  std::function<void()> on_applied_;

  // Hands the entry just applied to the history; returns `answer`.
  std::string applied(std::string answer);
};

}  // namespace auction::platform

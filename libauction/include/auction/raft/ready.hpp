// Ready: one batch of work the pure core hands its caller, and the contract for doing it.
//
// Produced by Core::ready(), carried out by the caller (raft::Driver), acknowledged with
// Core::advance(). Plain data; safe to move to another thread (e.g. the disk thread).
//
// THE CONTRACT (etcd's Ready, with the persist allowed to run in the background):
//   1. Install `snapshot` (if set) in LogStorage (install_snapshot(): it replaces the whole
//      log), then persist `entries` (appended after any conflicting suffix is discarded)
//      and `hard_state` (if set), then sync().
//   2. Only then send `messages`: they promise what step 1 made durable (a granted vote,
//      an acknowledged entry, a candidate's vote for itself).
//   3. Restore the state machine from `snapshot` (if set), then apply `committed_entries`
//      in order, then answer `reads` (each is safe once the entries of this Ready are
//      applied: its index <= the last of them or <= applied).
//   4. Call Core::advance(ready).
// At most one Ready is outstanding. While it is (say the disk is slow), the caller keeps
// calling tick(), step(), propose() and read_index() and keeps sending what
// Core::take_messages() returns: heartbeats, AppendEntries (a leader may send entries
// before it has written them itself, dissertation §10.2.1), pre-votes and heartbeat
// answers, none of which promise anything about this node's disk. So a slow fsync
// delays commits but never silences a leader and never causes an election.
// The leader counts its own log toward a majority only after advance() says it is durable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "auction/raft/message.hpp"
#include "auction/raft/snapshot.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

// A ReadIndex request (dissertation §6.4) whose leadership check passed: the caller may
// answer it from the state machine once it has applied up to `index`.
struct ReadState {
  std::uint64_t context = 0;  // the caller's id for the request
  LogIndex index;             // the commit index recorded for it

  friend bool operator==(const ReadState&, const ReadState&) = default;
};

struct Ready {
  // A snapshot received whole from the leader: install, then restore the state machine.
  std::shared_ptr<const Snapshot> snapshot;
  std::optional<HardState> hard_state;   // persist if set (it changed)
  std::vector<Entry> entries;            // persist: consecutive, may overwrite a suffix
  std::vector<Message> messages;         // send only after the persist is durable
  std::vector<Entry> committed_entries;  // apply in order, after the persist
  std::vector<ReadState> reads;          // answer after applying committed_entries

  bool needs_persist() const {
    return snapshot != nullptr || hard_state.has_value() || !entries.empty();
  }
};

}  // namespace auction::raft

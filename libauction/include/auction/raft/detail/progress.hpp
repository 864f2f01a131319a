// Progress: what a leader knows about one follower's log (the paper's nextIndex and
// matchIndex, Figure 2), plus the flow control of etcd's tracker/progress.go.
//
// Owned by raft::Core, one per voter while it leads; single-threaded like the core.
//
// A follower is in one of three states:
//   probe      the leader does not know where the logs agree; it sends one AppendEntries
//              and waits for the answer (or the next heartbeat) before sending another.
//   replicate  the logs agree up to `match`; the leader streams entries optimistically,
//              advancing `next` as it sends, with at most `inflight_max` messages
//              unacknowledged (pipelining, dissertation §10.2.2).
//   snapshot   the follower needs entries the leader discarded (compacted): the leader
//              sends its snapshot in chunks (SnapshotTransfer) and nothing else until
//              the follower answers that it holds the snapshot's index, then probes.
// A rejection moves a follower back to probe; a success moves it to replicate.
// Not public API: in detail/ only because raft::Core holds these by value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>

#include "auction/raft/snapshot.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

enum class ProgressState : std::uint8_t { probe, replicate, snapshot };

// A snapshot on its way to one follower. Invariant: acked <= sent <= snapshot size.
struct SnapshotTransfer {
  std::shared_ptr<const Snapshot> snapshot;
  std::uint64_t sent = 0;   // bytes sent: the offset of the next chunk
  std::uint64_t acked = 0;  // bytes the follower said it holds
  bool last_sent = false;   // the chunk that completes the snapshot went out
  int idle_ticks = 0;       // ticks since `acked` last grew
};

class Progress {
 public:
  Progress(LogIndex next, std::size_t inflight_max);

  // Invariant: match < next.
  LogIndex match() const { return match_; }
  LogIndex next() const { return next_; }
  ProgressState state() const { return state_; }
  std::size_t inflight_count() const { return inflight_.size(); }

  // Whether the leader must hold back AppendEntries: a probe is outstanding, or the
  // pipeline window is full.
  bool is_paused() const;

  // The follower answered (any message in this term) since the leader's last check-quorum
  // round (one every election timeout). The round clears it.
  bool recent_active = false;

  // The leader's ticks since the follower last answered; quiet_ticks_never until it has.
  // A member is reachable if it answered within the last election timeout.
  static constexpr int quiet_ticks_never = std::numeric_limits<int>::max();
  int quiet_ticks() const { return quiet_ticks_; }
  // The follower answered: it is active in this check-quorum round, and quiet for no tick.
  void on_heard() {
    recent_active = true;
    quiet_ticks_ = 0;
  }
  // One of the leader's ticks passed.
  void on_tick() {
    if (quiet_ticks_ != quiet_ticks_never) ++quiet_ticks_;
  }
  // Highest ReadIndex round (§6.4) this follower acknowledged in the current term.
  std::uint64_t read_round_acked = 0;

  // An AppendEntries carrying entries up to `last` was sent (or, with no entries, a
  // probe). In replicate, `next` moves past `last` and the message joins the window.
  void on_sent(LogIndex last, std::size_t entry_count);

  // The follower matched up to `index`. Returns false if that is old news.
  bool on_matched(LogIndex index);

  // The follower rejected prevLogIndex `rejected`; `probe_to` is where the leader's
  // findConflictByTerm says to try next. Returns false if the rejection is stale (answers
  // an older message) and must be ignored.
  bool on_rejected(LogIndex rejected, LogIndex probe_to);

  // A heartbeat answer: the follower is alive, so a paused probe may go again (it may have
  // been lost), and a full window gives up one slot (messages in it may have been lost;
  // the next send then exposes the gap and the follower's rejection starts a probe).
  void on_heartbeat_response();

  void become_probe();
  void become_replicate();
  // The follower's log now ends at `last`, below its match: it lost what it acknowledged.
  // Match drops to 0 (nothing of its log is verified) and the leader probes from last + 1.
  // Never lowers the commit index (that is the leader's), only what the follower is counted
  // for from now on.
  void on_log_lost(LogIndex last);
  // Starts sending `snapshot` (not null) from its first byte.
  void become_snapshot(std::shared_ptr<const Snapshot> snapshot);
  // The transfer under way in the snapshot state; null in the others.
  SnapshotTransfer* snapshot_transfer() {
    return state_ == ProgressState::snapshot ? &transfer_ : nullptr;
  }
  const SnapshotTransfer* snapshot_transfer() const {
    return state_ == ProgressState::snapshot ? &transfer_ : nullptr;
  }

 private:
  LogIndex match_{0};
  LogIndex next_;
  ProgressState state_ = ProgressState::probe;
  bool probe_sent_ = false;
  std::size_t inflight_max_;
  std::deque<LogIndex> inflight_;  // last index of each unacknowledged AppendEntries
  SnapshotTransfer transfer_;      // snapshot state only
  int quiet_ticks_ = quiet_ticks_never;
};

}  // namespace auction::raft

// RaftLog: one node's view of its log: the stable part in LogStorage plus the entries not
// yet handed out for persisting ("unstable", as in etcd's log.go and log_unstable.go).
//
// Owned by raft::Core; single-threaded like the core. It reads LogStorage and never
// writes it: the driver writes what Core::ready() hands out. Entries below `offset` live
// only in storage; entries at or above it live here (and may also be on their way to
// storage, or even already there if they were overwritten while in flight).
// A snapshot received from a leader (restore()) replaces the whole log at once: until the
// driver has installed it in storage, the log starts right after it and storage is not
// read at all (etcd's unstable snapshot).
// Not public API: in detail/ only because raft::Core holds one by value.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "auction/raft/log_storage.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

class RaftLog {
 public:
  // `storage` must outlive this log. Starts with everything in storage as stable.
  explicit RaftLog(const LogStorage& storage);

  LogIndex first_index() const;
  LogIndex last_index() const;
  Term last_term() const;
  // Invariant: committed <= last_index() (and never moves backwards).
  LogIndex committed() const { return committed_; }
  // Invariant: applied <= committed.
  LogIndex applied() const { return applied_; }

  // Term of the entry at `index`; Term{0} for index 0. Errors as LogStorage::term().
  Result<Term> term(LogIndex index) const;
  bool matches(LogIndex index, Term term) const;

  // §5.4.1: a candidate's log is at least as up-to-date as ours.
  bool is_up_to_date(LogIndex last_index, Term last_term) const;

  // Entries in [lo, hi) with at most `bytes_max` of data beyond the first.
  // Precondition: first_index() <= lo <= hi <= last_index() + 1.
  std::vector<Entry> entries(LogIndex lo, LogIndex hi, std::size_t bytes_max) const;

  // Appends entries from a leader, truncating a conflicting suffix (§5.3).
  // Precondition: entries are consecutive, entries[0].index in (committed, last + 1].
  void append(std::span<const Entry> entries);

  // AppendEntries receiver (Figure 2, steps 2-5): if our entry at `prev_index` has
  // `prev_term`, appends what is new and advances commit to min(leader_commit, last new
  // index); returns the last index the message covers. Empty if the terms do not match.
  std::optional<LogIndex> maybe_append(LogIndex prev_index, Term prev_term, LogIndex leader_commit,
                                       std::span<const Entry> entries);

  // The first entry in `entries` whose term differs from ours (or that we lack), or
  // LogIndex{0} if we hold them all.
  LogIndex find_conflict(std::span<const Entry> entries) const;

  // Fast backtracking (etcd's findConflictByTerm): the largest index <= `index` whose
  // term is <= `term`, with that term. Every index in between has a larger term, so a
  // leader whose entry at `index` has `term` need not probe them one by one.
  std::pair<LogIndex, Term> find_conflict_by_term(LogIndex index, Term term) const;

  void commit_to(LogIndex index);
  // Never moves applied back: entries applied from a Ready handed out before a restore()
  // are behind the snapshot that follows them.
  void applied_to(LogIndex index);

  // Unstable entries not yet handed out for persisting; marks them as in progress.
  std::vector<Entry> take_unpersisted();
  bool has_unpersisted() const;
  // The driver made entries up to (index, term) durable: drop them from the unstable
  // part, unless they were overwritten meanwhile.
  void stable_to(LogIndex index, Term term);
  // Highest index known durable here (the leader's own match index).
  LogIndex persisted_index() const;

  // The snapshot a leader sends a follower that needs discarded entries: the one being
  // restored, else storage's latest. Null when there is none; errors as
  // LogStorage::snapshot().
  Result<std::shared_ptr<const Snapshot>> snapshot() const;
  // A snapshot from the leader whose index is past `committed` and whose entry this log
  // does not hold: the log now starts right after it, empty, with committed and applied at
  // its index (the driver restores the state machine before it applies anything else).
  void restore(std::shared_ptr<const Snapshot> snapshot);
  // The restored snapshot not yet handed out for installing; marks it as handed out.
  std::shared_ptr<const Snapshot> take_unpersisted_snapshot();
  bool has_unpersisted_snapshot() const { return restored_ != nullptr && !restored_handed_out_; }
  // The driver installed `snapshot` in storage: storage now describes the log again.
  void snapshot_stable(const std::shared_ptr<const Snapshot>& snapshot);

  // Committed entries after `applied` up to `hi` (inclusive), bounded by bytes_max.
  std::vector<Entry> next_committed(LogIndex hi, std::size_t bytes_max) const;

 private:
  const LogStorage& storage_;
  std::vector<Entry> unstable_;  // unstable_[i].index == offset_ + i
  LogIndex offset_;
  LogIndex in_progress_;  // unstable entries below it are handed out already
  LogIndex committed_;
  LogIndex applied_;
  std::shared_ptr<const Snapshot> restored_;  // restore()d, not yet installed in storage
  bool restored_handed_out_ = false;
};

}  // namespace auction::raft

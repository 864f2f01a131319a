// LogStorage: where a Raft node keeps its log, its hard state and its latest snapshot.
//
// The core reads through this interface and its driver writes through it; two
// implementations exist: MemoryStorage (tests, simulation) and FileStorage (the write-ahead
// log in a data directory, see file_storage.hpp). An embedder may supply its own.
//
// Threading: not thread-safe; one owner at a time (the driver).
// Durability contract: append() and set_hard_state() may buffer; nothing they wrote may be
// relied on (no vote granted, no entry acknowledged) until sync() has returned; the same
// holds for save_snapshot() and install_snapshot(). compact() promises nothing durable. A failed
// write or sync is not an error value: the storage logs what failed (file and offset) and
// terminates the process, because carrying on would pretend that unsafe data is safe.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/raft/snapshot.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

class LogStorage {
 public:
  virtual ~LogStorage() = default;

  // The hard state as last written (recovered from disk on open).
  virtual HardState hard_state() const = 0;

  // Index of the first entry still held: 1 until compact() or install_snapshot() discard
  // a prefix of the log. Invariant: first_index() - 1 <= snapshot_meta().index whenever a
  // snapshot exists (no entry between the snapshot and the log is missing), and the term
  // of the entry at first_index() - 1 is known (term()).
  virtual LogIndex first_index() const = 0;

  // Index of the last entry held; first_index() - 1 when the log is empty.
  virtual LogIndex last_index() const = 0;

  // Term of the entry at `index`. Term{0} for index 0 (before the log); for
  // first_index() - 1, the term of that discarded entry (the snapshot's term when the log
  // starts right after the snapshot).
  // Errors: "compacted" below first_index() - 1, "unavailable" above last_index().
  virtual Result<Term> term(LogIndex index) const = 0;

  // Entries in [lo, hi), at least one if lo < hi, and no more than `bytes_max` of data
  // beyond the first. Errors as for term().
  virtual Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi,
                                             std::size_t bytes_max) const = 0;

  // Appends entries with consecutive indexes. The first index must be in
  // [first_index(), last_index() + 1]; any held entries at or after it are discarded first
  // (a leader overwriting a follower's conflicting suffix, §5.3). Precondition violations
  // are bugs and abort.
  virtual void append(std::span<const Entry> entries) = 0;

  // Records a new hard state.
  virtual void set_hard_state(const HardState& state) = 0;

  // Makes everything written so far durable (one fdatasync for the whole batch; a snapshot
  // saved or installed since the last sync() is written to its own file first).
  virtual void sync() = 0;

  // ---- snapshots (Raft paper §7) ------------------------------------------------------

  // Index and term of the latest snapshot saved or installed; {0, 0} when none.
  virtual SnapshotMeta snapshot_meta() const = 0;

  // The latest snapshot, whole; null when none. Errors: "storage_unavailable" or
  // "storage_corrupt" if it can no longer be read (an implementation that keeps it on disk).
  virtual Result<std::shared_ptr<const Snapshot>> snapshot() const = 0;

  // Records `snapshot`, taken of this node's own state machine, as the latest one. Its
  // index must be in [first_index() - 1, last_index()], hold an entry of its term, and be
  // above snapshot_meta().index (violations are bugs and abort). The log is kept as it is:
  // compact() discards the prefix once the snapshot is durable.
  virtual void save_snapshot(std::shared_ptr<const Snapshot> snapshot) = 0;

  // Records `snapshot`, received from a leader, as the latest one and discards the whole
  // log: afterwards first_index() == last_index() + 1 == snapshot index + 1, and term() of
  // the snapshot index is its term. Its index must be above snapshot_meta().index (a
  // violation aborts). The hard state is kept; the caller sets its commit index.
  virtual void install_snapshot(std::shared_ptr<const Snapshot> snapshot) = 0;

  // Discards the entries up to `through` (inclusive), which must be durable in a snapshot:
  // first_index() - 1 <= through <= snapshot_meta().index, and a sync() has returned since
  // that snapshot was saved (a violation aborts). first_index() becomes through + 1. Frees
  // memory and disk; durable or not, it loses nothing a node needs.
  virtual void compact(LogIndex through) = 0;
};

}  // namespace auction::raft

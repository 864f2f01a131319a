// LogStorage: where a Raft node keeps its log and hard state.
//
// The core reads through this interface and its driver writes through it; two
// implementations exist: MemoryStorage (tests, simulation) and FileStorage (the write-ahead
// log in a data directory, see file_storage.hpp). An embedder may supply its own.
//
// Threading: not thread-safe; one owner at a time (the driver).
// Durability contract: append() and set_hard_state() may buffer; nothing they wrote may be
// relied on (no vote granted, no entry acknowledged) until sync() has returned. A failed
// write or sync is not an error value: the storage logs what failed (file and offset) and
// terminates the process, because carrying on would pretend that unsafe data is safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

class LogStorage {
 public:
  virtual ~LogStorage() = default;

  // The hard state as last written (recovered from disk on open).
  virtual HardState hard_state() const = 0;

  // Index of the first entry still held (1 until snapshots compact the log).
  virtual LogIndex first_index() const = 0;

  // Index of the last entry held; first_index() - 1 when the log is empty.
  virtual LogIndex last_index() const = 0;

  // Term of the entry at `index`. Term{0} for index 0 (before the log).
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

  // Makes everything written so far durable (one fdatasync for the whole batch).
  virtual void sync() = 0;
};

}  // namespace auction::raft

// GuardedStorage: lets the driver's thread read a LogStorage while the disk thread writes it.
//
// Private to raft::Server. In split mode (driver.hpp) the driver keeps reading the storage
// (terms, entries, last index) while a PersistJob is being written on the disk thread, but
// LogStorage implementations are not thread-safe (FileStorage keeps its log in a
// std::deque that append() grows). This wrapper serializes every reader and the
// in-memory part of every write with one mutex, and runs sync() -- the slow part, the
// fdatasync -- without it, so a stalled disk never stalls the driver's thread.
//
// That is correct only for an inner storage whose sync() changes nothing its readers
// return and touches nothing the other calls leave for readers: FileStorage's sync() writes
// a snapshot saved or installed since the last one to its file, then its private buffer to
// the segment file, and calls fdatasync, and its readers read only the in-memory log, hard
// state and snapshot; MemoryStorage's sync() only moves its undo records. Writers (append,
// set_hard_state, save_snapshot, install_snapshot, sync) must come from one thread at a
// time (the disk thread); compact() from the readers' thread while no write is under way
// (the driver calls it when a persist job came back and before it hands out the next);
// readers from any thread.
// Cost: FileStorage::append() writes its buffer out every 1 MiB and rolls a segment (one
// fdatasync) every 16 MiB while holding the mutex; those rare pauses can delay the
// driver's thread, but never for a whole batch's sync.
#pragma once

#include <mutex>

#include "auction/raft/log_storage.hpp"

namespace auction::raft::detail {

class GuardedStorage final : public LogStorage {
 public:
  // `inner` must outlive this object and be used only through it from now on.
  explicit GuardedStorage(LogStorage& inner) : inner_(inner) {}

  HardState hard_state() const override;
  LogIndex first_index() const override;
  LogIndex last_index() const override;
  Result<Term> term(LogIndex index) const override;
  Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi,
                                     std::size_t bytes_max) const override;
  void append(std::span<const Entry> entries) override;
  void set_hard_state(const HardState& state) override;
  void sync() override;  // without the mutex: see above
  SnapshotMeta snapshot_meta() const override;
  Result<std::shared_ptr<const Snapshot>> snapshot() const override;
  void save_snapshot(std::shared_ptr<const Snapshot> snapshot) override;
  void install_snapshot(std::shared_ptr<const Snapshot> snapshot) override;
  void compact(LogIndex through) override;

 private:
  LogStorage& inner_;
  mutable std::mutex mutex_;
};

}  // namespace auction::raft::detail

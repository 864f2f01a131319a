// GuardedStorage: see guarded_storage.hpp for why sync() alone runs without the mutex.
#include "raft/guarded_storage.hpp"

namespace auction::raft::detail {

HardState GuardedStorage::hard_state() const {
  std::lock_guard lock(mutex_);
  return inner_.hard_state();
}

LogIndex GuardedStorage::first_index() const {
  std::lock_guard lock(mutex_);
  return inner_.first_index();
}

LogIndex GuardedStorage::last_index() const {
  std::lock_guard lock(mutex_);
  return inner_.last_index();
}

Result<Term> GuardedStorage::term(LogIndex index) const {
  std::lock_guard lock(mutex_);
  return inner_.term(index);
}

Result<std::vector<Entry>> GuardedStorage::entries(LogIndex lo, LogIndex hi,
                                                   std::size_t bytes_max) const {
  std::lock_guard lock(mutex_);
  return inner_.entries(lo, hi, bytes_max);
}

void GuardedStorage::append(std::span<const Entry> entries) {
  std::lock_guard lock(mutex_);
  inner_.append(entries);
}

void GuardedStorage::set_hard_state(const HardState& state) {
  std::lock_guard lock(mutex_);
  inner_.set_hard_state(state);
}

void GuardedStorage::sync() { inner_.sync(); }

SnapshotMeta GuardedStorage::snapshot_meta() const {
  std::lock_guard lock(mutex_);
  return inner_.snapshot_meta();
}

Result<std::shared_ptr<const Snapshot>> GuardedStorage::snapshot() const {
  std::lock_guard lock(mutex_);
  return inner_.snapshot();
}

void GuardedStorage::save_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  std::lock_guard lock(mutex_);
  inner_.save_snapshot(std::move(snapshot));
}

void GuardedStorage::install_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  std::lock_guard lock(mutex_);
  inner_.install_snapshot(std::move(snapshot));
}

void GuardedStorage::compact(LogIndex through) {
  std::lock_guard lock(mutex_);
  inner_.compact(through);
}

}  // namespace auction::raft::detail

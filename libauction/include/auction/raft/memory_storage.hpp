// MemoryStorage: LogStorage in memory, for tests and the deterministic simulation.
//
// It honours the durability contract of log_storage.hpp literally, so a simulated crash
// can punish code that relies on unsynced data: crash() forgets every append() and
// set_hard_state() since the last sync(), and can also "tear" the last sync() (undo it
// as if the machine died while that fsync was still in flight, before its caller was
// told it finished). Undo records are kept only for the current and the last synced
// batch, so memory stays proportional to the log. A snapshot saved or installed and not
// yet synced is forgotten by a crash too (with the log an install discarded); compact()
// is never undone, as a real disk may keep it.
//
// Threading: not thread-safe; one owner at a time.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "auction/raft/log_storage.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

class MemoryStorage final : public LogStorage {
 public:
  MemoryStorage() = default;

  HardState hard_state() const override { return hard_state_; }
  LogIndex first_index() const override { return first_index_; }
  LogIndex last_index() const override {
    return LogIndex{first_index_.value + entries_.size() - 1};
  }
  Result<Term> term(LogIndex index) const override;
  Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi,
                                     std::size_t bytes_max) const override;
  void append(std::span<const Entry> entries) override;
  void set_hard_state(const HardState& state) override;
  void sync() override;
  SnapshotMeta snapshot_meta() const override;
  Result<std::shared_ptr<const Snapshot>> snapshot() const override { return snapshot_; }
  void save_snapshot(std::shared_ptr<const Snapshot> snapshot) override;
  void install_snapshot(std::shared_ptr<const Snapshot> snapshot) override;
  void compact(LogIndex through) override;

  // Simulates a power loss: everything written since the last sync() is lost. With
  // `tear_last_sync`, the last synced batch is lost too. Only valid when nobody was told
  // that batch was durable (the driver had not yet finished the Ready that wrote it).
  void crash(bool tear_last_sync = false);

 private:
  // How to undo one write.
  struct Undo {
    enum class Kind : std::uint8_t { append, hard_state, snapshot } kind = Kind::append;
    HardState previous_hard_state;
    LogIndex previous_last;          // append: the last index before it
    std::vector<Entry> overwritten;  // append: the suffix it replaced
    // snapshot (saved or installed): the snapshot before it; an install also keeps the
    // log it discarded.
    std::shared_ptr<const Snapshot> previous_snapshot;
    bool is_install = false;
    std::deque<Entry> previous_entries;
    LogIndex previous_first;
    Term previous_prev_term;
  };
  void roll_back(std::vector<Undo>& batch);
  Term term_at(LogIndex index) const;  // precondition: first_index_ - 1 <= index <= last

  HardState hard_state_;
  std::deque<Entry> entries_;  // entries_[i].index == first_index_ + i
  LogIndex first_index_{1};
  Term prev_term_{0};  // term of the entry at first_index_ - 1
  std::shared_ptr<const Snapshot> snapshot_;
  std::vector<Undo> unsynced_;     // writes since the last sync(), oldest first
  std::vector<Undo> last_synced_;  // the writes the last sync() made durable
};

}  // namespace auction::raft

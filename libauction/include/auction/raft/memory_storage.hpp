// MemoryStorage: LogStorage in memory, for tests and the deterministic simulation.
//
// It honours the durability contract of log_storage.hpp literally, so a simulated crash
// can punish code that relies on unsynced data: crash() forgets every append() and
// set_hard_state() since the last sync(), and can also "tear" the last sync() (undo it
// as if the machine died while that fsync was still in flight, before its caller was
// told it finished). Undo records are kept only for the current and the last synced
// batch, so memory stays proportional to the log.
//
// Threading: not thread-safe; one owner at a time.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "auction/raft/log_storage.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

class MemoryStorage final : public LogStorage {
 public:
  MemoryStorage() = default;

  HardState hard_state() const override { return hard_state_; }
  LogIndex first_index() const override { return LogIndex{1}; }
  LogIndex last_index() const override { return LogIndex{entries_.size()}; }
  Result<Term> term(LogIndex index) const override;
  Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi,
                                     std::size_t bytes_max) const override;
  void append(std::span<const Entry> entries) override;
  void set_hard_state(const HardState& state) override;
  void sync() override;

  // Simulates a power loss: everything written since the last sync() is lost. With
  // `tear_last_sync`, the last synced batch is lost too. Only valid when nobody was told
  // that batch was durable (the driver had not yet finished the Ready that wrote it).
  void crash(bool tear_last_sync = false);

 private:
  // How to undo one write.
  struct Undo {
    bool is_hard_state = false;
    HardState previous_hard_state;
    std::size_t previous_size = 0;   // log length before an append
    std::vector<Entry> overwritten;  // the suffix an append replaced
  };
  void roll_back(std::vector<Undo>& batch);

  HardState hard_state_;
  std::vector<Entry> entries_;     // entries_[i].index == i + 1
  std::vector<Undo> unsynced_;     // writes since the last sync(), oldest first
  std::vector<Undo> last_synced_;  // the writes the last sync() made durable
};

}  // namespace auction::raft

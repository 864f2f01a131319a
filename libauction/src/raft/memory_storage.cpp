// MemoryStorage (see memory_storage.hpp).
#include "auction/raft/memory_storage.hpp"

#include <iterator>
#include <utility>

#include "auction/base/assert.hpp"

namespace auction::raft {

Result<Term> MemoryStorage::term(LogIndex index) const {
  if (index.value == 0) return Term{0};
  if (index > last_index()) return fail(code::unavailable, "index beyond the log");
  return entries_[index.value - 1].term;
}

Result<std::vector<Entry>> MemoryStorage::entries(LogIndex lo, LogIndex hi,
                                                  std::size_t bytes_max) const {
  if (lo.value == 0) return fail(code::compacted, "index 0 holds no entry");
  if (hi.value > last_index().value + 1 || lo > hi) {
    return fail(code::unavailable, "range beyond the log");
  }
  std::vector<Entry> out;
  std::size_t bytes = 0;
  for (std::uint64_t i = lo.value; i < hi.value; ++i) {
    const Entry& e = entries_[i - 1];
    if (!out.empty() && bytes + e.data.size() > bytes_max) break;
    bytes += e.data.size();
    out.push_back(e);
  }
  return out;
}

void MemoryStorage::append(std::span<const Entry> ents) {
  if (ents.empty()) return;
  const std::uint64_t first = ents.front().index.value;
  AUCTION_ASSERT(first >= 1 && first <= entries_.size() + 1, "append leaves a gap");
  for (std::size_t i = 0; i < ents.size(); ++i) {
    AUCTION_ASSERT(ents[i].index.value == first + i, "appended entries not consecutive");
  }
  Undo undo;
  undo.previous_size = entries_.size();
  undo.overwritten.assign(
      std::make_move_iterator(entries_.begin() + static_cast<std::ptrdiff_t>(first - 1)),
      std::make_move_iterator(entries_.end()));
  entries_.resize(first - 1);
  entries_.insert(entries_.end(), ents.begin(), ents.end());
  unsynced_.push_back(std::move(undo));
}

void MemoryStorage::set_hard_state(const HardState& state) {
  Undo undo;
  undo.is_hard_state = true;
  undo.previous_hard_state = hard_state_;
  hard_state_ = state;
  unsynced_.push_back(std::move(undo));
}

void MemoryStorage::sync() { last_synced_ = std::exchange(unsynced_, {}); }

void MemoryStorage::roll_back(std::vector<Undo>& batch) {
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
    if (it->is_hard_state) {
      hard_state_ = it->previous_hard_state;
      continue;
    }
    const std::size_t kept = it->previous_size - it->overwritten.size();
    entries_.resize(kept);
    entries_.insert(entries_.end(), std::make_move_iterator(it->overwritten.begin()),
                    std::make_move_iterator(it->overwritten.end()));
  }
  batch.clear();
}

void MemoryStorage::crash(bool tear_last_sync) {
  roll_back(unsynced_);
  if (tear_last_sync) roll_back(last_synced_);
  last_synced_.clear();
}

}  // namespace auction::raft

// MemoryStorage (see memory_storage.hpp).
#include "auction/raft/memory_storage.hpp"

#include <iterator>
#include <utility>

#include "auction/base/assert.hpp"

namespace auction::raft {

Term MemoryStorage::term_at(LogIndex index) const {
  if (index.value + 1 == first_index_.value) return prev_term_;
  return entries_[index.value - first_index_.value].term;
}

Result<Term> MemoryStorage::term(LogIndex index) const {
  if (index.value + 1 < first_index_.value) {
    return fail(code::compacted, "index " + std::to_string(index.value) + " was compacted");
  }
  if (index > last_index()) return fail(code::unavailable, "index beyond the log");
  return term_at(index);
}

Result<std::vector<Entry>> MemoryStorage::entries(LogIndex lo, LogIndex hi,
                                                  std::size_t bytes_max) const {
  if (lo < first_index_) {
    return fail(code::compacted, "index " + std::to_string(lo.value) + " was compacted");
  }
  if (hi.value > last_index().value + 1 || lo > hi) {
    return fail(code::unavailable, "range beyond the log");
  }
  std::vector<Entry> out;
  std::size_t bytes = 0;
  for (std::uint64_t i = lo.value; i < hi.value; ++i) {
    const Entry& e = entries_[i - first_index_.value];
    if (!out.empty() && bytes + e.data.size() > bytes_max) break;
    bytes += e.data.size();
    out.push_back(e);
  }
  return out;
}

void MemoryStorage::append(std::span<const Entry> ents) {
  if (ents.empty()) return;
  const std::uint64_t first = ents.front().index.value;
  AUCTION_ASSERT(first >= first_index_.value && first <= last_index().value + 1,
                 "append leaves a gap or reaches below the first index");
  for (std::size_t i = 0; i < ents.size(); ++i) {
    AUCTION_ASSERT(ents[i].index.value == first + i, "appended entries not consecutive");
  }
  Undo undo;
  undo.previous_last = last_index();
  const auto kept = static_cast<std::ptrdiff_t>(first - first_index_.value);
  undo.overwritten.assign(std::make_move_iterator(entries_.begin() + kept),
                          std::make_move_iterator(entries_.end()));
  entries_.erase(entries_.begin() + kept, entries_.end());
  entries_.insert(entries_.end(), ents.begin(), ents.end());
  unsynced_.push_back(std::move(undo));
}

void MemoryStorage::set_hard_state(const HardState& state) {
  Undo undo;
  undo.kind = Undo::Kind::hard_state;
  undo.previous_hard_state = hard_state_;
  hard_state_ = state;
  unsynced_.push_back(std::move(undo));
}

void MemoryStorage::sync() { last_synced_ = std::exchange(unsynced_, {}); }

SnapshotMeta MemoryStorage::snapshot_meta() const {
  return snapshot_ ? snapshot_->meta : SnapshotMeta{};
}

void MemoryStorage::save_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  AUCTION_ASSERT(snapshot != nullptr, "save_snapshot(null)");
  const SnapshotMeta meta = snapshot->meta;
  AUCTION_ASSERT(meta.index > snapshot_meta().index && meta.index.value + 1 >= first_index_.value &&
                     meta.index <= last_index() && term_at(meta.index) == meta.term,
                 "a saved snapshot must be newer and hold an entry of the log with its term");
  Undo undo;
  undo.kind = Undo::Kind::snapshot;
  undo.previous_snapshot = std::exchange(snapshot_, std::move(snapshot));
  unsynced_.push_back(std::move(undo));
}

void MemoryStorage::install_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  AUCTION_ASSERT(snapshot != nullptr, "install_snapshot(null)");
  AUCTION_ASSERT(snapshot->meta.index > snapshot_meta().index,
                 "an installed snapshot must be newer than the one held");
  Undo undo;
  undo.kind = Undo::Kind::snapshot;
  undo.is_install = true;
  undo.previous_entries = std::exchange(entries_, {});
  undo.previous_first = first_index_;
  undo.previous_prev_term = prev_term_;
  first_index_ = LogIndex{snapshot->meta.index.value + 1};
  prev_term_ = snapshot->meta.term;
  undo.previous_snapshot = std::exchange(snapshot_, std::move(snapshot));
  unsynced_.push_back(std::move(undo));
}

void MemoryStorage::compact(LogIndex through) {
  AUCTION_ASSERT(through.value + 1 >= first_index_.value && through <= snapshot_meta().index &&
                     through <= last_index(),
                 "compact() past the snapshot or the log");
  for (const Undo& undo : unsynced_) {
    AUCTION_ASSERT(undo.kind != Undo::Kind::snapshot, "compact() before the snapshot was synced");
  }
  prev_term_ = term_at(through);
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(
                                                          through.value + 1 - first_index_.value));
  first_index_ = LogIndex{through.value + 1};
}

void MemoryStorage::roll_back(std::vector<Undo>& batch) {
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
    switch (it->kind) {
      case Undo::Kind::hard_state: hard_state_ = it->previous_hard_state; break;
      case Undo::Kind::snapshot:
        snapshot_ = std::move(it->previous_snapshot);
        if (it->is_install) {
          entries_ = std::move(it->previous_entries);
          first_index_ = it->previous_first;
          prev_term_ = it->previous_prev_term;
        }
        break;
      case Undo::Kind::append: {
        // Entries compacted since stay compacted: they were committed, so never overwritten.
        const std::uint64_t kept_last = it->previous_last.value - it->overwritten.size();
        AUCTION_ASSERT(kept_last + 1 >= first_index_.value, "undoing an append below the log");
        entries_.resize(kept_last + 1 - first_index_.value);
        entries_.insert(entries_.end(), std::make_move_iterator(it->overwritten.begin()),
                        std::make_move_iterator(it->overwritten.end()));
        break;
      }
    }
  }
  batch.clear();
}

void MemoryStorage::crash(bool tear_last_sync) {
  roll_back(unsynced_);
  if (tear_last_sync) roll_back(last_synced_);
  last_synced_.clear();
}

}  // namespace auction::raft

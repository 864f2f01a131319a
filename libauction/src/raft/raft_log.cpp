// RaftLog: stable entries in LogStorage plus unstable ones in memory (see raft_log.hpp).
#include "auction/raft/detail/raft_log.hpp"

#include <algorithm>

#include "auction/base/assert.hpp"

namespace auction::raft {

RaftLog::RaftLog(const LogStorage& storage)
    : storage_(storage),
      offset_(storage.last_index().value + 1),
      in_progress_(offset_),
      committed_(std::max(storage.hard_state().commit, storage.snapshot_meta().index)),
      // The state machine starts as the snapshot left it (Driver's precondition).
      applied_(storage.snapshot_meta().index) {
  AUCTION_ASSERT(committed_ <= storage.last_index(), "stored commit beyond the stored log");
  AUCTION_ASSERT(storage.first_index().value <= applied_.value + 1,
                 "the stored log starts after its snapshot");
}

LogIndex RaftLog::first_index() const {
  if (restored_) return LogIndex{restored_->meta.index.value + 1};
  return storage_.first_index();
}

LogIndex RaftLog::last_index() const {
  if (!unstable_.empty()) return unstable_.back().index;
  if (restored_) return restored_->meta.index;
  return storage_.last_index();
}

Term RaftLog::last_term() const {
  auto t = term(last_index());
  AUCTION_ASSERT(t.has_value(), "last entry unreadable");
  return *t;
}

Result<Term> RaftLog::term(LogIndex index) const {
  if (index >= offset_ && !unstable_.empty()) {
    if (index > unstable_.back().index) return fail(code::unavailable, "index beyond the log");
    return unstable_[index.value - offset_.value].term;
  }
  if (index >= offset_) return fail(code::unavailable, "index beyond the log");
  if (restored_) {
    if (index == restored_->meta.index) return restored_->meta.term;
    return fail(code::compacted, "index " + std::to_string(index.value) + " is in the snapshot");
  }
  return storage_.term(index);
}

bool RaftLog::matches(LogIndex index, Term t) const {
  auto have = term(index);
  return have.has_value() && *have == t;
}

bool RaftLog::is_up_to_date(LogIndex index, Term t) const {
  const Term ours = last_term();
  return t > ours || (t == ours && index >= last_index());
}

std::vector<Entry> RaftLog::entries(LogIndex lo, LogIndex hi, std::size_t bytes_max) const {
  AUCTION_ASSERT(lo >= first_index() && lo <= hi && hi.value <= last_index().value + 1,
                 "entries out of range");
  std::vector<Entry> out;
  std::size_t bytes = 0;
  const auto fits = [&](const Entry& e) {
    if (!out.empty() && bytes + e.data.size() > bytes_max) return false;
    bytes += e.data.size();
    return true;
  };
  if (lo < offset_) {
    const LogIndex storage_hi{std::min(hi.value, offset_.value)};
    auto stored = storage_.entries(lo, storage_hi, bytes_max);
    AUCTION_ASSERT(stored.has_value(), "stable entries unreadable");
    for (Entry& e : *stored) {
      if (!fits(e)) return out;
      out.push_back(std::move(e));
    }
    // Storage stopped early on its byte limit: do not skip ahead into the unstable part.
    if (out.empty() || out.back().index.value + 1 < storage_hi.value) return out;
  }
  for (std::uint64_t i = std::max(lo.value, offset_.value); i < hi.value; ++i) {
    const Entry& e = unstable_[i - offset_.value];
    if (!fits(e)) break;
    out.push_back(e);
  }
  return out;
}

void RaftLog::append(std::span<const Entry> ents) {
  if (ents.empty()) return;
  const LogIndex after = ents.front().index;
  AUCTION_ASSERT(after > committed_, "overwriting committed entries");
  AUCTION_ASSERT(after.value <= last_index().value + 1, "gap in the log");
  for (std::size_t i = 1; i < ents.size(); ++i) {
    AUCTION_ASSERT(ents[i].index.value == after.value + i, "entries not consecutive");
  }
  if (!unstable_.empty() && after.value == unstable_.back().index.value + 1) {
    // The common case: directly after the unstable tail.
  } else if (after <= offset_) {
    // Replaces everything unstable; storage's conflicting suffix is overwritten when the
    // driver appends these entries there.
    unstable_.clear();
    offset_ = after;
  } else {
    unstable_.resize(after.value - offset_.value);
  }
  in_progress_ = std::min(in_progress_, after);
  unstable_.insert(unstable_.end(), ents.begin(), ents.end());
}

std::optional<LogIndex> RaftLog::maybe_append(LogIndex prev_index, Term prev_term,
                                              LogIndex leader_commit, std::span<const Entry> ents) {
  if (!matches(prev_index, prev_term)) return std::nullopt;
  const LogIndex last_new{prev_index.value + ents.size()};
  const LogIndex conflict = find_conflict(ents);
  if (conflict.value != 0) {
    AUCTION_ASSERT(conflict > committed_, "a leader contradicts a committed entry");
    append(ents.subspan(conflict.value - prev_index.value - 1));
  }
  commit_to(std::min(leader_commit, last_new));
  return last_new;
}

LogIndex RaftLog::find_conflict(std::span<const Entry> ents) const {
  for (const Entry& e : ents) {
    if (!matches(e.index, e.term)) return e.index;
  }
  return LogIndex{0};
}

std::pair<LogIndex, Term> RaftLog::find_conflict_by_term(LogIndex index, Term t) const {
  index = std::min(index, last_index());
  for (;; index = LogIndex{index.value - 1}) {
    auto have = term(index);
    // Below what we hold (compacted) we cannot say more; index 0 has term 0.
    if (!have.has_value()) return {index, Term{0}};
    if (*have <= t) return {index, *have};
  }
}

void RaftLog::commit_to(LogIndex index) {
  if (index <= committed_) return;
  AUCTION_ASSERT(index <= last_index(), "committing beyond the log");
  committed_ = index;
}

void RaftLog::applied_to(LogIndex index) {
  AUCTION_ASSERT(index <= committed_, "applied beyond the commit index");
  applied_ = std::max(applied_, index);
}

std::vector<Entry> RaftLog::take_unpersisted() {
  if (!has_unpersisted()) return {};
  const auto from =
      unstable_.begin() + static_cast<std::ptrdiff_t>(in_progress_.value - offset_.value);
  std::vector<Entry> out(from, unstable_.end());
  in_progress_ = LogIndex{unstable_.back().index.value + 1};
  return out;
}

bool RaftLog::has_unpersisted() const {
  return !unstable_.empty() && in_progress_ <= unstable_.back().index;
}

void RaftLog::stable_to(LogIndex index, Term t) {
  if (unstable_.empty() || index < offset_ || index > unstable_.back().index) return;
  if (unstable_[index.value - offset_.value].term != t) return;  // overwritten in flight
  unstable_.erase(unstable_.begin(),
                  unstable_.begin() + static_cast<std::ptrdiff_t>(index.value - offset_.value + 1));
  offset_ = LogIndex{index.value + 1};
  in_progress_ = std::max(in_progress_, offset_);
}

LogIndex RaftLog::persisted_index() const {
  if (unstable_.empty() && !restored_) return storage_.last_index();
  return LogIndex{offset_.value - 1};
}

Result<std::shared_ptr<const Snapshot>> RaftLog::snapshot() const {
  if (restored_) return restored_;
  return storage_.snapshot();
}

void RaftLog::restore(std::shared_ptr<const Snapshot> snapshot) {
  const LogIndex index = snapshot->meta.index;
  AUCTION_ASSERT(index > committed_, "restoring a snapshot behind the commit index");
  unstable_.clear();
  offset_ = LogIndex{index.value + 1};
  in_progress_ = offset_;
  committed_ = index;
  applied_ = index;
  restored_ = std::move(snapshot);
  restored_handed_out_ = false;
}

std::shared_ptr<const Snapshot> RaftLog::take_unpersisted_snapshot() {
  if (!has_unpersisted_snapshot()) return nullptr;
  restored_handed_out_ = true;
  return restored_;
}

void RaftLog::snapshot_stable(const std::shared_ptr<const Snapshot>& snapshot) {
  // A later restore() may have replaced it meanwhile: that one is still to be installed.
  if (restored_ == snapshot) restored_.reset();
}

std::vector<Entry> RaftLog::next_committed(LogIndex hi, std::size_t bytes_max) const {
  hi = std::min(hi, committed_);
  if (hi <= applied_) return {};
  return entries(LogIndex{applied_.value + 1}, LogIndex{hi.value + 1}, bytes_max);
}

}  // namespace auction::raft

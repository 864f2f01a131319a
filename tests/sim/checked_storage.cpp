// CheckedStorage (see checked_storage.hpp).
#include "checked_storage.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "safety_checker.hpp"

namespace auction::test {

namespace {

std::string describe(const raft::HardState& s) {
  return "term " + std::to_string(s.term.value) +
         (s.has_vote ? ", vote for " + std::to_string(s.vote.value) : ", no vote");
}

bool same_term_and_vote(const raft::HardState& a, const raft::HardState& b) {
  return a.term == b.term && a.has_vote == b.has_vote && (!a.has_vote || a.vote == b.vote);
}

}  // namespace

std::string CheckedStorage::attach(raft::LogStorage& recovered) {
  std::string lost = check(recovered);
  inner_ = &recovered;
  hashes_.clear();
  hashes_first_ = recovered.first_index().value;
  const raft::LogIndex last = recovered.last_index();
  if (last.value >= hashes_first_) {
    auto log = recovered.entries(recovered.first_index(), raft::LogIndex{last.value + 1}, SIZE_MAX);
    if (!log) return "recovered a log it cannot read back: " + log.error().message;
    for (const raft::Entry& e : *log) hashes_.push_back(chain_hash(0, e));
  }
  promised_last_ = last.value;
  promised_snapshot_ = recovered.snapshot_meta().index.value;
  promised_ = recovered.hard_state();
  written_since_.clear();
  new_vote_ = false;
  return lost;
}

void CheckedStorage::promise() {
  const raft::HardState now = inner_->hard_state();
  if (now.has_vote && !same_term_and_vote(now, promised_)) new_vote_ = true;
  promised_ = now;
  promised_last_ = written_last();
  promised_snapshot_ = inner_->snapshot_meta().index.value;
  written_since_.clear();
}

bool CheckedStorage::take_new_vote() { return std::exchange(new_vote_, false); }

void CheckedStorage::append(std::span<const raft::Entry> entries) {
  if (!entries.empty()) {
    // Noted before the write: if the disk fails in the middle of it, the crash that
    // follows may keep any part of it.
    const std::uint64_t first = entries.front().index.value;
    promised_last_ = std::min(promised_last_, first - 1);
    hashes_.resize(std::min<std::size_t>(hashes_.size(), first - hashes_first_));
    for (const raft::Entry& e : entries) hashes_.push_back(chain_hash(0, e));
  }
  inner_->append(entries);
}

void CheckedStorage::install_snapshot(std::shared_ptr<const raft::Snapshot> snapshot) {
  const std::uint64_t index = snapshot->meta.index.value;
  promised_last_ = std::min(promised_last_, index);
  hashes_.clear();
  hashes_first_ = index + 1;
  inner_->install_snapshot(std::move(snapshot));
}

void CheckedStorage::set_hard_state(const raft::HardState& state) {
  written_since_.push_back(state);
  inner_->set_hard_state(state);
}

void CheckedStorage::sync() {
  inner_->sync();
  if (promises_on_sync_) promise();
}

std::string CheckedStorage::check(const raft::LogStorage& image) const {
  const raft::HardState kept = image.hard_state();
  const bool hard_state_ok =
      same_term_and_vote(kept, promised_) ||
      std::any_of(written_since_.begin(), written_since_.end(),
                  [&](const raft::HardState& s) { return same_term_and_vote(kept, s); });
  if (!hard_state_ok) {
    return "kept " + describe(kept) + " where it was promised " + describe(promised_);
  }
  const std::uint64_t snapshot = image.snapshot_meta().index.value;
  if (snapshot < promised_snapshot_) {
    return "kept a snapshot of index " + std::to_string(snapshot) + " where it was promised one of " +
           std::to_string(promised_snapshot_);
  }
  // Promised entries the image holds in its log, from where both the record and the image's
  // log begin; those before are in the image's snapshot (checked above: it covers them).
  const std::uint64_t from = std::max(hashes_first_, image.first_index().value);
  if (from > promised_last_) return {};
  if (image.first_index().value > hashes_first_ && image.first_index().value - 1 > snapshot) {
    return "lost entries before index " + std::to_string(image.first_index().value) +
           " without a snapshot holding them";
  }
  const std::uint64_t last = image.last_index().value;
  if (last < promised_last_) {
    return "kept entries up to " + std::to_string(last) + " of the " +
           std::to_string(promised_last_) + " it was promised";
  }
  auto log = image.entries(raft::LogIndex{from}, raft::LogIndex{promised_last_ + 1}, SIZE_MAX);
  if (!log) return "kept a log it cannot read back: " + log.error().message;
  for (const raft::Entry& e : *log) {
    if (chain_hash(0, e) != hash_at(e.index.value)) {
      return "kept a different entry " + std::to_string(e.index.value) + " (term " +
             std::to_string(e.term.value) + ") than the one it was promised";
    }
  }
  return {};
}

}  // namespace auction::test

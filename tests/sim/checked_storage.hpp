// CheckedStorage: a simulated node's LogStorage as its driver sees it, and the record of
// what that node was promised is durable.
//
// Part of the deterministic Raft simulator (tests/sim). It sits between a node's driver
// and its real storage (raft::FileStorage on a SimDisk, or raft::MemoryStorage), forwards
// every call unchanged, and keeps, across the node's crashes, what the durability contract
// of log_storage.hpp says a crash must leave: every entry, the term and the vote as they
// stood when the driver was last told its writes were durable. That is when sync()
// returns in synchronous mode, and when the simulator calls promise() just before it hands
// the driver on_persisted() in split mode. check() compares a storage a crash left with
// that promise, so a storage that loses or changes anything promised fails the run at
// once, whether or not Raft would trip over the loss later.
// A crash may keep more than the promise: any of the writes made after it (entries, hard
// states), and one of those writes may be a leader's cut of a conflicting suffix (§5.3),
// so the promise of entries stops below the lowest cut made since it.
// The commit index is not checked: the contract does not promise it (types.hpp).
// Snapshots: a promised snapshot must be kept (or a newer one), and a promised entry may be
// missing from the log only where a kept snapshot covers it (a snapshot holds committed
// entries only, so it holds the promised ones). An install discards the log it replaces:
// the promise of entries stops at its index, as for a cut.
// Before a compaction it calls on_compact() (the simulator has the SafetyChecker hash the
// node's log first, while it still holds what is about to go).
// Threading: none; used from the simulator's thread. Never: changes what it forwards.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "auction/raft/log_storage.hpp"

namespace auction::test {

class CheckedStorage final : public raft::LogStorage {
 public:
  // With `promises_on_sync` (a node in synchronous mode) every returned sync() is a
  // promise; otherwise only promise() is.
  explicit CheckedStorage(bool promises_on_sync) : promises_on_sync_(promises_on_sync) {}

  // The node boots on `recovered` (which must outlive detach()). Returns what `recovered`
  // lacks of the promise (empty if nothing); from now on the promise is what it holds.
  std::string attach(raft::LogStorage& recovered);
  // The node crashed: nothing is forwarded until the next attach().
  void detach() { inner_ = nullptr; }

  // Split mode: the driver is about to be told that everything written so far is durable.
  void promise();
  // Whether a vote (a term and a candidate) was promised since the last call: the
  // simulator then may check what the disk would give back if the node crashed now.
  bool take_new_vote();

  // What `image`, the storage a crash would leave now, lacks of the promise; empty if
  // nothing. Names the first lost or changed entry, or the lost term or vote.
  std::string check(const raft::LogStorage& image) const;

  // raft::LogStorage: forwarded to the attached storage.
  raft::HardState hard_state() const override { return inner_->hard_state(); }
  raft::LogIndex first_index() const override { return inner_->first_index(); }
  raft::LogIndex last_index() const override { return inner_->last_index(); }
  Result<raft::Term> term(raft::LogIndex index) const override { return inner_->term(index); }
  Result<std::vector<raft::Entry>> entries(raft::LogIndex lo, raft::LogIndex hi,
                                           std::size_t bytes_max) const override {
    return inner_->entries(lo, hi, bytes_max);
  }
  void append(std::span<const raft::Entry> entries) override;
  void set_hard_state(const raft::HardState& state) override;
  void sync() override;
  raft::SnapshotMeta snapshot_meta() const override { return inner_->snapshot_meta(); }
  Result<std::shared_ptr<const raft::Snapshot>> snapshot() const override {
    return inner_->snapshot();
  }
  void save_snapshot(std::shared_ptr<const raft::Snapshot> snapshot) override {
    inner_->save_snapshot(std::move(snapshot));
  }
  void install_snapshot(std::shared_ptr<const raft::Snapshot> snapshot) override;
  void compact(raft::LogIndex through) override {
    if (on_compact) on_compact();
    inner_->compact(through);
  }

  std::function<void()> on_compact;

 private:
  // The hash of each entry as written (chain_hash(0, entry)): hashes_[i] is index
  // hashes_first_ + i. Only ever appended or cut at the tail, and reset by an install.
  std::uint64_t hash_at(std::uint64_t index) const { return hashes_[index - hashes_first_]; }
  std::uint64_t written_last() const { return hashes_first_ + hashes_.size() - 1; }

  raft::LogStorage* inner_ = nullptr;
  bool promises_on_sync_;
  std::vector<std::uint64_t> hashes_;
  std::uint64_t hashes_first_ = 1;
  // Promised: entries up to promised_last_ as hashes_ has them (no write since has touched
  // them; those below hashes_first_ are covered by the promised snapshot), the snapshot
  // up to promised_snapshot_, and the term and vote of promised_.
  std::uint64_t promised_last_ = 0;
  std::uint64_t promised_snapshot_ = 0;
  raft::HardState promised_;
  std::vector<raft::HardState> written_since_;  // hard states recorded after the promise
  bool new_vote_ = false;
};

}  // namespace auction::test

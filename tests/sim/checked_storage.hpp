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
// Threading: none; used from the simulator's thread. Never: changes what it forwards.
#pragma once

#include <cstdint>
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
  void install_snapshot(std::shared_ptr<const raft::Snapshot> snapshot) override {
    inner_->install_snapshot(std::move(snapshot));
  }
  void compact(raft::LogIndex through) override { inner_->compact(through); }

 private:
  raft::LogStorage* inner_ = nullptr;
  bool promises_on_sync_;
  // The hash chain of the log as written: hashes_[i] covers entries 1..i (hashes_[0] = 0).
  std::vector<std::uint64_t> hashes_{0};
  // Promised: entries 1..promised_last_ as hashes_ has them (no write since has touched
  // them), and the term and vote of promised_.
  std::uint64_t promised_last_ = 0;
  raft::HardState promised_;
  std::vector<raft::HardState> written_since_;  // hard states recorded after the promise
  bool new_vote_ = false;
};

}  // namespace auction::test

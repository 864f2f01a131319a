// Snapshot: the state machine's state as of one log index, which lets a node discard the
// log up to that index (Raft paper §7, dissertation chapter 5).
//
// Plain values only: no I/O. A snapshot is immutable once made and shared by pointer, so
// a leader can send it in chunks from one thread while another writes it to disk.
// Threading: a shared_ptr<const Snapshot> may be read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "auction/raft/membership.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

// The point a snapshot was taken at: the index and term of the last entry it includes
// (the paper's lastIncludedIndex and lastIncludedTerm), and the cluster's configuration as
// of that entry (§4: it replaces the config entries the snapshot discards). {0, 0}: no
// snapshot. An empty membership: none recorded (a snapshot written before membership
// changes existed; the node's founding configuration applies).
struct SnapshotMeta {
  LogIndex index;
  Term term;
  Membership membership = {};

  friend bool operator==(const SnapshotMeta&, const SnapshotMeta&) = default;
};

struct Snapshot {
  SnapshotMeta meta;
  std::string data;            // what StateMachine::snapshot() returned at meta.index
  std::uint32_t checksum = 0;  // CRC32C (Castagnoli) of `data`

  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

// A snapshot of `data` taken at `meta`, its checksum computed.
std::shared_ptr<const Snapshot> make_snapshot(SnapshotMeta meta, std::string data);

}  // namespace auction::raft

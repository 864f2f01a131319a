// Config: the settings of one Raft node's pure core (raft::Core) and its driver.
//
// Plain data. Every bound a peer or a client can push against is here, so memory stays
// bounded whatever the load. Time is counted in ticks: the runtime decides how long a
// tick is (e.g. 50 ms); the core never reads a clock.
// Threading: plain data, copied into the core at construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "auction/raft/types.hpp"

namespace auction::raft {

struct Config {
  NodeId id;  // this node; never NodeId{0} (0 means "none" on the wire)
  // The founding configuration's other voters (with `id`, every voter); must not contain
  // `id` or duplicates. Used only while the log and the snapshot hold no configuration: a
  // cluster's membership changes live in its log (membership.hpp).
  std::vector<NodeId> peers;
  // This node joins a running cluster: it starts outside any configuration (peers must be
  // empty), never campaigns, and learns the configuration from the leader that adds it.
  bool join = false;
  // A leader whose log and snapshot record no configuration yet appends the founding one as
  // a config entry after its no-op, so that every node's configuration is in its log from
  // then on and `peers` may change (a cluster file edited after members were added). Off:
  // the founding configuration always comes from `peers` until the first membership change,
  // so `peers` must stay as it was (an embedder with a fixed set of nodes; unit tests that
  // count entries).
  bool record_founding_membership = true;

  // A follower that hears no leader for a random time in
  // [election_timeout_ticks, 2 * election_timeout_ticks) starts an election (§5.2).
  // Must be > heartbeat_ticks.
  int election_timeout_ticks = 10;
  int heartbeat_ticks = 1;  // a leader sends heartbeats this often

  // Pre-vote (dissertation §9.6): a node first asks whether it could win, without touching
  // any term, so a node rejoining after a partition cannot depose a healthy leader.
  bool pre_vote = true;
  // Check-quorum (dissertation §6.2 and §9.6): a leader that has not heard from a majority
  // within an election timeout steps down, and a follower that heard from a leader within
  // the election timeout ignores (pre-)vote requests (the leader lease).
  bool check_quorum = true;

  // Replication batching and pipelining (dissertation §10.2).
  std::size_t append_entries_max = 64;     // entries per AppendEntries
  std::size_t append_bytes_max = 1 << 20;  // entry data per AppendEntries (>= 1 entry)
  std::size_t inflight_max = 8;            // AppendEntries in flight per follower, >= 1

  // Bytes of proposed entry data not yet committed; a leader over it answers "overloaded".
  std::size_t uncommitted_bytes_max = 8 << 20;
  std::size_t entry_bytes_max = 1 << 20;      // one proposal's data
  std::size_t apply_bytes_max = 4 << 20;      // committed entry data per Ready (>= 1 entry)
  std::size_t reads_pending_max = 4096;       // ReadIndex requests waiting on a leader
  std::size_t proposals_pending_max = 65536;  // proposals a driver tracks until applied
  std::size_t messages_max = 4096;            // messages queued in the core before the
                                              // caller takes them; beyond it they are
                                              // dropped, which Raft tolerates as loss

  // Snapshots (§7). A leader sends a follower that needs entries it discarded its latest
  // snapshot, in chunks of snapshot_chunk_bytes, with at most snapshot_chunks_inflight
  // unacknowledged; a follower that acknowledges nothing for an election timeout gets the
  // chunks again from the last it acknowledged (a timeout on progress, never on the
  // transfer's total time, so a large snapshot over a slow link still arrives).
  std::size_t snapshot_chunk_bytes = 1 << 20;  // >= 1
  std::size_t snapshot_chunks_inflight = 4;    // >= 1
  // The largest snapshot a follower accepts to receive (it holds the chunks in memory until
  // the snapshot is whole); a bigger one is not started.
  std::uint64_t snapshot_bytes_max = std::uint64_t{4} << 30;
  // The driver takes a snapshot of the state machine once this many entries were applied
  // since the last one, or once their data reached snapshot_log_bytes; 0 turns either
  // trigger off (both 0: never). It then discards the log up to snapshot_keep_entries
  // entries before the snapshot: those let a leader catch up a follower that lags a little
  // without sending it a whole snapshot.
  std::uint64_t snapshot_entries = 0;
  std::uint64_t snapshot_log_bytes = 0;
  std::uint64_t snapshot_keep_entries = 1000;

  std::uint64_t seed = 1;  // seeds the election-timeout generator; same seed, same run
};

}  // namespace auction::raft

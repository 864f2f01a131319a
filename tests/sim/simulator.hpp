// Simulator: runs a whole Raft cluster on one thread in simulated time and tries to break it.
//
// Part of the deterministic Raft simulator (tests/sim). N nodes -- raft::Driver, the
// production code path, in synchronous mode or in split mode (through GuardedStorage, with
// persist jobs that complete after a random delay, as raft::Server's disk thread runs them)
// -- over the real raft::FileStorage on a SimDisk that loses unsynced writes, tears the last
// one and fails writes and syncs (a failure stops the node, as it aborts a replica), or, for
// a quarter of the seeds, over raft::MemoryStorage; their clocks may run at different rates.
// They talk through a SimNetwork that drops, delays, duplicates and reorders messages,
// holds a few back for up to hundreds of ticks, and is cut by partitions of every shape;
// nodes crash (losing what was not synced, sometimes the last sync too when the storage
// contract allows it) and restart with an empty state machine, a FileStorage recovering
// from what their disk kept; running nodes are paused (no ticks, messages held until they
// resume) as in a long GC pause; clients propose unique commands and issue ReadIndex reads. After
// every tick a SafetyChecker checks the Raft safety properties; at every restart, and after a
// sample of the votes a node is promised on a recovery from a copy of what its disk has synced, a
// CheckedStorage checks that the storage kept everything the node was told is durable. The faults
// then stop (network healed, disks reliable, all nodes up) and the cluster must elect a leader,
// commit a new command and converge within bounded ticks.
//
// Everything random comes from one SimRandom seeded by SimOptions::seed, so a run is a
// pure function of its options: a failure is replayed by running the same options.
// Threading: none; a Simulator is used from one thread. Never: reads a clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace auction::test {

struct SimOptions {
  std::uint64_t seed = 1;
  std::size_t nodes = 3;       // 1..9
  std::uint64_t ticks = 2000;  // ticks of faults before the quiet period
  // After the quiet period begins: a leader must commit a new command within
  // liveness_ticks, and every node must then converge within as many ticks again.
  std::uint64_t liveness_ticks = 400;
};

// What one run did, for the test report and for the soak totals.
struct SimStats {
  std::uint64_t ticks = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t messages_duplicated = 0;
  std::uint64_t messages_straggled = 0;  // held back up to hundreds of ticks
  std::uint64_t crashes = 0;
  std::uint64_t torn_syncs = 0;         // crashes that lost a persist job's sync in flight
  std::uint64_t disk_write_faults = 0;  // injected failures of a write or truncation
  std::uint64_t disk_sync_faults = 0;   // injected failures of an fdatasync or fsync
  std::uint64_t disk_stops = 0;         // running nodes stopped by a failed write or sync
  std::uint64_t failed_opens = 0;       // restarts whose FileStorage::open met a failure
  std::uint64_t torn_writes = 0;        // crashes that left part of a write on disk
  std::uint64_t lost_writes = 0;        // unsynced writes and name changes crashes undid
  std::uint64_t tail_cuts = 0;          // recoveries that cut a torn tail or torn segment
  std::uint64_t durability_checks = 0;  // recoveries from a copy of what a disk had synced
  std::uint64_t pauses = 0;
  std::uint64_t partitions = 0;
  std::uint64_t transfers = 0;            // leadership transfers a leader accepted
  std::uint64_t membership_changes = 0;   // learners added, promotions, removals proposed
  std::uint64_t snapshots_saved = 0;      // taken of a state machine, the log then compacted
  std::uint64_t snapshots_installed = 0;  // received from a leader in chunks
  std::uint64_t leaders = 0;              // distinct terms with a leader
  std::uint64_t proposals = 0;            // accepted by a leader
  std::uint64_t acked_writes = 0;
  std::uint64_t reads_answered = 0;
  std::uint64_t committed = 0;  // highest committed index

  SimStats& operator+=(const SimStats& other);
};

struct SimResult {
  bool ok = true;
  std::string failure;  // the first broken property, with the tick it broke at
  std::string setup;    // the configuration the seed drew (one line)
  std::string trace;    // the last events before the failure, one per line
  SimStats stats;
};

// Runs one simulation. Deterministic: the same options give the same result.
SimResult run_simulation(const SimOptions& options);

}  // namespace auction::test

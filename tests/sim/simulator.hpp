// Simulator: runs a whole Raft cluster on one thread in simulated time and tries to break it.
//
// Part of the deterministic Raft simulator (tests/sim). N nodes (raft::Driver over
// raft::MemoryStorage, the production code path: synchronous mode, or split mode with a
// simulated disk whose writes complete after a random delay) talk through a SimNetwork
// that drops, delays, duplicates and reorders messages and is cut by partitions of every
// shape; nodes crash (losing what was not synced, sometimes the last sync too when the
// storage contract allows it) and restart with an empty state machine; running nodes are
// paused (no ticks, messages held until they resume) as in a long GC pause; clients propose
// unique commands and issue ReadIndex reads. After every tick a SafetyChecker checks the
// Raft safety properties. The faults then stop (network healed, all nodes up) and the
// cluster must elect a leader, commit a new command and converge within bounded ticks.
//
// Everything random comes from one SimRandom seeded by SimOptions::seed, so a run is a
// pure function of its options: a failure is replayed by running the same options.
// Threading: none; a Simulator is used from one thread. Never: reads a clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace auction::sim {

struct SimOptions {
  std::uint64_t seed = 1;
  std::size_t nodes = 3;            // 1..9
  std::uint64_t ticks = 2000;       // ticks of faults before the quiet period
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
  std::uint64_t crashes = 0;
  std::uint64_t torn_syncs = 0;
  std::uint64_t pauses = 0;
  std::uint64_t partitions = 0;
  std::uint64_t leaders = 0;          // distinct terms with a leader
  std::uint64_t proposals = 0;        // accepted by a leader
  std::uint64_t acked_writes = 0;
  std::uint64_t reads_answered = 0;
  std::uint64_t committed = 0;        // highest committed index

  SimStats& operator+=(const SimStats& other);
};

struct SimResult {
  bool ok = true;
  std::string failure;   // the first broken property, with the tick it broke at
  std::string setup;     // the configuration the seed drew (one line)
  std::string trace;     // the last events before the failure, one per line
  SimStats stats;
};

// Runs one simulation. Deterministic: the same options give the same result.
SimResult run_simulation(const SimOptions& options);

}  // namespace auction::sim

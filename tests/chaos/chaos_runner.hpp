// The chaos test: real replicas under a seeded schedule of faults, concurrent clients whose
// every call is recorded, and at the end the checks that the platform kept its promises.
//
// One run: start a cluster (ChaosCluster, in network namespaces when ChaosNetwork can be
// built), log in the users and create the auctions, then for `duration` let `clients`
// threads (each its own io_context, and one platform::Client per user it acts as, proving
// that user's key) call login / get_user_address / join_auction / quit_auction /
// fetch_auctions while ChaosNemesis kills, pauses and cuts.
// Then heal everything, stop the clients, kill -9 and restart every replica, wait until all
// replicas have applied the same entries with the same state digest, read every object once
// more, and check:
//   1. the history is linearizable (check_history);
//   2. no acknowledged write is lost (final_state_check);
//   3. every replica converged to the same state (`digest` in status);
//   4. no call of these honest clients was refused as a stranger's (unauthenticated,
//      bad_signature), with its name taken, as stale, or with a session that had begun
//      and ended while its user's clients stayed within the sessions a user may keep: the
//      proof of each connection survives reconnects, restarts and leader changes.
// On failure the history is saved as JSON, the replicas' logs next to it, and both paths
// and the seed (CHAOS_SEED replays the same schedule) are in the failure message.
// Threading: run_chaos() runs on the calling thread and starts the client threads itself.
// Never: judge a call beyond what its answer proves (chaos_recorder.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace auction::test {

struct ChaosOptions {
  std::size_t replicas = 3;
  // Client threads, each acting as every user: at most limits::sessions_per_user_max - 1
  // (the setup acts as every user too), or the users' clients end one another's sessions.
  std::size_t clients = 5;
  std::chrono::seconds duration{30};  // of faults and client calls
  std::uint64_t seed = 0;
  bool use_network = true;              // try network namespaces; false: kill and pause faults only
  std::filesystem::path artifacts_dir;  // where a failing run leaves its history and logs
};

// Defaults overridden by the environment: CHAOS_SEED (else a random seed), CHAOS_SECONDS
// (else `default_seconds`), CHAOS_NETWORK=0 (no namespaces), CHAOS_ARTIFACTS (else the
// current directory).
ChaosOptions chaos_options_from_environment(std::size_t replicas, int default_seconds);

struct ChaosResult {
  std::vector<std::string> problems;  // empty: every check passed
  std::string summary;                // what ran: operations, outcomes, faults
};

// Runs one chaos test as described above. Fails the current Catch2 test (FAIL) only when the
// harness itself cannot run (a replica does not start); the platform's failures are problems.
ChaosResult run_chaos(const ChaosOptions& options);

}  // namespace auction::test

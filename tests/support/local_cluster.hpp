// LocalCluster: real `replica` processes on this machine, each on its own data dir in a temp
// dir, watched and always stopped -- the one way the integration tests, the chaos test and
// `bench --start` start a cluster (each adds only its own checks on top).
//
// It runs the replicas of a cluster file: one it is given (`bench --start FILE`), or one it
// writes into its temp dir (the tests: free loopback ports or given addresses, fast timing),
// with the cluster's credentials made for it in <temp>/certs.
// Replica <id> runs on <temp>/replica-<id>, and again on the same dir after a kill, so it
// recovers from its write-ahead log. Everything each replica writes, across all its lives,
// is kept for failure reports. "Ready" is the replica's own "replica <id> ready" line,
// awaited as an event, never guessed with a sleep. A replica's command line can be wrapped,
// e.g. to run it in a network namespace (the chaos test).
// No test framework here: failures are values, so `bench` links this too.
// Threading: one owner thread; status() and wait_for_leader() run their own io_context on
// the calling thread. Never: leaves a process running (the destructor kills with SIGKILL
// and reaps whatever still runs, and removes the temp dir), or waits without a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/cluster_config.hpp"
#include "support/child_process.hpp"

namespace auction::test {

struct LocalClusterOptions {
  std::filesystem::path replica_binary;       // the replica executable
  std::string temp_prefix = "ppapd-cluster";  // the temp dir's name starts with it
  // Turns replica `id`'s command line (program first) into the one to run, e.g. the same
  // inside a network namespace. Empty: run it as it is.
  std::function<std::vector<std::string>(std::uint64_t id, std::vector<std::string> command)> wrap;
  // The cluster file it writes says "client_port": "plain": for tests that speak raw lines
  // to the client port, as `nc` does. Otherwise the client port speaks TLS.
  bool is_client_port_plain = false;
  // The "limits" of the cluster file written by the second constructor (docs/operations.md).
  // Null: loopback_limits().
  nlohmann::json limits;
  // The "snapshots" of that cluster file (docs/operations.md). Null: the replicas' defaults.
  nlohmann::json snapshots;
};

// The limits of a cluster whose every client runs on this machine, as the tests' and the
// local configs' do: all of them share one source address (127.0.0.1), so the limits per
// address are raised to what the whole machine may use (connections) or lifted (rates).
nlohmann::json loopback_limits();

// `size` replicas, ids 1..size, on 127.0.0.1, each on two ports that were free a moment ago.
std::vector<platform::ReplicaAddress> loopback_replicas(std::size_t size);

// Who leads, as every replica that answered agreed.
struct Leadership {
  std::uint64_t leader = 0;  // its replica id
  std::uint64_t term = 0;    // the term it leads in
};

// Asks every replica of `config` for its status until all that answer (at least
// `replicas_needed`) agree on one leader that answers as leader itself, or `timeout` passes.
// Works on any cluster, started here or not. Errors: unavailable (no agreed leader in time;
// the message says what each replica answered last).
Result<Leadership> wait_for_leader(const platform::ClusterConfig& config,
                                   std::chrono::milliseconds timeout, std::size_t replicas_needed);

// Whether another program already listens on one of the ports `config` gives replicas on
// this machine (hosts that are IP literals). Errors: unavailable, naming the replica and
// port ("... is taken (...); is another cluster running there?").
Result<void> check_ports_free(const platform::ClusterConfig& config);

class LocalCluster {
 public:
  // The replicas of the cluster file at `config_path`, parsed as `config`. Starts nothing.
  LocalCluster(std::filesystem::path config_path, platform::ClusterConfig config,
               LocalClusterOptions options);
  // Writes the cluster file of `replicas` with `timing` into the temp dir, and creates the
  // cluster's credentials (CA and one certificate per replica) in <temp>/certs. Starts
  // nothing.
  // Precondition: `replicas` make a valid cluster file (unique ids and ports).
  LocalCluster(const std::vector<platform::ReplicaAddress>& replicas,
               platform::ClusterTiming timing, LocalClusterOptions options);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  std::size_t size() const { return config_.replicas.size(); }
  const platform::ClusterConfig& config() const { return config_; }
  const std::filesystem::path& config_path() const { return config_path_; }
  std::filesystem::path data_dir(std::uint64_t id) const;
  // Replica `id`'s command line as start() runs it, wrap included (program first).
  std::vector<std::string> command(std::uint64_t id) const;

  // Adds `address` to the cluster file (rewritten in place) and issues its certificate with
  // the cluster's CA, as an operator does before `replica member add`; from now on it starts
  // with `--join`. Starts nothing. Precondition: a cluster file this class wrote, and an id
  // and ports not in it.
  void add_replica(const platform::ReplicaAddress& address);

  // Starts replica `id` (nothing if it runs). Does not wait: see wait_ready().
  // Errors: unavailable ("cannot start <program>: <reason>").
  Result<void> start(std::uint64_t id);
  // Waits until running replica `id` printed its ready line. Errors: unavailable, when it
  // exited first or `timeout` passed; the message ends with the replica's last lines.
  Result<void> wait_ready(std::uint64_t id, std::chrono::milliseconds timeout);
  // Starts every replica that is not running, then waits until each is ready.
  Result<void> start_all(std::chrono::milliseconds timeout);

  // SIGKILL and reap: a crash (nothing flushed beyond what the replica fsynced). A paused
  // replica is killed too. Nothing if it does not run.
  void kill(std::uint64_t id);
  // SIGTERM (after SIGCONT if paused), then waits up to `grace` for the exit, then SIGKILL.
  // Returns the exit code (128 + signal when killed). Precondition: running.
  int stop(std::uint64_t id, std::chrono::milliseconds grace);
  // stop() of every running replica, all signalled before any is waited for. Returns their
  // exit codes by id.
  std::map<std::uint64_t, int> stop_all(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void pause(std::uint64_t id);   // SIGSTOP; nothing if not running or already paused
  void resume(std::uint64_t id);  // SIGCONT; nothing if not paused

  // Started here and not killed or stopped since (it may have exited on its own).
  bool is_running(std::uint64_t id) const;
  bool is_paused(std::uint64_t id) const;
  // Running, but the process has exited on its own.
  bool has_exited(std::uint64_t id);
  // The process of running replica `id`. Precondition: running.
  ChildProcess& process(std::uint64_t id);
  std::vector<pid_t> pids() const;  // of the running replicas

  // Everything replica `id` wrote, all its lives, each ended by a line saying how.
  std::string output(std::uint64_t id) const;
  // output() of every replica, one block per replica under a header line.
  std::string logs() const;
  // The last `lines` lines of output(id), each indented by two spaces.
  std::string log_tail(std::uint64_t id, std::size_t lines = 20) const;

  // Replica `id`'s `status` result (docs/protocol.md), asked directly within `timeout`, with
  // the digest of its state when asked. Errors: as platform::Client::async_status().
  enum class WithDigest : bool { no, yes };
  Result<nlohmann::json> status(std::uint64_t id, std::chrono::milliseconds timeout,
                                WithDigest digest = WithDigest::no) const;
  // wait_for_leader() over this cluster, needing every running replica to agree.
  Result<Leadership> wait_for_leader(std::chrono::milliseconds timeout) const;

 private:
  struct Replica {
    std::unique_ptr<ChildProcess> process;  // null: not running
    bool is_paused = false;
    std::string earlier_output;  // what its earlier lives wrote
  };
  Replica& replica(std::uint64_t id);
  const Replica& replica(std::uint64_t id) const;
  // Ends the running life of `r`, keeping its output under a line that says how it ended.
  void end_life(Replica& r, const std::string& how);
  std::map<std::uint64_t, int> stop_all_of(const std::vector<std::uint64_t>& ids,
                                           std::chrono::milliseconds grace);

  LocalClusterOptions options_;
  TempDir dir_;
  std::filesystem::path config_path_;
  platform::ClusterConfig config_;
  std::map<std::uint64_t, Replica> replicas_;  // every replica of config_, by id
  std::set<std::uint64_t> joining_;            // added by add_replica(): they run with --join
};

}  // namespace auction::test

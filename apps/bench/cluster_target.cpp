// ClusterTarget: see cluster_target.hpp.
#include "cluster_target.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "cpu_usage.hpp"

namespace auction::bench {

namespace {

namespace fs = std::filesystem;

// The replica executable next to this program (build tree or install prefix).
fs::path default_replica_binary() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "replica";
  // Build tree: <build>/apps/bench/bench -> <build>/apps/replica/replica... or flat bin/.
  for (const fs::path& candidate :
       {self.parent_path() / "replica", self.parent_path().parent_path() / "replica" / "replica",
        self.parent_path().parent_path() / "replica"}) {
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return "replica";
}

// Starts every replica of `cluster` and waits (up to `timeout`) until one of them leads and
// the others follow it; every replica must still run then.
Result<void> start_all(LocalCluster& cluster, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (auto free = test::check_ports_free(cluster.config()); !free) return free;
  if (auto started = cluster.start_all(timeout); !started) return started;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  auto leader = wait_for_leader(cluster.config(), std::max(left, std::chrono::milliseconds(0)),
                                cluster.size());
  // Every replica must still be ours and running, whatever answered the status calls.
  std::string logs;
  for (const auto& replica : cluster.config().replicas) {
    if (cluster.has_exited(replica.id)) {
      logs +=
          "\nreplica " + std::to_string(replica.id) + " exited:\n" + cluster.log_tail(replica.id);
    }
  }
  if (!leader) return fail(code::unavailable, leader.error().message + logs);
  if (!logs.empty()) {
    return fail(code::unavailable, "a replica exited while the cluster started" + logs);
  }
  return {};
}

}  // namespace

void add_cluster_target_options(CLI::App& command, ClusterTargetOptions& options, bool start_only) {
  auto* start = command
                    .add_option("--start", options.start_file,
                                "start the replicas of this cluster file here, in temp "
                                "data dirs, and stop them afterwards")
                    ->check(CLI::ExistingFile);
  if (start_only) {
    start->required();
  } else {
    auto* cluster = command
                        .add_option("--cluster", options.cluster_file,
                                    "measure the running cluster of this cluster file")
                        ->check(CLI::ExistingFile);
    cluster->excludes(start);
    command
        .add_option("--server-pids", options.server_pids,
                    "pids of the running cluster's replicas, to report their CPU time")
        ->delimiter(',')
        ->needs(cluster);
  }
  command.add_option("--replica-bin", options.replica_binary,
                     "the replica executable for --start (default: next to bench)");
}

Result<std::unique_ptr<ClusterTarget>> ClusterTarget::open(const ClusterTargetOptions& options) {
  const std::string& file = options.start_file.empty() ? options.cluster_file : options.start_file;
  if (file.empty()) return fail(code::invalid_argument, "give --cluster FILE or --start FILE");
  auto config = platform::ClusterConfig::load(file);
  if (!config) return std::unexpected(config.error());
  auto target = std::unique_ptr<ClusterTarget>(new ClusterTarget());
  target->config_ = std::move(*config);
  target->server_pids_ = options.server_pids;
  if (!options.start_file.empty()) {
    test::LocalClusterOptions local;
    local.replica_binary = options.replica_binary.empty()
                               ? default_replica_binary()
                               : std::filesystem::path(options.replica_binary);
    local.temp_prefix = "ppapd-bench";
    target->local_ = std::make_unique<LocalCluster>(file, target->config_, std::move(local));
    if (auto started = start_all(*target->local_, std::chrono::seconds(20)); !started) {
      return std::unexpected(started.error());
    }
  }
  return target;
}

CpuMeter ClusterTarget::cpu_meter() const {
  if (local_) {
    LocalCluster* local = local_.get();
    return [local] { return processes_cpu_seconds(local->pids()); };
  }
  if (!server_pids_.empty()) {
    return [pids = server_pids_] { return processes_cpu_seconds(pids); };
  }
  return {};
}

}  // namespace auction::bench

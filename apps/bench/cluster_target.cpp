// ClusterTarget: see cluster_target.hpp.
#include "cluster_target.hpp"

#include <chrono>

#include "cpu_usage.hpp"

namespace auction::bench {

void add_cluster_target_options(CLI::App& command, ClusterTargetOptions& options,
                                bool start_only) {
  auto* start = command.add_option("--start", options.start_file,
                                   "start the replicas of this cluster file here, in temp "
                                   "data dirs, and stop them afterwards")
                    ->check(CLI::ExistingFile);
  if (start_only) {
    start->required();
  } else {
    auto* cluster = command.add_option("--cluster", options.cluster_file,
                                       "measure the running cluster of this cluster file")
                        ->check(CLI::ExistingFile);
    cluster->excludes(start);
    command.add_option("--server-pids", options.server_pids,
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
    target->local_ = std::make_unique<LocalCluster>(
        file, target->config_,
        options.replica_binary.empty() ? default_replica_binary()
                                       : std::filesystem::path(options.replica_binary));
    if (auto started = target->local_->start_all(std::chrono::seconds(20)); !started) {
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

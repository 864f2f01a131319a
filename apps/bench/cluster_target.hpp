// ClusterTarget: the PPAPD cluster a bench mode measures -- one already running
// (--cluster FILE) or one bench starts itself in temp dirs and stops afterwards
// (--start FILE) -- plus how to read its replicas' CPU time.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/cluster_config.hpp"
#include "closed_loop.hpp"
#include "support/local_cluster.hpp"

namespace auction::bench {

// The replicas bench starts itself run on the tests' LocalCluster (tests/support/): the one
// way every harness starts a cluster.
using test::Leadership;
using test::LocalCluster;
using test::wait_for_leader;

struct ClusterTargetOptions {
  std::string cluster_file;        // --cluster: a running cluster
  std::string start_file;          // --start: start this cluster here
  std::string replica_binary;      // --replica-bin (default: next to bench)
  std::vector<pid_t> server_pids;  // --server-pids: a running cluster's replicas, for CPU
};

// Adds --cluster, --start, --replica-bin and --server-pids to `command`
// (exactly one of --cluster and --start; `start_only` offers only --start).
void add_cluster_target_options(CLI::App& command, ClusterTargetOptions& options,
                                bool start_only = false);

class ClusterTarget {
 public:
  // Reads the cluster file and, for --start, starts the replicas (each in a temp data dir,
  // its output kept in memory) and waits for a leader. It refuses to start when another
  // program holds one of the file's ports, and fails when a replica it started exits.
  // Errors: config_unreadable, config_invalid, unavailable.
  static Result<std::unique_ptr<ClusterTarget>> open(const ClusterTargetOptions& options);

  const platform::ClusterConfig& config() const { return config_; }
  LocalCluster* local() { return local_.get(); }  // null for --cluster
  // CPU seconds of the replicas: those bench started, else --server-pids, else unknown.
  CpuMeter cpu_meter() const;

 private:
  platform::ClusterConfig config_;
  std::unique_ptr<LocalCluster> local_;
  std::vector<pid_t> server_pids_;
};

}  // namespace auction::bench

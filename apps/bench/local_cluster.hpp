// LocalCluster: the replicas bench starts itself (--start FILE), each in a temp data dir,
// and always stops (by pid) when it is done, whatever happened.
//
// The replica executable is the one installed or built next to bench (or --replica-bin).
// Each replica's output goes to <temp>/replica-<id>.log; a replica that will not start gets
// its log's last lines printed. Used by `bench platform`, `bench failover` and the
// comparison script.
// Never: leaves a process it started running, or waits without a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auction/platform/cluster_config.hpp"
#include "auction/base/error.hpp"

namespace auction::bench {

// The replica executable next to this program (build tree or install prefix).
std::filesystem::path default_replica_binary();

class LocalCluster {
 public:
  // Nothing starts until start_all(). `config_path` is the cluster file the replicas read.
  LocalCluster(std::filesystem::path config_path, platform::ClusterConfig config,
               std::filesystem::path replica_binary);
  ~LocalCluster();  // kills (SIGKILL) whatever still runs and removes the temp dir
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // Starts every replica and waits (up to `timeout`) until one of them leads and the
  // others follow it. Errors: "unavailable" naming the replica that did not come up.
  Result<void> start_all(std::chrono::milliseconds timeout);

  Result<void> start(std::uint64_t id);  // a stopped or killed replica, same data dir
  void kill(std::uint64_t id);           // SIGKILL, then reap
  void stop_all();                       // SIGTERM each, SIGKILL after 5 s

  std::vector<pid_t> pids() const;       // the running replicas
  const platform::ClusterConfig& config() const { return config_; }
  std::string log_tail(std::uint64_t id, std::size_t lines = 20) const;

 private:
  std::filesystem::path config_path_;
  platform::ClusterConfig config_;
  std::filesystem::path binary_;
  std::filesystem::path temp_dir_;
  std::map<std::uint64_t, pid_t> running_;
};

struct Leadership {
  std::uint64_t leader = 0;  // its replica id
  std::uint64_t term = 0;    // the term it leads in
};

// Asks every replica of `config` for its status until all that answer (at least
// `replicas_needed`) agree on one leader that answers as leader itself, or `timeout` passes.
// Errors: "unavailable" (no agreed leader in time; the message says what was seen).
Result<Leadership> wait_for_leader(const platform::ClusterConfig& config,
                                      std::chrono::milliseconds timeout,
                                      std::size_t replicas_needed);

}  // namespace auction::bench

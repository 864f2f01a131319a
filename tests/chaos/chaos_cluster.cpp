// ChaosCluster: starting, killing, pausing and asking real replicas (see the header).
#include "chaos_cluster.hpp"

#include <catch2/catch.hpp>

namespace auction::test {

namespace {

constexpr auto ready_timeout = std::chrono::seconds(30);
// The port every replica uses inside its own namespace (its address differs per namespace).
constexpr std::uint16_t namespace_client_port = 7100;
constexpr std::uint16_t namespace_raft_port = 7200;

// Loopback with free ports, or one namespace per replica with the same ports in each.
std::vector<platform::ReplicaAddress> addresses(std::size_t replicas, const ChaosNetwork* network) {
  if (network == nullptr) return test::loopback_replicas(replicas);
  std::vector<platform::ReplicaAddress> members;
  for (std::size_t i = 0; i < replicas; ++i) {
    members.push_back(platform::ReplicaAddress{i + 1, network->address(i), namespace_client_port,
                                               namespace_raft_port});
  }
  return members;
}

test::LocalClusterOptions options_for(const ChaosNetwork* network) {
  test::LocalClusterOptions options;
  options.replica_binary = test::executable("replica");
  options.temp_prefix = "ppapd-chaos";
  // Snapshots every 50 entries, 10 kept behind: replicas compact their logs all along, and
  // one that comes back from a kill or a partition far enough behind catches up from a
  // snapshot sent in chunks, under every fault of the run.
  options.snapshots = nlohmann::json{{"entries", 50}, {"keep_entries", 10}};
  if (network != nullptr) {
    // `ip netns exec <namespace> replica ...`: the replica runs in its own namespace.
    options.wrap = [network](std::uint64_t id, std::vector<std::string> command) {
      std::vector<std::string> wrapped{network->ip_program().string()};
      for (std::string& word : network->exec_prefix(id - 1)) wrapped.push_back(std::move(word));
      wrapped.insert(wrapped.end(), command.begin(), command.end());
      return wrapped;
    };
  }
  return options;
}

}  // namespace

ChaosCluster::ChaosCluster(std::size_t replicas, const ChaosNetwork* network)
    : replicas_(addresses(replicas, network),
                platform::ClusterTiming{.tick_ms = 10, .election_ticks = 30, .heartbeat_ticks = 3},
                options_for(network)) {
  for (const auto& replica : replicas_.config().replicas) {
    endpoints_.push_back(replica.client_endpoint());
  }
  for (std::size_t i = 0; i < replicas; ++i) start(i);
}

ChaosCluster::~ChaosCluster() {
  for (std::size_t i = 0; i < size(); ++i) kill(i);
}

std::vector<std::string> ChaosCluster::client_endpoints() const { return endpoints_; }

platform::ClientOptions ChaosCluster::client_options() const {
  return platform::client_options_from(replicas_.config());
}

void ChaosCluster::start(std::size_t index) {
  auto started = replicas_.start(index + 1);
  if (started) started = replicas_.wait_ready(index + 1, ready_timeout);
  if (!started) {
    FAIL("replica " << index + 1 << " did not become ready: " << started.error().message);
  }
}

void ChaosCluster::kill(std::size_t index) { replicas_.kill(index + 1); }

void ChaosCluster::restart(std::size_t index) {
  if (!is_running(index)) start(index);
}

void ChaosCluster::pause(std::size_t index) { replicas_.pause(index + 1); }

void ChaosCluster::resume(std::size_t index) { replicas_.resume(index + 1); }

void ChaosCluster::revive_all() {
  for (std::size_t i = 0; i < size(); ++i) {
    resume(i);
    restart(i);
  }
}

Result<nlohmann::json> ChaosCluster::status(std::size_t index, int timeout_ms,
                                            LocalCluster::WithDigest digest) const {
  return replicas_.status(index + 1, std::chrono::milliseconds(timeout_ms), digest);
}

std::size_t ChaosCluster::find_leader() const {
  for (std::size_t i = 0; i < size(); ++i) {
    if (!is_running(i) || is_paused(i)) continue;
    auto s = status(i);
    if (s && s->value("role", "") == "leader") return i;
  }
  return size();
}

std::string ChaosCluster::logs() const { return replicas_.logs(); }

}  // namespace auction::test

// ChaosCluster: starting, killing, pausing and asking real replicas (see the header).
#include "chaos_cluster.hpp"

#include <csignal>
#include <fstream>
#include <optional>

#include <catch2/catch.hpp>

#include "auction/platform/client.hpp"

namespace auction::chaos {

namespace {

namespace asio = boost::asio;

constexpr auto ready_timeout = std::chrono::seconds(30);
// The port every replica uses inside its own namespace (its address differs per namespace).
constexpr std::uint16_t namespace_client_port = 7100;
constexpr std::uint16_t namespace_raft_port = 7200;

}  // namespace

ChaosCluster::ChaosCluster(std::size_t replicas, const ChaosNetwork* network)
    : network_(network), dir_("ppapd-chaos"), replicas_(replicas) {
  nlohmann::json members = nlohmann::json::array();
  for (std::size_t i = 0; i < replicas; ++i) {
    std::string host = network ? network->address(i) : "127.0.0.1";
    std::uint16_t client_port = network ? namespace_client_port : test::free_port();
    std::uint16_t raft_port = network ? namespace_raft_port : test::free_port();
    members.push_back({{"id", i + 1},
                       {"host", host},
                       {"client_port", client_port},
                       {"raft_port", raft_port}});
    endpoints_.push_back(host + ":" + std::to_string(client_port));
  }
  const nlohmann::json timing{{"tick_ms", 10}, {"election_ticks", 30}, {"heartbeat_ticks", 3}};
  const nlohmann::json config{{"replicas", members}, {"timing", timing}};
  config_path_ = dir_.path() / "cluster.json";
  std::ofstream(config_path_) << config.dump(2) << "\n";
  for (std::size_t i = 0; i < replicas; ++i) start(i);
}

ChaosCluster::~ChaosCluster() {
  for (std::size_t i = 0; i < replicas_.size(); ++i) kill(i);
}

std::vector<std::string> ChaosCluster::client_endpoints() const { return endpoints_; }

void ChaosCluster::start(std::size_t index) {
  Replica& replica = replicas_[index];
  const std::string id = std::to_string(index + 1);
  std::vector<std::string> args{"--config", config_path_.string(), "--id", id, "--data-dir",
                                (dir_.path() / ("data-" + id)).string()};
  std::filesystem::path program = test::executable("replica");
  if (network_ != nullptr) {
    std::vector<std::string> wrapped = network_->exec_prefix(index);
    wrapped.push_back(program.string());
    wrapped.insert(wrapped.end(), args.begin(), args.end());
    args = std::move(wrapped);
    program = network_->ip_program();
  }
  replica.process = std::make_unique<test::ChildProcess>(program, std::move(args));
  replica.is_paused = false;
  const std::string ready = "replica " + std::to_string(index + 1) + " ready";
  if (!replica.process->wait_for_output(ready, ready_timeout)) {
    FAIL("replica " << index + 1 << " did not become ready:\n" << replica.process->output());
  }
}

void ChaosCluster::kill(std::size_t index) {
  Replica& replica = replicas_[index];
  if (!replica.process) return;
  replica.process->kill_now();
  replica.earlier_output += replica.process->output() + "--- killed ---\n";
  replica.process.reset();
  replica.is_paused = false;
}

void ChaosCluster::restart(std::size_t index) {
  if (!replicas_[index].process) start(index);
}

void ChaosCluster::pause(std::size_t index) {
  Replica& replica = replicas_[index];
  if (!replica.process || replica.is_paused) return;
  replica.process->signal(SIGSTOP);
  replica.is_paused = true;
}

void ChaosCluster::resume(std::size_t index) {
  Replica& replica = replicas_[index];
  if (!replica.process || !replica.is_paused) return;
  replica.process->signal(SIGCONT);
  replica.is_paused = false;
}

void ChaosCluster::revive_all() {
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    resume(i);
    restart(i);
  }
}

Result<nlohmann::json> ChaosCluster::status(std::size_t index, int timeout_ms) const {
  asio::io_context io;
  platform::ClientOptions options;
  options.replicas = endpoints_;
  options.attempt_timeout = std::chrono::milliseconds(timeout_ms);
  options.connect_timeout = std::chrono::milliseconds(timeout_ms);
  platform::Client client(io.get_executor(), options);
  Result<nlohmann::json> answer = run_to_completion(io, client.async_status(index));
  client.close();
  io.restart();
  io.poll();
  return answer;
}

std::size_t ChaosCluster::find_leader() const {
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    if (!is_running(i) || is_paused(i)) continue;
    auto s = status(i);
    if (s && s->value("role", "") == "leader") return i;
  }
  return replicas_.size();
}

std::string ChaosCluster::logs() const {
  std::string text;
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    text += "===== replica " + std::to_string(i + 1) + " =====\n" + replicas_[i].earlier_output;
    if (replicas_[i].process) text += replicas_[i].process->output();
  }
  return text;
}

}  // namespace auction::chaos

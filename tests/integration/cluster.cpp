// Cluster and PlatformUser: see cluster.hpp.
#include "integration/cluster.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>

namespace auction::test {

using namespace std::chrono_literals;

Cluster::Cluster(std::size_t size, platform::ClusterTiming timing) {
  json replicas = json::array();
  for (std::size_t id = 1; id <= size; ++id) {
    replicas.push_back({{"id", id},
                        {"host", "127.0.0.1"},
                        {"client_port", free_port()},
                        {"raft_port", free_port()}});
  }
  const json file{{"replicas", replicas},
                  {"timing",
                   {{"tick_ms", timing.tick_ms},
                    {"election_ticks", timing.election_ticks},
                    {"heartbeat_ticks", timing.heartbeat_ticks}}}};
  config_path_ = dir_.path() / "cluster.json";
  std::ofstream(config_path_) << file.dump(2) << "\n";
  auto parsed = platform::ClusterConfig::parse(file.dump());
  REQUIRE(parsed.has_value());
  config_ = std::move(*parsed);
  replicas_.resize(size);
}

Cluster::~Cluster() {
  for (auto& replica : replicas_) {
    if (replica) replica->kill_now();
  }
}

std::filesystem::path Cluster::data_dir(std::uint64_t id) const {
  return dir_.path() / ("replica-" + std::to_string(id));
}

std::uint16_t Cluster::client_port(std::uint64_t id) const {
  return config_.replicas.at(id - 1).client_port;
}

platform::ClientOptions Cluster::client_options() const {
  return platform::client_options_from(config_);
}

void Cluster::start(std::uint64_t id) {
  auto& slot = replicas_.at(id - 1);
  REQUIRE(slot == nullptr);
  slot = std::make_unique<ChildProcess>(
      executable("replica"),
      std::vector<std::string>{"--config", config_path_.string(), "--id", std::to_string(id),
                               "--data-dir", data_dir(id).string()});
  INFO(slot->output());
  REQUIRE(slot->wait_for_output("replica " + std::to_string(id) + " ready", cluster_wait_max));
}

void Cluster::start_all() {
  for (std::uint64_t id = 1; id <= size(); ++id) start(id);
}

void Cluster::kill(std::uint64_t id) {
  auto& slot = replicas_.at(id - 1);
  REQUIRE(slot != nullptr);
  slot->kill_now();
  slot.reset();
}

void Cluster::stop(std::uint64_t id) {
  auto& slot = replicas_.at(id - 1);
  REQUIRE(slot != nullptr);
  slot->signal(SIGTERM);
  const auto code = slot->wait_exit(cluster_wait_max);
  INFO(slot->output());
  CHECK(code == 0);
  slot.reset();
}

void Cluster::stop_all() {
  for (std::uint64_t id = 1; id <= size(); ++id) {
    if (is_running(id)) stop(id);
  }
}

bool Cluster::is_running(std::uint64_t id) const { return replicas_.at(id - 1) != nullptr; }

ChildProcess& Cluster::process(std::uint64_t id) {
  REQUIRE(is_running(id));
  return *replicas_.at(id - 1);
}

std::string Cluster::logs() const {
  std::string all;
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    all += "--- replica " + std::to_string(i + 1) + " ---\n";
    all += replicas_[i] ? replicas_[i]->output() : std::string("(not running)\n");
  }
  return all;
}

std::optional<json> Cluster::status(std::uint64_t id) {
  auto connection = LineConnection::connect(client_port(id), 1s);
  if (!connection || !connection->send("{\"id\":1,\"op\":\"status\"}\n")) return std::nullopt;
  auto line = connection->read_line(2s);
  if (!line) return std::nullopt;
  json reply = json::parse(*line, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object() || reply.value("ok", false) != true) return std::nullopt;
  return reply["result"];
}

std::uint64_t Cluster::wait_for_leader() {
  std::uint64_t agreed = 0;
  const bool is_found = poll_until([&] {
    std::uint64_t leader = 0;
    std::vector<json> statuses;
    for (std::uint64_t id = 1; id <= size(); ++id) {
      if (!is_running(id)) continue;
      auto s = status(id);
      if (!s) return false;
      if ((*s)["role"] == "leader") leader = id;
      statuses.push_back(*s);
    }
    if (leader == 0) return false;
    for (const json& s : statuses) {
      if (s["leader"] != leader) return false;
    }
    agreed = leader;
    return true;
  });
  INFO(logs());
  REQUIRE(is_found);
  return agreed;
}

json ask(std::uint16_t port, const std::string& line) {
  auto connection = LineConnection::connect(port, cluster_wait_max);
  REQUIRE(connection != nullptr);
  REQUIRE(connection->send(line + "\n"));
  auto reply = connection->read_line(cluster_wait_max);
  REQUIRE(reply.has_value());
  return json::parse(*reply);
}

bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

PlatformUser::PlatformUser(platform::ClientOptions options)
    : client_(std::make_unique<platform::Client>(io_.get_executor(), std::move(options))) {}

PlatformUser::~PlatformUser() {
  client_.reset();
  io_.restart();
  io_.poll();  // let the closed connections' coroutines finish
}

namespace {

// Runs `task` on `io` until it completes. The client's deadline bounds every call, so the
// safety bound only turns a bug into a failure.
Result<json> run(boost::asio::io_context& io, boost::asio::awaitable<Result<json>> task) {
  std::optional<Result<json>> outcome;
  io.restart();
  boost::asio::co_spawn(io, std::move(task),
                        [&](std::exception_ptr escaped, Result<json> result) {
                          if (escaped) std::rethrow_exception(escaped);
                          outcome = std::move(result);
                          io.stop();
                        });
  io.run_for(cluster_wait_max * 3);
  REQUIRE(outcome.has_value());
  return std::move(*outcome);
}

}  // namespace

Result<json> PlatformUser::call(std::string op, json fields) {
  return run(io_, client_->async_call(std::move(op), std::move(fields)));
}

Result<json> PlatformUser::status(std::size_t replica) {
  return run(io_, client_->async_status(replica));
}

}  // namespace auction::test

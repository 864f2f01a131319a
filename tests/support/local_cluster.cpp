// LocalCluster: see local_cluster.hpp.
#include "support/local_cluster.hpp"

#include <signal.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>

#include "auction/base/assert.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_credentials.hpp"

namespace auction::test {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// Runs `task` on `io`, on this thread, until it completes; returns its value. The io_context
// may still hold other work afterwards (open connections); the caller closes it.
template <class T>
T run_to_completion(asio::io_context& io, asio::awaitable<T> task) {
  auto done = asio::co_spawn(io, std::move(task), asio::use_future);
  io.restart();
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  return done.get();
}

std::string last_lines(const std::string& text, std::size_t lines) {
  std::istringstream in(text);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const std::string& line : tail) out += "  " + line + "\n";
  return out;
}

// One poll of every replica: the leader all answering replicas agree on, if any.
asio::awaitable<std::optional<Leadership>> async_agreed_leader(platform::Client& client,
                                                               std::size_t replicas,
                                                               std::size_t needed,
                                                               std::string& seen) {
  std::optional<std::uint64_t> agreed;
  std::size_t answered = 0;
  bool is_leader_confirmed = false;
  std::uint64_t term = 0;
  seen.clear();
  for (std::size_t i = 0; i < replicas; ++i) {
    auto status = co_await client.async_status(i);
    if (!status) {
      seen += " [" + std::to_string(i + 1) + ": " + status.error().code + "]";
      continue;
    }
    const json& s = *status;
    seen += " [" + s.value("role", std::string("?")) + " term " +
            std::to_string(s.value("term", 0ULL)) + "]";
    if (!s.contains("leader") || !s["leader"].is_number_unsigned()) co_return std::nullopt;
    const auto leader = s["leader"].get<std::uint64_t>();
    if (agreed && *agreed != leader) co_return std::nullopt;
    agreed = leader;
    ++answered;
    if (s.value("role", std::string()) == "leader" && s.value("id", 0ULL) == leader) {
      is_leader_confirmed = true;
      term = s.value("term", 0ULL);
    }
  }
  if (answered < needed || !is_leader_confirmed) co_return std::nullopt;
  co_return Leadership{*agreed, term};
}

}  // namespace

std::vector<platform::ReplicaAddress> loopback_replicas(std::size_t size) {
  std::vector<platform::ReplicaAddress> replicas;
  for (std::uint64_t id = 1; id <= size; ++id) {
    replicas.push_back(platform::ReplicaAddress{id, "127.0.0.1", free_port(), free_port()});
  }
  return replicas;
}

Result<Leadership> wait_for_leader(const platform::ClusterConfig& config,
                                   std::chrono::milliseconds timeout, std::size_t replicas_needed) {
  asio::io_context io(1);
  auto options = platform::client_options_from(config);
  options.attempt_timeout = std::chrono::milliseconds(300);
  options.connect_timeout = std::chrono::milliseconds(300);
  platform::Client client(io.get_executor(), options);
  const auto deadline = Clock::now() + timeout;
  std::string seen;
  std::optional<Leadership> leader;
  while (!leader && Clock::now() < deadline) {
    // The client's connections stay open between polls.
    leader = run_to_completion(
        io, async_agreed_leader(client, config.replicas.size(), replicas_needed, seen));
    // Nothing to wait on but time: an election takes a few election timeouts at most.
    if (!leader) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  client.close();
  io.restart();
  io.poll();
  if (leader) return *leader;
  return fail(code::unavailable, "no leader agreed on within " + std::to_string(timeout.count()) +
                                     " ms; replicas said:" + seen);
}

// A port another program listens on would have bench measure that program (another cluster
// started from the same file, say) while its own replica exits: refuse to start instead.
Result<void> check_ports_free(const platform::ClusterConfig& config) {
  asio::io_context io;
  for (const auto& replica : config.replicas) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(replica.host, ec);
    if (ec) continue;  // a host name: the replica's own bind will tell
    for (const std::uint16_t port : {replica.client_port, replica.raft_port}) {
      const asio::ip::tcp::endpoint endpoint(address, port);
      asio::ip::tcp::acceptor acceptor(io);
      acceptor.open(endpoint.protocol(), ec);
      if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
      if (!ec) acceptor.bind(endpoint, ec);
      if (ec) {
        return fail(code::unavailable, "cannot start replica " + std::to_string(replica.id) + ": " +
                                           replica.host + ":" + std::to_string(port) +
                                           " is taken (" + ec.message() +
                                           "); is another cluster running there?");
      }
    }
  }
  return {};
}

LocalCluster::LocalCluster(fs::path config_path, platform::ClusterConfig config,
                           LocalClusterOptions options)
    : options_(std::move(options)),
      dir_(options_.temp_prefix),
      config_path_(fs::absolute(std::move(config_path))),
      config_(std::move(config)) {
  for (const auto& address : config_.replicas) replicas_[address.id];
}

json loopback_limits() {
  return {{"connections_per_address_max", 1024}, {"registrations_per_s", 0}, {"writes_per_s", 0}};
}

LocalCluster::LocalCluster(const std::vector<platform::ReplicaAddress>& replicas,
                           platform::ClusterTiming timing, LocalClusterOptions options)
    : options_(std::move(options)), dir_(options_.temp_prefix) {
  json members = json::array();
  for (const auto& replica : replicas) {
    members.push_back({{"id", replica.id},
                       {"host", replica.host},
                       {"client_port", replica.client_port},
                       {"raft_port", replica.raft_port}});
  }
  const fs::path certs = dir_.path() / "certs";
  json file{{"replicas", members},
            {"timing",
             {{"tick_ms", timing.tick_ms},
              {"election_ticks", timing.election_ticks},
              {"heartbeat_ticks", timing.heartbeat_ticks}}},
            {"tls", options_.is_client_port_plain
                        ? json{{"dir", certs.string()}, {"client_port", "plain"}}
                        : json{{"dir", certs.string()}}},
            {"limits", options_.limits.is_null() ? loopback_limits() : options_.limits}};
  if (!options_.snapshots.is_null()) file["snapshots"] = options_.snapshots;
  config_path_ = dir_.path() / "cluster.json";
  std::ofstream(config_path_) << file.dump(2) << "\n";
  auto parsed = platform::ClusterConfig::parse(file.dump());
  AUCTION_ASSERT(parsed.has_value(), "LocalCluster was given replicas that make no cluster file");
  config_ = std::move(*parsed);
  const auto credentials = platform::create_cluster_credentials(config_, certs);
  AUCTION_ASSERT(credentials.has_value(), "LocalCluster could not create the credentials");
  for (const auto& address : config_.replicas) replicas_[address.id];
}

LocalCluster::~LocalCluster() = default;  // each ChildProcess kills and reaps its replica

void LocalCluster::add_replica(const platform::ReplicaAddress& address) {
  json file = json::parse(std::ifstream(config_path_));
  file["replicas"].push_back({{"id", address.id},
                              {"host", address.host},
                              {"client_port", address.client_port},
                              {"raft_port", address.raft_port}});
  std::ofstream(config_path_) << file.dump(2) << "\n";
  auto parsed = platform::ClusterConfig::parse(file.dump());
  AUCTION_ASSERT(parsed.has_value(), "LocalCluster::add_replica made no cluster file");
  config_ = std::move(*parsed);
  AUCTION_ASSERT(config_.tls.has_value(), "LocalCluster::add_replica needs a tls section");
  const auto credentials = platform::create_cluster_credentials(config_, config_.tls->dir);
  AUCTION_ASSERT(credentials.has_value(), "LocalCluster could not issue the new credentials");
  replicas_[address.id];
  joining_.insert(address.id);
}

LocalCluster::Replica& LocalCluster::replica(std::uint64_t id) {
  const auto it = replicas_.find(id);
  AUCTION_ASSERT(it != replicas_.end(), "no replica with this id in the cluster");
  return it->second;
}

const LocalCluster::Replica& LocalCluster::replica(std::uint64_t id) const {
  const auto it = replicas_.find(id);
  AUCTION_ASSERT(it != replicas_.end(), "no replica with this id in the cluster");
  return it->second;
}

fs::path LocalCluster::data_dir(std::uint64_t id) const {
  return dir_.path() / ("replica-" + std::to_string(id));
}

std::vector<std::string> LocalCluster::command(std::uint64_t id) const {
  std::vector<std::string> command{options_.replica_binary.string(),
                                   "--config",
                                   config_path_.string(),
                                   "--id",
                                   std::to_string(id),
                                   "--data-dir",
                                   data_dir(id).string()};
  if (joining_.contains(id)) command.push_back("--join");
  if (options_.wrap) command = options_.wrap(id, std::move(command));
  return command;
}

Result<void> LocalCluster::start(std::uint64_t id) {
  Replica& r = replica(id);
  if (r.process) return {};
  std::vector<std::string> args = command(id);
  const fs::path program = args.front();
  args.erase(args.begin());
  auto started = ChildProcess::start(program, std::move(args));
  if (!started) return std::unexpected(started.error());
  r.process = std::move(*started);
  r.is_paused = false;
  return {};
}

Result<void> LocalCluster::wait_ready(std::uint64_t id, std::chrono::milliseconds timeout) {
  Replica& r = replica(id);
  AUCTION_ASSERT(r.process != nullptr, "wait_ready() of a replica that does not run");
  const std::string ready = "replica " + std::to_string(id) + " ready";
  if (r.process->wait_for_output(ready, timeout)) return {};
  const std::string why = r.process->has_exited()
                              ? "exited (" + std::to_string(*r.process->wait_exit({})) + ")"
                              : "was not ready within " + std::to_string(timeout.count()) + " ms";
  return fail(code::unavailable, "replica " + std::to_string(id) + " " + why + "; it said:\n" +
                                     last_lines(r.process->output(), 20));
}

Result<void> LocalCluster::start_all(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (const auto& [id, r] : replicas_) {
    if (auto started = start(id); !started) return started;
  }
  for (const auto& [id, r] : replicas_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (auto ready = wait_ready(id, std::max(left, std::chrono::milliseconds(0))); !ready) {
      return ready;
    }
  }
  return {};
}

void LocalCluster::end_life(Replica& r, const std::string& how) {
  r.earlier_output += r.process->output() + "--- " + how + " ---\n";
  r.process.reset();
  r.is_paused = false;
}

void LocalCluster::kill(std::uint64_t id) {
  Replica& r = replica(id);
  if (!r.process) return;
  r.process->kill_now();
  end_life(r, "killed");
}

int LocalCluster::stop(std::uint64_t id, std::chrono::milliseconds grace) {
  return stop_all_of({id}, grace).at(id);
}

std::map<std::uint64_t, int> LocalCluster::stop_all(std::chrono::milliseconds grace) {
  std::vector<std::uint64_t> running;
  for (const auto& [id, r] : replicas_) {
    if (r.process) running.push_back(id);
  }
  return stop_all_of(running, grace);
}

std::map<std::uint64_t, int> LocalCluster::stop_all_of(const std::vector<std::uint64_t>& ids,
                                                       std::chrono::milliseconds grace) {
  for (const std::uint64_t id : ids) {
    Replica& r = replica(id);
    AUCTION_ASSERT(r.process != nullptr, "stop() of a replica that does not run");
    r.process->signal(SIGTERM);
    if (r.is_paused) r.process->signal(SIGCONT);  // a stopped process acts on SIGTERM only now
  }
  const auto deadline = Clock::now() + grace;
  std::map<std::uint64_t, int> codes;
  for (const std::uint64_t id : ids) {
    Replica& r = replica(id);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto code = r.process->wait_exit(std::max(left, std::chrono::milliseconds(0)));
    if (!code) {
      r.process->kill_now();
      code = r.process->wait_exit({});
    }
    codes[id] = *code;
    end_life(r, "stopped, exit " + std::to_string(*code));
  }
  return codes;
}

void LocalCluster::pause(std::uint64_t id) {
  Replica& r = replica(id);
  if (!r.process || r.is_paused) return;
  r.process->signal(SIGSTOP);
  r.is_paused = true;
}

void LocalCluster::resume(std::uint64_t id) {
  Replica& r = replica(id);
  if (!r.process || !r.is_paused) return;
  r.process->signal(SIGCONT);
  r.is_paused = false;
}

bool LocalCluster::is_running(std::uint64_t id) const { return replica(id).process != nullptr; }

bool LocalCluster::is_paused(std::uint64_t id) const { return replica(id).is_paused; }

bool LocalCluster::has_exited(std::uint64_t id) {
  Replica& r = replica(id);
  return r.process && r.process->has_exited();
}

ChildProcess& LocalCluster::process(std::uint64_t id) {
  Replica& r = replica(id);
  AUCTION_ASSERT(r.process != nullptr, "process() of a replica that does not run");
  return *r.process;
}

std::vector<pid_t> LocalCluster::pids() const {
  std::vector<pid_t> pids;
  for (const auto& [id, r] : replicas_) {
    if (r.process) pids.push_back(r.process->pid());
  }
  return pids;
}

std::string LocalCluster::output(std::uint64_t id) const {
  const Replica& r = replica(id);
  return r.earlier_output + (r.process ? r.process->output() : std::string());
}

std::string LocalCluster::logs() const {
  std::string text;
  for (const auto& [id, r] : replicas_) {
    text += "===== replica " + std::to_string(id) + (r.process ? "" : " (not running)") +
            " =====\n" + output(id);
  }
  return text;
}

std::string LocalCluster::log_tail(std::uint64_t id, std::size_t lines) const {
  return last_lines(output(id), lines);
}

Result<json> LocalCluster::status(std::uint64_t id, std::chrono::milliseconds timeout,
                                  WithDigest digest) const {
  std::size_t index = 0;
  while (index < config_.replicas.size() && config_.replicas[index].id != id) ++index;
  AUCTION_ASSERT(index < config_.replicas.size(), "no replica with this id in the cluster");
  asio::io_context io;
  auto options = platform::client_options_from(config_);
  options.attempt_timeout = timeout;
  options.connect_timeout = timeout;
  if (digest == WithDigest::yes && config_.tls) {
    // The digest is the operators' (docs/protocol.md, "status").
    options.certificate_file = platform::admin_certificate_file(config_.tls->dir);
    options.private_key_file = platform::admin_key_file(config_.tls->dir);
  }
  platform::Client client(io.get_executor(), options);
  Result<json> answer = run_to_completion(
      io, client.async_status(index, digest == WithDigest::yes
                                         ? platform::Client::StatusDigest::with
                                         : platform::Client::StatusDigest::without));
  client.close();
  io.restart();
  io.poll();
  return answer;
}

Result<Leadership> LocalCluster::wait_for_leader(std::chrono::milliseconds timeout) const {
  std::size_t running = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.process) ++running;
  }
  return test::wait_for_leader(config_, timeout, running);
}

}  // namespace auction::test

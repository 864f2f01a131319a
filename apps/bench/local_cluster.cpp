// LocalCluster: see local_cluster.hpp.
#include "local_cluster.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <cstring>
#include <random>
#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>

#include "auction/platform/client.hpp"

extern char** environ;

namespace auction::bench {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

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

namespace {

fs::path make_temp_dir() {
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path dir = fs::temp_directory_path() /
                         ("ppapd-bench-" + std::to_string(getpid()) + "-" +
                          std::to_string(random() % 1000000));
    std::error_code ec;
    if (fs::create_directory(dir, ec)) return dir;
  }
  return fs::temp_directory_path() / ("ppapd-bench-" + std::to_string(getpid()));
}

// Waits for `pid` to exit, up to `timeout`; true once it was reaped.
bool reap_within(pid_t pid, std::chrono::milliseconds timeout) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd watch{pidfd, POLLIN, 0};
    poll(&watch, 1, static_cast<int>(timeout.count()));
    close(pidfd);
  }
  return waitpid(pid, nullptr, WNOHANG) == pid;
}

}  // namespace

LocalCluster::LocalCluster(fs::path config_path, platform::ClusterConfig config,
                           fs::path replica_binary)
    : config_path_(fs::absolute(std::move(config_path))),
      config_(std::move(config)),
      binary_(std::move(replica_binary)),
      temp_dir_(make_temp_dir()) {}

LocalCluster::~LocalCluster() {
  for (const auto& [id, pid] : running_) {
    ::kill(pid, SIGKILL);
    reap_within(pid, std::chrono::milliseconds(5000));
  }
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);
}

Result<void> LocalCluster::start(std::uint64_t id) {
  if (running_.contains(id)) return {};
  const fs::path data_dir = temp_dir_ / ("replica-" + std::to_string(id));
  const fs::path log = temp_dir_ / ("replica-" + std::to_string(id) + ".log");
  std::vector<std::string> args{binary_.string(), "--config", config_path_.string(), "--id",
                                std::to_string(id), "--data-dir", data_dir.string()};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, binary_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return fail(code::unavailable, "cannot start " + binary_.string() + ": " + std::strerror(rc));
  }
  running_[id] = pid;
  return {};
}

namespace {

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
                                       replica.host + ":" + std::to_string(port) + " is taken (" +
                                       ec.message() + "); is another cluster running there?");
      }
    }
  }
  return {};
}

}  // namespace

Result<void> LocalCluster::start_all(std::chrono::milliseconds timeout) {
  if (auto free = check_ports_free(config_); !free) return free;
  for (const auto& replica : config_.replicas) {
    if (auto started = start(replica.id); !started) return started;
  }
  auto leader = wait_for_leader(config_, timeout, config_.replicas.size());
  // Every replica must still be ours and running, whatever answered the status calls.
  std::string logs;
  for (const auto& replica : config_.replicas) {
    int status = 0;
    const auto it = running_.find(replica.id);
    if (it != running_.end() && waitpid(it->second, &status, WNOHANG) == it->second) {
      running_.erase(it);
      logs += "\nreplica " + std::to_string(replica.id) + " exited:\n" + log_tail(replica.id);
    }
  }
  if (!leader) return fail(code::unavailable, leader.error().message + logs);
  if (!logs.empty()) return fail(code::unavailable, "a replica exited while the cluster started" + logs);
  return {};
}

void LocalCluster::kill(std::uint64_t id) {
  const auto it = running_.find(id);
  if (it == running_.end()) return;
  ::kill(it->second, SIGKILL);
  reap_within(it->second, std::chrono::milliseconds(5000));
  running_.erase(it);
}

void LocalCluster::stop_all() {
  for (const auto& [id, pid] : running_) ::kill(pid, SIGTERM);
  for (const auto& [id, pid] : running_) {
    if (!reap_within(pid, std::chrono::milliseconds(5000))) {
      ::kill(pid, SIGKILL);
      reap_within(pid, std::chrono::milliseconds(5000));
    }
  }
  running_.clear();
}

std::vector<pid_t> LocalCluster::pids() const {
  std::vector<pid_t> pids;
  for (const auto& [id, pid] : running_) pids.push_back(pid);
  return pids;
}

std::string LocalCluster::log_tail(std::uint64_t id, std::size_t lines) const {
  std::ifstream log(temp_dir_ / ("replica-" + std::to_string(id) + ".log"));
  std::deque<std::string> tail;
  for (std::string line; std::getline(log, line);) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string text;
  for (const std::string& line : tail) text += "  " + line + "\n";
  return text;
}

namespace {

// One poll of every replica: the leader all answering replicas agree on, if any.
asio::awaitable<std::optional<Leadership>> async_agreed_leader(platform::Client& client,
                                                                   std::size_t replicas,
                                                                   std::size_t needed,
                                                                   std::string& seen) {
  std::optional<std::uint64_t> agreed;
  std::size_t answered = 0;
  bool leader_confirmed = false;
  std::uint64_t term = 0;
  seen.clear();
  for (std::size_t i = 0; i < replicas; ++i) {
    auto status = co_await client.async_status(i);
    if (!status) {
      seen += " [" + std::to_string(i + 1) + ": " + status.error().code + "]";
      continue;
    }
    const nlohmann::json& s = *status;
    seen += " [" + s.value("role", std::string("?")) + " term " +
            std::to_string(s.value("term", 0ULL)) + "]";
    if (!s.contains("leader") || !s["leader"].is_number_unsigned()) co_return std::nullopt;
    const auto leader = s["leader"].get<std::uint64_t>();
    if (agreed && *agreed != leader) co_return std::nullopt;
    agreed = leader;
    ++answered;
    if (s.value("role", std::string()) == "leader" && s.value("id", 0ULL) == leader) {
      leader_confirmed = true;
      term = s.value("term", 0ULL);
    }
  }
  if (answered < needed || !leader_confirmed) co_return std::nullopt;
  co_return Leadership{*agreed, term};
}

}  // namespace

Result<Leadership> wait_for_leader(const platform::ClusterConfig& config,
                                      std::chrono::milliseconds timeout,
                                      std::size_t replicas_needed) {
  asio::io_context io(1);
  auto options = platform::client_options_from(config);
  options.attempt_timeout = std::chrono::milliseconds(300);
  options.connect_timeout = std::chrono::milliseconds(300);
  platform::Client client(io.get_executor(), options);
  const auto deadline = Clock::now() + timeout;
  std::string seen;
  while (Clock::now() < deadline) {
    auto poll = asio::co_spawn(
        io, async_agreed_leader(client, config.replicas.size(), replicas_needed, seen),
        asio::use_future);
    // Run until this poll is done (the client's connections stay open between polls).
    io.restart();
    while (poll.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
    if (auto leader = poll.get()) return *leader;
    // Nothing to wait on but time: an election takes a few election timeouts at most.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fail(code::unavailable, "no leader agreed on within " + std::to_string(timeout.count()) +
                                 " ms; replicas said:" + seen);
}

}  // namespace auction::bench

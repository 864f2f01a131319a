// `bench restart`: what a long history costs -- memory and disk after N writes, and how long
// a cluster takes to come back when every replica is killed at once and started again.
//
// bench starts the cluster itself (--start FILE: it must own the processes to kill them).
// With --users N it first registers N users (each a login of a new user through a client of
// its own, --clients at a time): the live state then holds them all, which is what makes a
// snapshot large. Then one seller per client logs in at a new address each time (the `login` workload of
// platform_load.hpp: the live state stays as large as the users, however many writes), in
// closed loop, until --writes writes were acknowledged. Then, per replica: its resident
// memory (VmRSS), the bytes of its data directory, its snapshot, first and last index, and
// the longest stall taking a snapshot caused (status, docs/protocol.md). Then every replica
// is killed with SIGKILL and started again on the same data dir; reported: the time from
// the restart until every replica printed its ready line, until they agree on a leader, and
// until every replica applied everything committed before the kill.
#include <sys/types.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/asio/this_coro.hpp>

#include "auction/platform/client.hpp"
#include "bench_users.hpp"
#include "cluster_target.hpp"
#include "modes.hpp"
#include "platform_load.hpp"
#include "report.hpp"

namespace auction::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct RestartOptions {
  ClusterTargetOptions target;
  std::uint64_t writes = 1'000'000;
  std::uint64_t users = 0;
  std::size_t clients = 32;
};

// Registers a new user per operation: bench-r<client>-<n>, through a client of its own (a
// connection proves one user's key).
class Registrar final : public LoadClient {
 public:
  Registrar(platform::ClientOptions options, std::size_t index)
      : options_(std::move(options)), prefix_("bench-r" + std::to_string(index) + "-") {}

  boost::asio::awaitable<Result<void>> async_once() override {
    const std::string username = prefix_ + std::to_string(count_++);
    platform::Client client(co_await boost::asio::this_coro::executor, acting_as(options_, username));
    platform::Login login{username, "127.0.0.1:9", client.user_public_key()};
    auto done = co_await client.async_login(std::move(login));
    client.close();
    if (!done) co_return std::unexpected(std::move(done.error()));
    co_return Result<void>{};
  }

 private:
  platform::ClientOptions options_;
  std::string prefix_;
  std::uint64_t count_ = 0;
};

// Runs `clients` in windows of 10 s until `target` operations succeeded. Returns the
// operations, failures and seconds, or an error when a window had no success at all.
struct LoopTotals {
  std::uint64_t ops = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
};
Result<LoopTotals> run_until_done(boost::asio::io_context& io,
                                  const std::vector<std::unique_ptr<LoadClient>>& clients,
                                  std::uint64_t target, const Report& report, const char* what) {
  LoopTotals totals;
  while (totals.ops < target) {
    io.restart();
    const LoadOutcome outcome = run_closed_loop(
        io, clients, LoadWindow{std::chrono::milliseconds(0), std::chrono::seconds(10)});
    totals.ops += outcome.ops;
    totals.errors += outcome.errors;
    totals.seconds += outcome.seconds;
    if (outcome.ops == 0) return fail(code::unavailable, "no " + std::string(what) + " succeeded for 10 s: " + outcome.first_error);
    report.note("bench restart: " + std::to_string(totals.ops) + " " + what + " (" +
                std::to_string(static_cast<std::uint64_t>(static_cast<double>(totals.ops) / totals.seconds)) +
                " per second)");
  }
  return totals;
}

// Resident memory of `pid` in bytes (VmRSS), or 0 if unknown.
std::uint64_t resident_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

std::uint64_t directory_bytes(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
    if (item.is_regular_file(ec)) total += item.file_size(ec);
  }
  return total;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int run_restart(const RestartOptions& options, const CommonOptions& common) {
  Report report(common.json);
  auto target = ClusterTarget::open(options.target);
  if (!target) {
    std::fprintf(stderr, "bench restart: %s\n", target.error().message.c_str());
    return 1;
  }
  LocalCluster& cluster = *(*target)->local();
  const platform::ClusterConfig& config = (*target)->config();
  const auto client_options = bench_client_options(config);
  if (!client_options) {
    std::fprintf(stderr, "bench restart: %s\n", client_options.error().message.c_str());
    return 1;
  }
  boost::asio::io_context io(1);
  auto fixture = set_up_platform(io, *client_options, options.clients, options.clients, 100);
  if (!fixture) {
    std::fprintf(stderr, "bench restart: setting up: %s: %s\n", fixture.error().code.c_str(),
                 fixture.error().message.c_str());
    return 1;
  }
  if (options.users > 0) {
    std::vector<std::unique_ptr<LoadClient>> registrars;
    for (std::size_t i = 0; i < options.clients; ++i) {
      registrars.push_back(std::make_unique<Registrar>(*client_options, i));
    }
    auto registered = run_until_done(io, registrars, options.users, report, "users registered");
    if (!registered) {
      std::fprintf(stderr, "bench restart: %s\n", registered.error().message.c_str());
      cluster.stop_all();
      return 1;
    }
  }
  // Writes only: no read target is needed.
  const auto clients = make_platform_clients(io, *client_options, *fixture, ReadTarget{},
                                             Workload::login, options.clients);
  auto totals = run_until_done(io, clients, options.writes, report, "writes acknowledged");
  if (!totals) {
    std::fprintf(stderr, "bench restart: %s\n", totals.error().message.c_str());
    cluster.stop_all();
    return 1;
  }
  const std::uint64_t written = totals->ops;
  const std::uint64_t errors = totals->errors;
  const double seconds = totals->seconds;

  std::uint64_t committed = 0;
  for (const auto& replica : config.replicas) {
    auto status = cluster.status(replica.id, std::chrono::seconds(5));
    nlohmann::ordered_json row;
    row["bench"] = "restart";
    row["replica"] = replica.id;
    row["writes"] = written;
    row["users"] = options.users + options.clients + 1;
    row["rss_mib"] = mib(resident_bytes(cluster.process(replica.id).pid()));
    row["data_mib"] = mib(directory_bytes(cluster.data_dir(replica.id)));
    if (status) {
      row["snapshot_index"] = (*status)["snapshot"]["index"];
      row["first_index"] = (*status)["first_index"];
      row["last_index"] = (*status)["last_index"];
      row["snapshots_saved"] = (*status)["snapshots_saved"];
      row["last_stall_ms"] = (*status)["snapshot_stall_us"]["last"].get<double>() / 1000.0;
      row["longest_stall_ms"] =
          (*status)["snapshot_stall_us"]["longest"].get<double>() / 1000.0;
      committed = std::max(committed, (*status)["commit"].get<std::uint64_t>());
    }
    report.add(std::move(row));
  }

  for (const auto& replica : config.replicas) cluster.kill(replica.id);
  const auto restarted_at = Clock::now();
  for (const auto& replica : config.replicas) {
    if (auto started = cluster.start(replica.id); !started) {
      std::fprintf(stderr, "bench restart: %s\n", started.error().message.c_str());
      return 1;
    }
  }
  for (const auto& replica : config.replicas) {
    if (auto ready = cluster.wait_ready(replica.id, std::chrono::seconds(120)); !ready) {
      std::fprintf(stderr, "bench restart: %s\n", ready.error().message.c_str());
      cluster.stop_all();
      return 1;
    }
  }
  const double ready_ms = ms_since(restarted_at);
  auto leadership = cluster.wait_for_leader(std::chrono::seconds(60));
  if (!leadership) {
    std::fprintf(stderr, "bench restart: %s\n", leadership.error().message.c_str());
    cluster.stop_all();
    return 1;
  }
  const double leader_ms = ms_since(restarted_at);
  const auto has_caught_up = [&] {
    for (const auto& replica : config.replicas) {
      auto status = cluster.status(replica.id, std::chrono::seconds(5));
      if (!status || (*status)["applied"].get<std::uint64_t>() < committed) return false;
    }
    return true;
  };
  while (!has_caught_up()) {
    if (ms_since(restarted_at) > 120'000) {
      std::fprintf(stderr, "bench restart: the replicas did not apply index %llu within 120 s\n",
                   static_cast<unsigned long long>(committed));
      cluster.stop_all();
      return 1;
    }
  }
  nlohmann::ordered_json row;
  row["bench"] = "restart_all";
  row["writes"] = written;
  row["write_errors"] = errors;
  row["writes_per_s"] = static_cast<double>(written) / seconds;
  row["committed"] = committed;
  row["ready_ms"] = ready_ms;
  row["leader_ms"] = leader_ms;
  row["applied_ms"] = ms_since(restarted_at);
  report.add(std::move(row));
  report.flush();
  cluster.stop_all();
  return 0;
}

}  // namespace

void add_restart_command(CLI::App& app, const CommonOptions& common, int& exit_code) {
  auto [command, options] = add_mode<RestartOptions>(
      app, "restart",
      "write N times, report each replica's memory and disk, kill -9 every replica and time "
      "the restart",
      common, exit_code, run_restart);
  add_cluster_target_options(*command, options->target, /*start_only=*/true);
  command->add_option("--writes", options->writes, "writes to acknowledge before the restart")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  command->add_option("--users", options->users,
                      "users to register first (the live state the snapshots hold)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 32));
  command->add_option("--clients", options->clients, "closed-loop writers")
      ->check(CLI::Range(1, 1000));
}

}  // namespace auction::bench

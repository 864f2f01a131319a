// `bench failover`: how long the platform takes to accept writes again after its leader is
// killed, and proof that no acknowledged write was lost on the way.
//
// bench starts the cluster itself (--start FILE: it must own the processes to kill them).
// A writer starts a fresh `login` every --interval-ms (open loop: a write does not wait for
// the one before, so the first write the new leader can take is taken at once), each
// through a client of a pool (one write in flight per client). Each try:
//   1. wait for an agreed leader, let the writer run --settle-ms;
//   2. SIGKILL the leader at T (with --stop: SIGTERM, on which a replica hands leadership
//      to its most up-to-date follower before it exits -- a planned restart; with --rolling:
//      SIGTERM to each replica in turn, in id order, follower or leader);
//   3. the failover time is from T to the acknowledgement of the first write STARTED after
//      T (so it cannot have been answered by the dead leader);
//   4. (--stop: wait for its exit, which must be 0) restart the replica (same data dir) and
//      wait until every replica agrees on the leader again.
// At the end the writes are read back (get_user_address, linearizable): a lost write fails
// the run (exit 1).
//
// Users: the platform authenticates users, and a connection speaks for one user, so each
// client of the pool acts as a user of its own (its own key), and each write is a login of
// that user at a new address: the first one registers it. At every kill the pool moves to
// new users: each client is replaced by one acting as a new user before its next write. So
// every write started after T is a new user's first login through a new client, which
// connects, proves the key (auth_challenge, authenticate) and logs in -- what a pooled
// client connected to the dead leader pays after a failover too (it connects again and
// proves its key again); new clients try the leader the last try agreed on first, as the
// old clients did. And no user writes again after the kill that ended its turn, so the
// writes the dead leader acknowledged last are each their user's last.
// Before users were authenticated every write was the registration of a new user on the
// pool's kept connections, and every acknowledged write was read back. A user's address
// holds only its latest login, so now each user's LAST acknowledged write is read back
// (or a later write whose outcome is unknown); with the pool's users changed at every kill,
// those include every write the killed leaders acknowledged last.
#include <csignal>

#include <algorithm>
#include <cmath>
#include <deque>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/platform/client.hpp"
#include "bench_users.hpp"
#include "cluster_target.hpp"
#include "latency.hpp"
#include "modes.hpp"
#include "report.hpp"

namespace auction::bench {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct FailoverOptions {
  ClusterTargetOptions target;
  std::size_t tries = 5;
  std::int64_t interval_ms = 2;
  std::int64_t settle_ms = 1000;
  std::size_t writers = 32;  // clients in the writer's pool
  bool stop = false;         // SIGTERM (a handover) instead of SIGKILL
  bool rolling = false;      // SIGTERM each replica in turn, followers too (implies stop)
};

// What one user of the pool wrote, in order (a user has one write in flight at most).
struct UserWrites {
  struct Write {
    std::string address;
    bool is_acked = false;  // false: no answer, the outcome is unknown
  };
  std::string username;
  std::vector<Write> writes;

  bool has_acked() const {
    return std::any_of(writes.begin(), writes.end(), [](const Write& w) { return w.is_acked; });
  }
  // Precondition: has_acked().
  const std::string& last_acked() const {
    return std::find_if(writes.rbegin(), writes.rend(), [](const Write& w) { return w.is_acked; })
        ->address;
  }
  // What a read of the user's address may return at the end: the address of its last
  // acknowledged write, or of a later one (outcome unknown). Precondition: has_acked().
  std::set<std::string> readable() const {
    std::set<std::string> addresses;
    for (auto it = writes.rbegin(); it != writes.rend(); ++it) {
      addresses.insert(it->address);
      if (it->is_acked) break;
    }
    return addresses;
  }
};

// The open-loop writer: a login every interval, on whichever pooled client is free, of the
// user that client acts as.
class Writer {
 public:
  Writer(asio::io_context& io, platform::ClientOptions options, std::size_t clients,
         std::chrono::milliseconds interval)
      : io_(io), options_(std::move(options)), interval_(interval), ticker_(io) {
    for (std::size_t i = 0; i < clients; ++i) {
      pool_.push_back(Pooled{});
      take_new_user(i);
      free_.push_back(i);
    }
  }

  void start() { asio::co_spawn(io_, async_tick(), asio::detached); }
  void stop() {
    is_stopped_ = true;
    ticker_.cancel();
  }
  bool is_idle() const { return in_flight_ == 0; }
  // Every client takes a new user (and a new client) before its next write.
  void change_users() { ++generation_; }
  // New clients try the replica with this client endpoint first (the leader, last we knew).
  void prefer(const std::string& endpoint) {
    auto& replicas = options_.replicas;
    const auto it = std::find(replicas.begin(), replicas.end(), endpoint);
    if (it != replicas.end()) std::rotate(replicas.begin(), it, replicas.end());
  }

  // The acknowledgement time of the first write started at or after `since`, if any yet.
  std::optional<Clock::time_point> first_ack_started_after(Clock::time_point since) const {
    std::optional<Clock::time_point> first;
    for (const auto& [started, acked] : ack_times_) {
      if (started >= since && (!first || acked < *first)) first = acked;
    }
    return first;
  }
  void forget_ack_times() { ack_times_.clear(); }

  const std::vector<UserWrites>& users() const { return users_; }
  std::uint64_t acked() const { return acked_; }
  std::uint64_t failed() const { return failed_; }
  // The longest any acknowledged write took, start to acknowledgement, over the whole run.
  Clock::duration longest_write() const { return longest_write_; }

 private:
  struct Pooled {
    std::unique_ptr<platform::Client> client;
    std::size_t user = 0;  // its index in users_
    std::uint64_t generation = 0;
  };

  void take_new_user(std::size_t i) {
    Pooled& pooled = pool_[i];
    const std::string username = "fo-" + std::to_string(generation_) + "-" + std::to_string(i);
    pooled.client =
        std::make_unique<platform::Client>(io_.get_executor(), acting_as(options_, username));
    pooled.user = users_.size();
    pooled.generation = generation_;
    users_.push_back(UserWrites{username, {}});
  }

  asio::awaitable<void> async_tick() {
    auto next = Clock::now();
    while (!is_stopped_) {
      if (!free_.empty()) {
        const std::size_t client = free_.front();
        free_.pop_front();
        if (pool_[client].generation != generation_) take_new_user(client);
        ++in_flight_;
        asio::co_spawn(io_, async_write(client, next_write_++), asio::detached);
      }
      next += interval_;
      ticker_.expires_at(next);
      co_await ticker_.async_wait(use_tuple);
    }
  }

  asio::awaitable<void> async_write(std::size_t client, std::uint64_t n) {
    platform::Client& platform_client = *pool_[client].client;  // not replaced while busy
    const std::size_t user = pool_[client].user;
    const std::string address = "10.0.0.1:" + std::to_string(1024 + n % 60000);
    platform::Login login{users_[user].username, address, platform_client.user_public_key()};
    const auto started = Clock::now();
    auto done = co_await platform_client.async_login(std::move(login));
    const auto finished = Clock::now();
    users_[user].writes.push_back(UserWrites::Write{address, done.has_value()});
    if (done) {
      ++acked_;
      ack_times_.emplace_back(started, finished);
      longest_write_ = std::max(longest_write_, finished - started);
    } else {
      ++failed_;  // unknown outcome: either address may be read back for this user
    }
    free_.push_back(client);
    --in_flight_;
  }

  asio::io_context& io_;
  platform::ClientOptions options_;  // anonymous; each pooled client acts as its own user
  std::chrono::milliseconds interval_;
  asio::steady_timer ticker_;
  std::vector<Pooled> pool_;
  std::deque<std::size_t> free_;
  std::size_t in_flight_ = 0;
  std::uint64_t next_write_ = 0;
  std::uint64_t generation_ = 0;
  bool is_stopped_ = false;
  std::vector<UserWrites> users_;  // every user the pool acted as, in order
  std::vector<std::pair<Clock::time_point, Clock::time_point>> ack_times_;
  std::uint64_t acked_ = 0;
  std::uint64_t failed_ = 0;
  Clock::duration longest_write_{0};
};

// Runs `io` until `done()` holds or `timeout` passes; false on timeout.
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  io.restart();
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    io.run_one_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Reads back the last acknowledged write of every user in `checked`, as one of `stride`
// concurrent readers (anonymous: get_user_address needs no proof).
asio::awaitable<void> async_verify(platform::Client& client,
                                   const std::vector<const UserWrites*>& checked, std::size_t first,
                                   std::size_t stride, std::vector<std::string>& lost) {
  for (std::size_t i = first; i < checked.size(); i += stride) {
    const UserWrites& user = *checked[i];
    platform::GetUserAddress get{user.username};
    auto read = co_await client.async_get_user_address(std::move(get));
    const std::string got = read ? read->address : std::string();
    const std::set<std::string> readable = user.readable();
    if (!read || !readable.contains(got)) {
      lost.push_back(user.username + " (acknowledged last at " + user.last_acked() +
                     (readable.size() > 1 ? " or later" : "") + ", read " +
                     (read ? "'" + got + "'" : read.error().code) + ")");
    }
  }
}

int run_failover(const FailoverOptions& options, const CommonOptions& common) {
  Report report(common.json);
  const bool is_stop = options.stop || options.rolling;  // a rolling restart stops, never kills
  auto target = ClusterTarget::open(options.target);
  if (!target) {
    std::fprintf(stderr, "bench failover: %s\n", target.error().message.c_str());
    return 1;
  }
  LocalCluster& cluster = *(*target)->local();
  const platform::ClusterConfig& config = (*target)->config();
  const auto client_options = bench_client_options(config);
  if (!client_options) {
    std::fprintf(stderr, "bench failover: %s\n", client_options.error().message.c_str());
    return 1;
  }
  asio::io_context io(1);
  Writer writer(io, *client_options, options.writers,
                std::chrono::milliseconds(options.interval_ms));
  writer.start();
  LatencySamples failovers;
  int exit_code = 0;
  for (std::size_t attempt = 1; attempt <= options.tries; ++attempt) {
    auto leadership = wait_for_leader(config, std::chrono::seconds(20), config.replicas.size());
    if (!leadership) {
      std::fprintf(stderr, "bench failover: try %zu: %s\n", attempt,
                   leadership.error().message.c_str());
      exit_code = 1;
      break;
    }
    const std::uint64_t leader = leadership->leader;
    writer.prefer(config.find(leader)->client_endpoint());
    // The replica this try stops: the leader, or with --rolling each replica in turn.
    const std::uint64_t victim =
        options.rolling ? config.replicas[(attempt - 1) % config.replicas.size()].id : leader;
    run_until(
        io, [] { return false; }, std::chrono::milliseconds(options.settle_ms));
    writer.forget_ack_times();
    writer.change_users();  // the writes the dead leader acknowledged last stay their users' last
    const auto killed_at = Clock::now();
    if (is_stop) {
      cluster.process(victim).signal(SIGTERM);  // a leader hands over, then exits: awaited below
    } else {
      cluster.kill(victim);
    }
    const bool recovered = run_until(
        io, [&] { return writer.first_ack_started_after(killed_at).has_value(); },
        std::chrono::seconds(30));
    nlohmann::ordered_json row;
    row["bench"] = "failover";
    row["try"] = attempt;
    if (is_stop) {
      row["stopped"] = victim;
      row["was_leader"] = victim == leader;
    } else {
      row["killed_leader"] = victim;
    }
    if (!recovered) {
      report.add(std::move(row));
      std::fprintf(stderr, "bench failover: try %zu: no write acknowledged within 30 s\n", attempt);
      exit_code = 1;
      break;
    }
    const auto took = *writer.first_ack_started_after(killed_at) - killed_at;
    failovers.add(took);
    row["failover_ms"] =
        std::round(std::chrono::duration<double, std::milli>(took).count() * 100) / 100;
    report.add(std::move(row));
    if (is_stop) {
      if (const int code = cluster.stop(victim, std::chrono::seconds(10)); code != 0) {
        std::fprintf(stderr, "bench failover: try %zu: replica %llu exited %d after SIGTERM\n",
                     attempt, static_cast<unsigned long long>(victim), code);
        exit_code = 1;
        break;
      }
    }
    if (auto restarted = cluster.start(victim); !restarted) {
      std::fprintf(stderr, "bench failover: restarting replica %llu: %s\n",
                   static_cast<unsigned long long>(victim), restarted.error().message.c_str());
      exit_code = 1;
      break;
    }
  }
  writer.stop();
  run_until(
      io, [&] { return writer.is_idle(); }, std::chrono::seconds(30));

  // Every user's last acknowledged write must still be there.
  std::vector<const UserWrites*> checked;
  for (const UserWrites& user : writer.users()) {
    if (user.has_acked()) checked.push_back(&user);
  }
  std::vector<std::string> lost;
  {
    constexpr std::size_t readers = 8;
    std::vector<std::unique_ptr<platform::Client>> clients;
    std::size_t running = readers;
    for (std::size_t i = 0; i < readers; ++i) {
      clients.push_back(std::make_unique<platform::Client>(io.get_executor(), *client_options));
      asio::co_spawn(io, async_verify(*clients.back(), checked, i, readers, lost),
                     [&running](std::exception_ptr) { --running; });
    }
    run_until(
        io, [&] { return running == 0; }, std::chrono::minutes(5));
  }
  const LatencySummary summary = failovers.summary();
  nlohmann::ordered_json total;
  total["bench"] = "failover";
  total["tries"] = failovers.size();
  total["median_ms"] = std::round(summary.p50_ms * 100) / 100;
  total["max_ms"] = std::round(summary.max_ms * 100) / 100;
  total["write_max_ms"] =
      std::round(std::chrono::duration<double, std::milli>(writer.longest_write()).count() * 100) /
      100;
  total["writes_acked"] = writer.acked();
  total["writes_unanswered"] = writer.failed();
  total["writes_checked"] = checked.size();  // each user's last acknowledged write
  total["writes_lost"] = lost.size();
  report.add(std::move(total));
  report.flush();
  for (std::size_t i = 0; i < lost.size() && i < 20; ++i) {
    std::fprintf(stderr, "bench failover: LOST acknowledged write: %s\n", lost[i].c_str());
  }
  if (!lost.empty()) exit_code = 1;
  cluster.stop_all();
  return exit_code;
}

}  // namespace

void add_failover_command(CLI::App& app, const CommonOptions& common, int& exit_code) {
  auto [command, options] = add_mode<FailoverOptions>(
      app, "failover",
      "kill -9 (or --stop: SIGTERM) the leader under writes; time until the new leader "
      "acknowledges one",
      common, exit_code, run_failover);
  add_cluster_target_options(*command, options->target, /*start_only=*/true);
  command->add_option("--tries", options->tries, "leader kills")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command->add_option("--interval-ms", options->interval_ms, "a new write starts this often")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command->add_option("--settle-ms", options->settle_ms, "writes before each kill")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
  command
      ->add_option("--writers", options->writers,
                   "clients in the writer's pool (each acting as its own user)")
      ->check(CLI::Range(1, 512))
      ->capture_default_str();
  command->add_flag("--stop", options->stop,
                    "stop the leader with SIGTERM instead of kill -9: it hands leadership over "
                    "first, as in a planned restart");
  command->add_flag("--rolling", options->rolling,
                    "a rolling restart: each try stops (SIGTERM) the next replica in id order, "
                    "follower or leader, and restarts it");
}

}  // namespace auction::bench

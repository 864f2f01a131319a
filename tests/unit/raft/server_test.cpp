// raft::Server: three nodes in one process on loopback, each on its own io_context thread
// with a FileStorage in a temp dir, exactly as replicas run them. The test thread waits for
// events (role changes, applied commands) on a condition variable; every wait has a
// generous deadline that only turns a hang into a failure.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "auction/platform/cluster_credentials.hpp"
#include "auction/raft/file_storage.hpp"
#include "auction/raft/message.hpp"
#include "auction/raft/server.hpp"
#include "raft/peer_stream.hpp"
#include "unit/loopback_port.hpp"
#include "unit/raft/raft_port_client.hpp"

namespace {

namespace asio = boost::asio;
using namespace auction::raft;
using auction::Result;
using namespace std::chrono_literals;

constexpr auto deadline = 30s;  // only turns a hang into a failure
constexpr auto tick_period = 10ms;
constexpr int election_ticks = 30;  // 300-600 ms: robust on a loaded machine

// Everything the test waits on is guarded by this one mutex and signalled by this one
// condition variable: role changes, applied commands, a sync stuck at a latch.
struct Events {
  std::mutex mutex;
  std::condition_variable changed;

  // True if `done` (called with the mutex held) became true before `timeout`.
  bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, done);
  }
};

// Answers "applied:<command>@<index>" and records what it applied.
class RecordingMachine final : public StateMachine {
 public:
  explicit RecordingMachine(Events& events) : events_(events) {}
  std::string apply(LogIndex index, std::string_view command) override {
    {
      std::lock_guard lock(events_.mutex);
      commands_.emplace_back(command);
    }
    events_.changed.notify_all();
    return "applied:" + std::string(command) + "@" + std::to_string(index.value);
  }
  // Its snapshot: the commands, one per line (the tests' commands hold no newline). Without
  // the events' lock: only the node's own thread writes commands_, and a snapshot is taken
  // on that thread or in a child process forked from it (where a lock another thread held
  // at the fork would never be released).
  std::string snapshot() const override {
    std::string out;
    for (const std::string& c : commands_) out += c + "\n";
    return out;
  }
  Result<void> restore(std::string_view snapshot) override {
    std::vector<std::string> commands;
    while (!snapshot.empty()) {
      const auto end = snapshot.find('\n');
      if (end == std::string_view::npos)
        return auction::fail(auction::code::bad_snapshot, "no newline");
      commands.emplace_back(snapshot.substr(0, end));
      snapshot.remove_prefix(end + 1);
    }
    {
      std::lock_guard lock(events_.mutex);
      commands_ = std::move(commands);
    }
    events_.changed.notify_all();
    return {};
  }
  // Precondition: events.mutex held.
  bool has(const std::string& command) const {
    return std::find(commands_.begin(), commands_.end(), command) != commands_.end();
  }

 private:
  Events& events_;
  std::vector<std::string> commands_;
};

// A LogStorage whose sync() waits while the test holds the latch: a disk that stalls.
class LatchedStorage final : public LogStorage {
 public:
  LatchedStorage(LogStorage& inner, Events& events) : inner_(inner), events_(events) {}

  HardState hard_state() const override { return inner_.hard_state(); }
  LogIndex first_index() const override { return inner_.first_index(); }
  LogIndex last_index() const override { return inner_.last_index(); }
  Result<Term> term(LogIndex index) const override { return inner_.term(index); }
  Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi,
                                     std::size_t bytes_max) const override {
    return inner_.entries(lo, hi, bytes_max);
  }
  void append(std::span<const Entry> entries) override { inner_.append(entries); }
  void set_hard_state(const HardState& state) override { inner_.set_hard_state(state); }
  SnapshotMeta snapshot_meta() const override { return inner_.snapshot_meta(); }
  Result<std::shared_ptr<const Snapshot>> snapshot() const override { return inner_.snapshot(); }
  void save_snapshot(std::shared_ptr<const Snapshot> snapshot) override {
    inner_.save_snapshot(std::move(snapshot));
  }
  void install_snapshot(std::shared_ptr<const Snapshot> snapshot) override {
    inner_.install_snapshot(std::move(snapshot));
  }
  void compact(LogIndex through) override { inner_.compact(through); }
  void sync() override {
    {
      std::unique_lock lock(events_.mutex);
      if (is_held_) {
        is_sync_stuck_ = true;
        events_.changed.notify_all();
        events_.changed.wait(lock, [this] { return !is_held_; });
        is_sync_stuck_ = false;
      }
    }
    inner_.sync();
  }

  // Precondition for these three: events.mutex held.
  void hold() { is_held_ = true; }
  void release() { is_held_ = false; }
  bool is_sync_stuck() const { return is_sync_stuck_; }

 private:
  LogStorage& inner_;
  Events& events_;
  bool is_held_ = false;
  bool is_sync_stuck_ = false;
};

std::filesystem::path fresh_temp_dir() {
  std::random_device random;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ppapd-raft-server-" + std::to_string(random()) + std::to_string(random()));
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);  // a data dir: private
  return dir;
}

struct Node {
  Node(std::uint64_t node_id, Events& events, const std::filesystem::path& dir)
      : id(node_id),
        file(std::move(FileStorage::open(dir / ("node-" + std::to_string(id))).value())),
        storage(*file, events),
        machine(events) {}

  std::uint64_t id;
  asio::io_context io{1};
  std::unique_ptr<FileStorage> file;
  LatchedStorage storage;
  RecordingMachine machine;
  std::unique_ptr<Server> server;
  std::vector<RoleChanged> roles;  // guarded by Events::mutex
  std::thread thread;
  bool is_running = false;
};

class Cluster {
 public:
  // `handshake_timeout`: how long the raft port waits for a connection to authenticate.
  // `tweak` changes each node's options last.
  explicit Cluster(std::size_t size, std::chrono::milliseconds handshake_timeout = 5s,
                   const std::function<void(ServerOptions&)>& tweak = {})
      : dir_(fresh_temp_dir()), credentials_(make_memory_credentials(size)) {
    for (std::size_t i = 0; i < size; ++i) ports_.push_back(auction::test::fresh_loopback_port());
    const std::vector<std::uint16_t>& ports = ports_;
    for (std::uint64_t id = 1; id <= size; ++id) {
      auto node = std::make_unique<Node>(id, events_, dir_);
      ServerOptions options;
      options.config.id = NodeId{id};
      options.config.election_timeout_ticks = election_ticks;
      options.config.heartbeat_ticks = 2;
      options.config.seed = id;
      for (std::uint64_t peer = 1; peer <= size; ++peer) {
        if (peer == id) continue;
        options.config.peers.push_back(NodeId{peer});
        options.peers.push_back(PeerEndpoint{NodeId{peer}, "127.0.0.1", ports[peer - 1]});
      }
      options.listen_port = ports[id - 1];
      options.tls = credentials_.replicas[id - 1];
      options.peer_handshake_timeout = handshake_timeout;
      options.tick_period = tick_period;
      options.request_timeout = 10s;
      if (tweak) tweak(options);
      Node* raw = node.get();
      options.on_role_change = [this, raw](const RoleChanged& change) {
        {
          std::lock_guard lock(events_.mutex);
          raw->roles.push_back(change);
        }
        events_.changed.notify_all();
      };
      node->server =
          std::make_unique<Server>(node->io.get_executor(), options, node->storage, node->machine);
      REQUIRE(node->server->start().has_value());
      nodes_.push_back(std::move(node));
    }
    for (auto& node : nodes_) {
      node->is_running = true;
      node->thread = std::thread([n = node.get()] {
        auto work = asio::make_work_guard(n->io);
        n->io.run();
      });
    }
  }

  ~Cluster() {
    {
      std::lock_guard lock(events_.mutex);
      for (auto& node : nodes_) node->storage.release();
    }
    events_.changed.notify_all();
    for (auto& node : nodes_) stop(node->id);
    nodes_.clear();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  Node& node(std::uint64_t id) { return *nodes_.at(id - 1); }
  // The cluster's CA, and node `id`'s certificate and key.
  const auction::platform::MemoryCredentials& credentials() const { return credentials_; }
  Events& events() { return events_; }
  std::uint16_t port(std::uint64_t id) const { return ports_.at(id - 1); }

  // Runs `f` on the node's thread and returns its result.
  template <class F>
  auto on(std::uint64_t id, F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(node(id).io, [&task] { task(); });
    REQUIRE(result.wait_for(deadline) == std::future_status::ready);
    return result.get();
  }

  Result<std::string> propose(std::uint64_t id, std::string command) {
    auto done = start_propose(id, std::move(command));
    REQUIRE(done.wait_for(deadline) == std::future_status::ready);
    return done.get();
  }

  std::future<Result<std::string>> start_propose(std::uint64_t id, std::string command) {
    return asio::co_spawn(node(id).io, node(id).server->async_propose(std::move(command)),
                          asio::use_future);
  }

  // Node `id`'s current term, asked on its thread.
  Term term_of(std::uint64_t id) {
    return on(id, [&] { return node(id).server->status().term; });
  }

  // Whether node `id` applied `command`, asked on its thread.
  bool has_applied(std::uint64_t id, const std::string& command) {
    return on(id, [&] {
      std::lock_guard lock(events_.mutex);
      return node(id).machine.has(command);
    });
  }

  Result<void> hand_over(std::uint64_t id) {
    auto done = asio::co_spawn(node(id).io, node(id).server->async_hand_over(), asio::use_future);
    REQUIRE(done.wait_for(deadline) == std::future_status::ready);
    return done.get();
  }

  Result<void> read_barrier(std::uint64_t id) {
    auto done =
        asio::co_spawn(node(id).io, node(id).server->async_read_barrier(), asio::use_future);
    REQUIRE(done.wait_for(deadline) == std::future_status::ready);
    return done.get();
  }

  // Waits until a running node's latest role is leader in a term above `term_above`, and
  // every other running node follows it. Returns the leader's id.
  std::uint64_t wait_for_leader(std::uint64_t term_above = 0) {
    std::uint64_t leader = 0;
    const bool found = events_.wait_until(
        [&] {
          leader = 0;
          for (auto& node : nodes_) {
            if (!node->is_running || node->roles.empty()) continue;
            const RoleChanged& last = node->roles.back();
            if (last.role == Role::leader && last.term.value > term_above) leader = node->id;
          }
          if (leader == 0) return false;
          for (auto& node : nodes_) {
            if (!node->is_running || node->id == leader) continue;
            if (node->roles.empty() || node->roles.back().leader.value != leader) return false;
          }
          return true;
        },
        deadline);
    REQUIRE(found);
    return leader;
  }

  std::size_t role_change_count() {
    std::lock_guard lock(events_.mutex);
    std::size_t count = 0;
    for (auto& node : nodes_) count += node->roles.size();
    return count;
  }

  void stop(std::uint64_t id) {
    Node& n = node(id);
    if (!n.is_running) return;
    {
      std::lock_guard lock(events_.mutex);
      n.is_running = false;
    }
    asio::post(n.io, [&n] {
      n.server->stop();
      n.io.stop();
    });
    n.thread.join();
    n.io.restart();
    n.io.run_for(3s);  // let its connections close
  }

 private:
  static auction::platform::MemoryCredentials make_memory_credentials(std::size_t size) {
    // One more than the members: a certificate of this CA for a replica that is no member.
    std::vector<std::uint64_t> ids;
    for (std::uint64_t id = 1; id <= size + 1; ++id) ids.push_back(id);
    return auction::platform::make_memory_credentials(ids);
  }

  Events events_;
  std::filesystem::path dir_;
  auction::platform::MemoryCredentials credentials_;
  std::vector<std::uint16_t> ports_;  // raft ports, by id - 1
  std::vector<std::unique_ptr<Node>> nodes_;
};

std::uint64_t a_follower(std::uint64_t leader) { return leader == 1 ? 2 : 1; }

}  // namespace

TEST_CASE("raft: three servers on loopback elect a leader that applies proposals everywhere",
          "[raft][server]") {
  Cluster cluster(3);
  const std::uint64_t leader = cluster.wait_for_leader();
  CHECK(cluster.on(leader, [&] { return cluster.node(leader).server->leader(); }) ==
        NodeId{leader});

  auto answer = cluster.propose(leader, "first");
  REQUIRE(answer.has_value());
  CHECK(answer->starts_with("applied:first@"));

  const bool everywhere = cluster.events().wait_until(
      [&] {
        for (std::uint64_t id = 1; id <= 3; ++id) {
          if (!cluster.node(id).machine.has("first")) return false;
        }
        return true;
      },
      deadline);
  CHECK(everywhere);
  const ServerStatus status =
      cluster.on(leader, [&] { return cluster.node(leader).server->status(); });
  CHECK(status.role == Role::leader);
  CHECK(status.last_index >= status.commit);
  CHECK(status.commit >= status.applied);
}

TEST_CASE("raft: a follower's proposal fails with not_leader naming the leader", "[raft][server]") {
  Cluster cluster(3);
  const std::uint64_t leader = cluster.wait_for_leader();
  const std::uint64_t follower = a_follower(leader);

  auto answer = cluster.propose(follower, "misdirected");
  REQUIRE_FALSE(answer.has_value());
  CHECK(answer.error().code == "not_leader");
  CHECK_THAT(answer.error().message, Catch::Contains(std::to_string(leader)));
  CHECK(cluster.on(follower, [&] { return cluster.node(follower).server->leader(); }) ==
        NodeId{leader});
}

TEST_CASE("raft: a read barrier passes on the leader after a write and fails on a follower",
          "[raft][server]") {
  Cluster cluster(3);
  const std::uint64_t leader = cluster.wait_for_leader();
  REQUIRE(cluster.propose(leader, "written").has_value());

  REQUIRE(cluster.read_barrier(leader).has_value());
  CHECK(cluster.has_applied(leader, "written"));

  auto refused = cluster.read_barrier(a_follower(leader));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "not_leader");
}

TEST_CASE(
    "raft: when the leader stops, a new leader is elected, reads see old writes and "
    "proposals continue",
    "[raft][server]") {
  Cluster cluster(3);
  const std::uint64_t old_leader = cluster.wait_for_leader();
  REQUIRE(cluster.propose(old_leader, "before").has_value());
  const auto old_term = cluster.term_of(old_leader);

  cluster.stop(old_leader);
  const std::uint64_t new_leader = cluster.wait_for_leader(old_term.value);
  CHECK(new_leader != old_leader);

  // ReadIndex (§6.4): a write acknowledged by the old leader is visible after the barrier.
  REQUIRE(cluster.read_barrier(new_leader).has_value());
  CHECK(cluster.has_applied(new_leader, "before"));
  auto answer = cluster.propose(new_leader, "after");
  REQUIRE(answer.has_value());
  CHECK(answer->starts_with("applied:after@"));
}

TEST_CASE(
    "raft: a leader asked to hand over stops leading and a follower leads the very next "
    "term with every acknowledged write -- a follower has nothing to hand over",
    "[raft][server]") {
  Cluster cluster(3);
  const std::uint64_t old_leader = cluster.wait_for_leader();
  REQUIRE(cluster.propose(old_leader, "before").has_value());
  const auto old_term = cluster.term_of(old_leader);

  auto refused = cluster.hand_over(a_follower(old_leader));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "not_leader");

  REQUIRE(cluster.hand_over(old_leader).has_value());
  const std::uint64_t new_leader = cluster.wait_for_leader(old_term.value);
  CHECK(new_leader != old_leader);
  // TimeoutNow's campaign needs no pre-vote round and no second try: the next term.
  const auto new_term = cluster.term_of(new_leader);
  CHECK(new_term.value == old_term.value + 1);
  REQUIRE(cluster.read_barrier(new_leader).has_value());
  CHECK(cluster.has_applied(new_leader, "before"));
}

TEST_CASE("raft: a leader whose disk stalls keeps heartbeating, so no election happens",
          "[raft][server]") {
  Cluster cluster(3);
  const std::uint64_t leader = cluster.wait_for_leader();
  REQUIRE(cluster.propose(leader, "warm-up").has_value());
  const std::size_t roles_before = cluster.role_change_count();

  {
    std::lock_guard lock(cluster.events().mutex);
    cluster.node(leader).storage.hold();
  }
  auto slow = cluster.start_propose(leader, "during-stall");
  REQUIRE(cluster.events().wait_until([&] { return cluster.node(leader).storage.is_sync_stuck(); },
                                      deadline));

  // The followers are a majority without the leader's own disk, so the entry commits and
  // reaches them while the leader's write is stuck (dissertation §10.2.1).
  const bool followers_applied = cluster.events().wait_until(
      [&] {
        for (std::uint64_t id = 1; id <= 3; ++id) {
          if (id != leader && !cluster.node(id).machine.has("during-stall")) return false;
        }
        return true;
      },
      deadline);
  CHECK(followers_applied);

  // The stall lasts three of the longest election timeouts; nobody may change role in it.
  const auto stall = 3 * 2 * election_ticks * tick_period;
  const bool anyone_changed = cluster.events().wait_until(
      [&] {
        std::size_t count = 0;
        for (std::uint64_t id = 1; id <= 3; ++id) count += cluster.node(id).roles.size();
        return count != roles_before;
      },
      stall);
  CHECK_FALSE(anyone_changed);
  {
    std::lock_guard lock(cluster.events().mutex);
    CHECK(cluster.node(leader).storage.is_sync_stuck());
    cluster.node(leader).storage.release();
  }
  cluster.events().changed.notify_all();

  REQUIRE(slow.wait_for(deadline) == std::future_status::ready);
  auto answer = slow.get();
  REQUIRE(answer.has_value());
  CHECK(answer->starts_with("applied:during-stall@"));
}

namespace {
using asio::ip::tcp;
using auction::raft::detail::append_frame;
using auction::raft::detail::peer_greeting;
using auction::test::forged_heartbeat;
using auction::test::RaftPortClient;
}  // namespace

TEST_CASE("raft: the raft port serves only members, over mutual TLS, each in its own name",
          "[raft][server]") {
  Cluster cluster(3);
  const std::uint64_t leader = cluster.wait_for_leader();
  const std::uint64_t target = a_follower(leader);
  const std::uint64_t other = 6 - leader - target;  // the third member
  const std::uint64_t forged_term = std::uint64_t{1} << 40;
  const std::string heartbeat = forged_heartbeat(leader, target, forged_term);
  const auto port = cluster.port(target);

  SECTION("without TLS nothing is read") {
    CHECK(RaftPortClient(port, nullptr).closes_after(heartbeat));
  }
  SECTION("a certificate of another CA, even one naming a member, is refused") {
    const auto stranger = auction::platform::make_memory_credentials({leader});
    CHECK(RaftPortClient(port, &stranger.replicas[0]).closes_after(heartbeat));
  }
  SECTION("a certificate of this CA for a replica that is not a member is refused") {
    // The cluster's CA issued replica-4 too (the tests' credentials), but 4 is no member.
    CHECK(RaftPortClient(port, &cluster.credentials().replicas[3]).closes_after(heartbeat));
  }
  SECTION("a member cannot speak for another member") {
    const auto& as_other = cluster.credentials().replicas[other - 1];
    CHECK(RaftPortClient(port, &as_other).closes_after(heartbeat));
  }
  SECTION("a member that sends what is not a valid message is cut off") {
    const auto& as_other = cluster.credentials().replicas[other - 1];
    std::string huge_frame(peer_greeting);
    huge_frame += std::string("\xff\xff\xff\x7f", 4);  // announces ~2 GB
    std::string garbage(peer_greeting);
    append_frame(garbage, "garbage");
    CHECK(RaftPortClient(port, &as_other).closes_after("{\"id\":1,\"op\":\"raft\"}\n"));
    CHECK(RaftPortClient(port, &as_other).closes_after(huge_frame));
    CHECK(RaftPortClient(port, &as_other).closes_after(garbage));
    // A message from this member but not for this node is dropped, not obeyed.
    std::string misaddressed = forged_heartbeat(other, 7, forged_term);
    append_frame(misaddressed, "garbage");  // then the node closes: everything was read
    CHECK(RaftPortClient(port, &as_other).closes_after(misaddressed));
  }
  SECTION("even a member cannot push a term beyond the bound: it does not decode") {
    // Adopted and persisted, a term of 2^62 would leave no term to campaign for.
    const auto& as_other = cluster.credentials().replicas[other - 1];
    CHECK(RaftPortClient(port, &as_other)
              .closes_after(forged_heartbeat(other, target, std::uint64_t{1} << 62)));
  }
  // A heartbeat for term 2^40 in the leader's name would have deposed it for good.
  const auto status = cluster.on(target, [&] { return cluster.node(target).server->status(); });
  CHECK(status.term.value < forged_term);
  CHECK(status.leader == NodeId{leader});
  CHECK(cluster.propose(leader, "after the attack").has_value());
}

TEST_CASE("raft: connections that never authenticate get few slots, never members' ones",
          "[raft][server]") {
  Cluster cluster(3, /*handshake_timeout=*/60s);
  const std::uint64_t leader = cluster.wait_for_leader();
  const std::uint64_t target = a_follower(leader);
  asio::io_context io;
  const tcp::endpoint where(asio::ip::make_address("127.0.0.1"), cluster.port(target));
  // A connection from `source` (any 127.0.0.x is this machine) that sends nothing.
  const auto idle_from = [&](const char* source) {
    auto socket = std::make_unique<tcp::socket>(io);
    socket->open(tcp::v4());
    socket->bind({asio::ip::make_address(source), 0});
    socket->connect(where);
    return socket;
  };
  const auto is_closed_at_once = [](tcp::socket& socket) {
    char byte = 0;
    boost::system::error_code ec;
    socket.read_some(asio::buffer(&byte, 1), ec);  // ends when the node closes it
    return ec == asio::error::eof;
  };
  const auto is_still_open = [](tcp::socket& socket) {
    char byte = 0;
    boost::system::error_code ec;
    socket.non_blocking(true);
    socket.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::would_block;
  };

  // Strangers at four addresses take every slot: 8 each (ServerOptions' defaults, 32 in all).
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (const char* source : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}) {
    for (int i = 0; i < 8; ++i) idle.push_back(idle_from(source));
  }
  // One more from an address that has its share, or from a new one, is closed at once.
  CHECK(is_closed_at_once(*idle_from("127.0.0.2")));
  CHECK(is_closed_at_once(*idle_from("127.0.0.6")));
  CHECK(is_still_open(*idle.back()));
  // A connection from a member's address (127.0.0.1 here) takes the oldest stranger's slot.
  auto member = idle_from("127.0.0.1");
  CHECK(is_closed_at_once(*idle.front()));
  CHECK(is_still_open(*idle.back()));
  // And the members' own connections were never among those slots: the cluster commits.
  CHECK(cluster.propose(leader, "while strangers wait").has_value());
}

TEST_CASE("raft: a connection that does not authenticate in time is closed", "[raft][server]") {
  Cluster cluster(3, /*handshake_timeout=*/200ms);
  const std::uint64_t leader = cluster.wait_for_leader();
  asio::io_context io;
  tcp::socket idle(io);
  idle.connect({asio::ip::make_address("127.0.0.1"), cluster.port(a_follower(leader))});
  char byte = 0;
  boost::system::error_code ec;
  idle.read_some(asio::buffer(&byte, 1), ec);  // ends when the node closes it
  CHECK(ec == asio::error::eof);
}

TEST_CASE(
    "raft: a server serializes its snapshots in a child process and discards the log before "
    "them",
    "[raft][server][snapshot]") {
  Cluster cluster(3, 5s, [](ServerOptions& options) {
    options.config.snapshot_entries = 10;
    options.config.snapshot_keep_entries = 2;
  });
  const std::uint64_t leader = cluster.wait_for_leader();
  const auto snapshotted_everywhere = [&] {
    for (std::uint64_t id = 1; id <= 3; ++id) {
      const ServerStatus status = cluster.on(id, [&] { return cluster.node(id).server->status(); });
      if (status.snapshot.index.value == 0 || status.first_index.value <= 1) return false;
    }
    return true;
  };
  // Each write is a step: the snapshot children finish in their own time.
  int written = 0;
  for (; written < 500 && !snapshotted_everywhere(); ++written) {
    REQUIRE(cluster.propose(leader, "c" + std::to_string(written)).has_value());
  }
  REQUIRE(snapshotted_everywhere());
  std::vector<ServerStatus> statuses;
  for (std::uint64_t id = 1; id <= 3; ++id) {
    statuses.push_back(cluster.on(id, [&] { return cluster.node(id).server->status(); }));
  }
  // Stopped, nobody writes the storages any more: read them directly.
  for (std::uint64_t id = 1; id <= 3; ++id) cluster.stop(id);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    const ServerStatus& status = statuses[id - 1];
    const auto snapshot = cluster.node(id).file->snapshot().value();
    INFO("node " << id);
    CHECK(status.snapshots_saved >= 1);
    REQUIRE(snapshot != nullptr);
    CHECK(snapshot->meta.index >= status.snapshot.index);  // another may have come since
    // The bytes are the state as of the snapshot's index: the first commands, in order.
    std::vector<std::string> commands;
    for (std::string_view rest = snapshot->data; !rest.empty();) {
      const auto end = rest.find('\n');
      REQUIRE(end != std::string_view::npos);
      commands.emplace_back(rest.substr(0, end));
      rest.remove_prefix(end + 1);
    }
    REQUIRE_FALSE(commands.empty());
    for (std::size_t i = 0; i < commands.size(); ++i) CHECK(commands[i] == "c" + std::to_string(i));
  }
}

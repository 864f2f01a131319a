// A tiny deterministic network of raft::Driver nodes over MemoryStorage for unit tests.
//
// Messages wait in one FIFO queue until the test delivers them; links can be cut in
// either direction, and a filter can drop messages selectively. Nothing here reads a
// clock or draws a random number: a test replays exactly.
#pragma once

#include <any>
#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "auction/raft/driver.hpp"
#include "auction/raft/memory_storage.hpp"

namespace Catch {
template <class Tag>
struct StringMaker<auction::StrongId<Tag>> {
  static std::string convert(auction::StrongId<Tag> v) { return std::to_string(v.value); }
};
}  // namespace Catch

namespace auction::test {

using namespace auction::raft;

inline NodeId n(std::uint64_t id) { return NodeId{id}; }

// The commands of a RecordingMachine as snapshot bytes: each as "<length>:<bytes>".
inline std::string encode_commands(const std::vector<std::string>& commands) {
  std::string out;
  for (const std::string& c : commands) out += std::to_string(c.size()) + ":" + c;
  return out;
}

inline Result<std::vector<std::string>> decode_commands(std::string_view bytes) {
  std::vector<std::string> out;
  while (!bytes.empty()) {
    const auto colon = bytes.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail(auction::code::bad_snapshot, "no length");
    }
    std::size_t length = 0;
    for (const char c : bytes.substr(0, colon)) {
      if (c < '0' || c > '9') return fail(auction::code::bad_snapshot, "bad length");
      length = length * 10 + static_cast<std::size_t>(c - '0');
    }
    bytes.remove_prefix(colon + 1);
    if (length > bytes.size()) return fail(auction::code::bad_snapshot, "short command");
    out.emplace_back(bytes.substr(0, length));
    bytes.remove_prefix(length);
  }
  return out;
}

// Remembers every command; answers "applied:<command>@<index>". Of a command this node
// proposed with a string attached, it also remembers that string. Its snapshot is its list
// of commands; restoring one replaces the list.
class RecordingMachine final : public StateMachine {
 public:
  std::string apply(LogIndex index, std::string_view command) override {
    commands.emplace_back(command);
    return "applied:" + std::string(command) + "@" + std::to_string(index.value);
  }
  std::string apply_proposed(LogIndex index, std::string_view command,
                             const std::any& proposed) override {
    if (const auto* note = std::any_cast<std::string>(&proposed)) attached.push_back(*note);
    return apply(index, command);
  }
  std::string snapshot() const override { return encode_commands(commands); }
  Result<void> restore(std::string_view snapshot) override {
    auto decoded = decode_commands(snapshot);
    if (!decoded) return std::unexpected(decoded.error());
    commands = std::move(*decoded);
    ++restores;
    return {};
  }
  std::vector<std::string> commands;
  int restores = 0;                   // snapshots restored
  std::vector<std::string> attached;  // what apply_proposed() was given, in order
};

class Cluster;

class Link final : public Transport {
 public:
  explicit Link(std::deque<Message>& queue) : queue_(queue) {}
  void send(Message m) override { queue_.push_back(std::move(m)); }

 private:
  std::deque<Message>& queue_;
};

struct Node {
  MemoryStorage storage;
  RecordingMachine machine;
  std::unique_ptr<Driver> driver;
  DriverEvents events;  // accumulated take_events()
};

class Cluster {
 public:
  // Nodes 1..size with `tweak` applied to each config.
  explicit Cluster(std::size_t size, std::function<void(Config&)> tweak = {},
                   Driver::Mode mode = Driver::Mode::synchronous)
      : size_(size), tweak_(std::move(tweak)), mode_(mode), link_(queue) {
    for (std::uint64_t id = 1; id <= size; ++id) nodes_[n(id)] = std::make_unique<Node>();
  }

  // Before start(): seeds a node's disk as if it had run before.
  void preload(std::uint64_t id, std::vector<Entry> entries, HardState hs) {
    Node& node = *nodes_.at(n(id));
    node.storage.append(entries);
    node.storage.set_hard_state(hs);
    node.storage.sync();
  }

  void start() {
    for (auto& [id, node] : nodes_) boot(id);
  }

  // A node past the founding ones (id > size): it starts outside any configuration
  // (Config::join) and waits for a leader to add it.
  void add_joiner(std::uint64_t id) {
    REQUIRE(id > size_);
    nodes_[n(id)] = std::make_unique<Node>();
    boot(n(id));
  }

  // The founding voters 1..size know each other; a joiner (id > size) knows nobody.
  Config config_for(NodeId id) const {
    Config c;
    c.id = id;
    c.join = id.value > size_;
    for (std::uint64_t p = 1; p <= size_ && !c.join; ++p) {
      if (n(p) != id) c.peers.push_back(n(p));
    }
    c.seed = 42;
    // The tests count entries from index 1 on: no founding config entry unless a test asks
    // for it (the membership tests do).
    c.record_founding_membership = false;
    if (tweak_) tweak_(c);
    return c;
  }

  // Power loss and reboot: unsynced writes vanish.
  void restart(std::uint64_t id) {
    Node& node = *nodes_.at(n(id));
    node.driver.reset();
    node.storage.crash();
    node.machine.commands.clear();
    boot(n(id));
  }

  // The node's disk is replaced by an empty one (a data directory wiped) and it reboots.
  void wipe(std::uint64_t id) {
    Node& node = *nodes_.at(n(id));
    node.driver.reset();
    node.storage = MemoryStorage{};
    node.machine.commands.clear();
    boot(n(id));
  }

  Driver& driver(std::uint64_t id) { return *nodes_.at(n(id))->driver; }
  const Core& core(std::uint64_t id) { return driver(id).core(); }
  Node& node(std::uint64_t id) { return *nodes_.at(n(id)); }
  DriverEvents& events(std::uint64_t id) {
    collect();
    return nodes_.at(n(id))->events;
  }

  void cut(std::uint64_t a, std::uint64_t b) {
    cut_.insert({n(a), n(b)});
    cut_.insert({n(b), n(a)});
  }
  void cut_one_way(std::uint64_t from, std::uint64_t to) { cut_.insert({n(from), n(to)}); }
  void isolate(std::uint64_t id) {
    for (const auto& [p, node] : nodes_) {
      if (p.value != id) cut(id, p.value);
    }
  }
  void heal() { cut_.clear(); }

  // Delivers the next queued message (dropping it if its link is cut or `drop` says so).
  // Returns false when the queue is empty.
  bool deliver_one() {
    if (queue.empty()) return false;
    Message m = std::move(queue.front());
    queue.pop_front();
    deliver(m);
    return true;
  }

  // Hands `m` to its addressee unless its link is cut, `drop` rejects it, or the
  // addressee is down.
  void deliver(const Message& m) {
    if (cut_.contains({m.from, m.to}) || (drop && drop(m))) return;
    if (!nodes_.at(m.to)->driver) return;
    trace.push_back(m);
    driver(m.to.value).on_message(m);
    run_disks();
  }

  // Split mode: every node whose disk is not stalled finishes its outstanding persist.
  void run_disks() {
    for (bool progress = true; progress;) {
      progress = false;
      for (auto& [id, node] : nodes_) {
        if (stalled.contains(id.value) || !node->driver) continue;
        if (auto job = node->driver->take_persist_job()) {
          Driver::write_job(node->storage, *job);
          node->driver->on_persisted(std::move(*job));
          progress = true;
        }
      }
    }
  }

  // Delivers until the queue is empty (a safety bound turns livelock into a failure).
  void deliver_all() {
    for (int i = 0; i < 100000 && deliver_one(); ++i) {}
    collect();
  }

  // Delivers until `pred` holds; returns whether it did before the queue ran dry.
  bool deliver_until(const std::function<bool()>& pred) {
    for (int i = 0; i < 100000; ++i) {
      if (pred()) return true;
      if (!deliver_one()) return pred();
    }
    return false;
  }

  void tick(std::uint64_t id) {
    driver(id).tick();
    run_disks();
  }

  // Ticks every node once per round and delivers everything, until `pred` holds.
  bool run_until(const std::function<bool()>& pred, int rounds_max = 200) {
    for (int r = 0; r < rounds_max; ++r) {
      if (pred()) return true;
      for (auto& [id, node] : nodes_) {
        if (node->driver) node->driver->tick();
      }
      run_disks();
      deliver_all();
    }
    return pred();
  }

  // Ticks only `id` until it starts a (pre-)campaign, then delivers messages until it
  // leads or nothing is left; what the new leader sent stays queued.
  void campaign(std::uint64_t id) {
    for (int i = 0; i < 1000 && core(id).role() == Role::follower; ++i) tick(id);
    deliver_until([&] { return core(id).role() == Role::leader; });
    collect();
  }

  // The unique leader among nodes that see themselves as leader in the highest term, or 0.
  std::uint64_t leader() const {
    std::uint64_t found = 0;
    Term best{0};
    for (const auto& [id, node] : nodes_) {
      if (!node->driver) continue;
      const Core& c = node->driver->core();
      if (c.role() == Role::leader && c.term() >= best) {
        best = c.term();
        found = id.value;
      }
    }
    return found;
  }

  std::vector<Entry> log_of(std::uint64_t id) {
    const RaftLog& log = core(id).log();
    return log.entries(LogIndex{1}, LogIndex{log.last_index().value + 1}, SIZE_MAX);
  }

  void collect() {
    for (auto& [id, node] : nodes_) {
      if (!node->driver) continue;
      DriverEvents e = node->driver->take_events();
      auto move_all = [](auto& to, auto& from) {
        for (auto& x : from) to.push_back(std::move(x));
      };
      move_all(node->events.completed, e.completed);
      move_all(node->events.failed, e.failed);
      move_all(node->events.reads_ready, e.reads_ready);
      move_all(node->events.reads_failed, e.reads_failed);
      move_all(node->events.role_changes, e.role_changes);
    }
  }

  std::deque<Message> queue;
  std::vector<Message> trace;  // delivered messages, in order
  std::function<bool(const Message&)> drop;
  std::set<std::uint64_t> stalled;  // split mode: nodes whose disk does not complete writes

 private:
  void boot(NodeId id) {
    Node& node = *nodes_.at(id);
    REQUIRE(restore_from_storage(node.storage, node.machine).has_value());
    node.driver =
        std::make_unique<Driver>(config_for(id), node.storage, link_, node.machine, mode_);
  }

  std::size_t size_;
  std::function<void(Config&)> tweak_;
  Driver::Mode mode_;
  Link link_;
  std::map<NodeId, std::unique_ptr<Node>> nodes_;
  std::set<std::pair<NodeId, NodeId>> cut_;
};

inline Entry entry(std::uint64_t term, std::uint64_t index, std::string data = {}) {
  return Entry{Term{term}, LogIndex{index}, data.empty() ? EntryType::noop : EntryType::normal,
               std::move(data)};
}

inline Message message(MessageType type, std::uint64_t from, std::uint64_t to, std::uint64_t term) {
  Message m;
  m.type = type;
  m.from = NodeId{from};
  m.to = NodeId{to};
  m.term = Term{term};
  return m;
}

inline HardState hard(std::uint64_t term, std::uint64_t commit = 0) {
  return HardState{Term{term}, NodeId{0}, false, LogIndex{commit}};
}

// Everything a bare `core` says now, and what it says once what it holds is durable (its
// Ready taken and advanced, as if persisted).
inline std::vector<Message> said(Core& core) {
  std::vector<Message> out = core.take_messages();
  if (core.has_ready()) {
    Ready ready = core.ready();
    for (Message& m : ready.messages) out.push_back(std::move(m));
    core.advance(ready);
  }
  return out;
}

// Elects node `id` by letting it time out first, then lets the no-op commit everywhere
// (followers learn the commit index from the next heartbeat).
inline void elect(Cluster& c, std::uint64_t id) {
  c.campaign(id);
  REQUIRE(c.core(id).role() == Role::leader);
  c.deliver_all();
  c.tick(id);
  c.deliver_all();
}

}  // namespace auction::test

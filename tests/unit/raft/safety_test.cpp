// Randomized safety check: five drivers under seeded message loss, reordering, partitions
// and crash-restarts, with Raft's safety properties (Figure 3) checked after every step and
// every proposal's outcome checked at the end. A failure names its seed.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <tuple>

#include "test_cluster.hpp"

using namespace auction::test;

namespace {

// A small seeded generator for the schedule (independent of the nodes' own seeds).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 33;
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

struct Checker {
  std::map<Term, std::uint64_t> leader_of_term;  // election safety
  std::vector<Entry> committed;                  // the one committed log, as far as known

  void check(Cluster& c, std::uint64_t nodes, std::uint64_t seed) {
    INFO("seed " << seed);
    for (std::uint64_t id = 1; id <= nodes; ++id) {
      const Core& core = c.core(id);
      if (core.role() == Role::leader) {
        auto [it, fresh] = leader_of_term.try_emplace(core.term(), id);
        REQUIRE(it->second == id);  // at most one leader per term
      }
      // Log matching + leader completeness, seen from the committed prefixes: every
      // node's committed entries agree with every other node's.
      const std::uint64_t commit = core.commit().value;
      const auto log = core.log().entries(LogIndex{1}, LogIndex{commit + 1}, SIZE_MAX);
      REQUIRE(log.size() == commit);
      for (std::uint64_t i = 0; i < commit; ++i) {
        if (i < committed.size()) {
          REQUIRE(log[i] == committed[i]);
        } else {
          committed.push_back(log[i]);
        }
      }
      // State machine safety: what a node applied is a prefix of the committed commands.
      std::vector<std::string> expected;
      for (const Entry& e : committed) {
        if (e.type == EntryType::normal) expected.push_back(e.data);
      }
      const auto& applied = c.node(id).machine.commands;
      REQUIRE(applied.size() <= expected.size());
      REQUIRE(std::equal(applied.begin(), applied.end(), expected.begin()));
    }
  }
};

void run_schedule(std::uint64_t seed, Driver::Mode mode) {
  constexpr std::uint64_t nodes = 5;
  Rng rng(seed);
  Cluster c(nodes, [seed](Config& cfg) {
    cfg.seed = seed;
    cfg.inflight_max = 4;
    cfg.append_entries_max = 4;
  }, mode);
  c.start();
  Checker checker;
  // Keyed by (node, index, term): a node may lead again and reuse an index.
  using Key = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>;
  std::map<Key, std::string> outcome;
  std::set<Key> tickets;
  int proposals = 0;

  for (int step = 0; step < 3000; ++step) {
    const std::uint64_t dice = rng.below(100);
    if (dice < 40 && !c.queue.empty()) {
      // Deliver a random queued message (reordering), or lose it.
      const auto at = static_cast<std::ptrdiff_t>(rng.below(c.queue.size()));
      Message m = std::move(c.queue[static_cast<std::size_t>(at)]);
      c.queue.erase(c.queue.begin() + at);
      if (rng.below(10) != 0) c.deliver(m);
    } else if (dice < 75) {
      c.tick(1 + rng.below(nodes));
    } else if (dice < 85) {
      for (std::uint64_t id = 1; id <= nodes; ++id) {
        if (c.core(id).role() != Role::leader) continue;
        auto t = c.driver(id).propose("cmd" + std::to_string(proposals++));
        if (t) tickets.insert({id, t->index.value, t->term.value});
      }
    } else if (dice < 88) {
      c.cut(1 + rng.below(nodes), 1 + rng.below(nodes));
    } else if (dice < 92) {
      c.heal();
    } else if (dice < 93) {
      // Power loss on one node. Its unanswered proposals die with it.
      const std::uint64_t id = 1 + rng.below(nodes);
      std::erase_if(tickets, [&](const Key& k) { return std::get<0>(k) == id; });
      c.collect();
      c.node(id).events = {};
      if (mode == Driver::Mode::split && rng.below(2) == 0) {
        c.crash_mid_write(id);
      } else {
        c.restart(id);
      }
    } else if (dice < 96 && mode == Driver::Mode::split) {
      c.stalled.insert(1 + rng.below(nodes));
    } else {
      c.stalled.clear();
      c.run_disks();
    }
    checker.check(c, nodes, seed);
  }

  // Heal everything and let the cluster settle: every proposal must have an answer.
  c.heal();
  c.stalled.clear();
  c.run_disks();
  REQUIRE(c.run_until([&] {
    const std::uint64_t l = c.leader();
    if (l == 0) return false;
    for (std::uint64_t id = 1; id <= nodes; ++id) {
      if (c.core(id).applied() != c.core(l).log().last_index()) return false;
    }
    return true;
  }, 2000));
  checker.check(c, nodes, seed);
  for (std::uint64_t id = 1; id <= nodes; ++id) {
    for (const auto& done : c.events(id).completed) {
      REQUIRE(outcome.emplace(Key{id, done.index.value, done.term.value}, "completed").second);
      REQUIRE(checker.committed.at(done.index.value - 1).term == done.term);
    }
    for (const auto& failed : c.events(id).failed) {
      REQUIRE(outcome.emplace(Key{id, failed.index.value, failed.term.value}, "failed").second);
    }
  }
  for (const Key& key : tickets) {
    INFO("seed " << seed << " node " << std::get<0>(key) << " index " << std::get<1>(key));
    CHECK(outcome.contains(key));
  }
  CHECK(checker.committed.size() > 10);  // the schedule made progress
}

}  // namespace

TEST_CASE("raft: safety holds under random loss, reordering, partitions and crashes",
          "[raft]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) run_schedule(seed, Driver::Mode::synchronous);
}

TEST_CASE("raft: safety holds with disks that stall in split mode", "[raft]") {
  for (std::uint64_t seed = 101; seed <= 120; ++seed) run_schedule(seed, Driver::Mode::split);
}

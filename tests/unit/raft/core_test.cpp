// Raft core behaviour in small in-process clusters (test_cluster.hpp): elections, pre-vote,
// check-quorum, replication, commitment rules, ReadIndex, limits.
#include <algorithm>
#include <catch2/catch.hpp>

#include "test_cluster.hpp"

using namespace auction::test;

namespace {

std::size_t count_if_trace(const std::vector<Message>& msgs,
                           const std::function<bool(const Message&)>& pred) {
  return static_cast<std::size_t>(std::count_if(msgs.begin(), msgs.end(), pred));
}

}  // namespace

TEST_CASE("raft: a leader is elected and its no-op commits on every node", "[raft]") {
  Cluster c(3);
  c.start();
  REQUIRE(c.run_until([&] { return c.leader() != 0; }));
  const std::uint64_t l = c.leader();
  c.deliver_all();
  c.tick(l);  // a heartbeat tells the followers the commit index
  c.deliver_all();
  int leaders = 0;
  for (std::uint64_t id = 1; id <= 3; ++id) {
    if (c.core(id).role() == Role::leader) ++leaders;
    CHECK(c.core(id).term() == c.core(l).term());
    CHECK(c.core(id).commit() == LogIndex{1});
    CHECK(c.core(id).leader() == n(l));
  }
  CHECK(leaders == 1);
  REQUIRE(c.log_of(l).size() == 1);
  CHECK(c.log_of(l)[0].type == EntryType::noop);
}

TEST_CASE("raft: a single node elects itself and commits alone", "[raft]") {
  Cluster c(1);
  c.start();
  REQUIRE(c.run_until([&] { return c.leader() == 1; }));
  auto t = c.driver(1).propose("solo");
  REQUIRE(t.has_value());
  REQUIRE(c.events(1).completed.size() == 1);
  CHECK(c.events(1).completed[0].answer == "applied:solo@2");
}

TEST_CASE("raft: an entry of an earlier term is not committed by counting replicas (Figure 8)",
          "[raft]") {
  // Node 1 holds an entry of term 2 at index 2 that nobody else has. It leads in term 4
  // and copies that entry to node 2: a majority holds it, yet it must not count as
  // committed until an entry of term 4 is also on a majority (§5.4.2).
  Cluster c(3, [](Config& cfg) { cfg.append_entries_max = 1; });
  c.preload(1, {entry(1, 1, "a"), entry(2, 2, "b")}, hard(3, 1));
  c.preload(2, {entry(1, 1, "a")}, hard(3, 1));
  c.preload(3, {entry(1, 1, "a")}, hard(3, 1));
  c.start();
  c.cut(1, 3);
  c.campaign(1);
  REQUIRE(c.core(1).role() == Role::leader);
  REQUIRE(c.core(1).term() == Term{4});

  REQUIRE(c.deliver_until([&] {
    const Progress* p = c.core(1).progress(n(2));
    return p != nullptr && p->match() == LogIndex{2};
  }));
  // Index 2 is on nodes 1 and 2, a majority, but its term is 2.
  CHECK(c.core(1).commit() == LogIndex{1});

  c.deliver_all();
  // The term-4 no-op at index 3 reached node 2: it commits, and index 2 with it.
  CHECK(c.core(1).commit() == LogIndex{3});
  CHECK(c.node(1).machine.commands == std::vector<std::string>{"a", "b"});
}

TEST_CASE("raft: a stale candidate cannot win (§5.4.1)", "[raft]") {
  // Real votes only (no pre-vote, no lease), so the up-to-date check itself is tested.
  Cluster c(3, [](Config& cfg) {
    cfg.pre_vote = false;
    cfg.check_quorum = false;
  });
  c.start();
  elect(c, 1);
  c.cut(1, 3);
  c.cut(2, 3);
  REQUIRE(c.driver(1).propose("x").has_value());
  c.deliver_all();
  REQUIRE(c.core(1).commit() == LogIndex{2});
  REQUIRE(c.core(3).log().last_index() == LogIndex{1});

  c.heal();
  c.campaign(3);  // node 3 times out first, with a shorter log, in a higher term
  CHECK(c.core(3).role() != Role::leader);
  CHECK(c.core(3).term() > Term{1});
  // The others saw the higher term and stepped down, but refused their votes; whoever
  // wins next, it is not node 3, and the committed entry survives.
  REQUIRE(c.run_until([&] { return c.leader() != 0; }));
  CHECK(c.leader() != 3);
  c.deliver_all();
  for (std::uint64_t id = 1; id <= 3; ++id) {
    CHECK(c.log_of(id).at(1).data == "x");
  }
}

TEST_CASE("raft: a partitioned leader steps down and its uncommitted entries are overwritten",
          "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.isolate(1);
  auto lost = c.driver(1).propose("lost");
  REQUIRE(lost.has_value());

  // Check-quorum: a full election timeout without hearing a majority and it steps down.
  const int timeout = c.config_for(n(1)).election_timeout_ticks;
  for (int i = 0; i < 2 * timeout && c.core(1).role() == Role::leader; ++i) c.tick(1);
  CHECK(c.core(1).role() == Role::follower);
  // Its client hears about it at once instead of waiting forever.
  REQUIRE(c.events(1).failed.size() == 1);
  CHECK(c.events(1).failed[0].index == lost->index);
  CHECK(c.events(1).failed[0].error.code == "leadership_lost");

  REQUIRE(c.run_until([&] { return c.leader() == 2 || c.leader() == 3; }));
  const std::uint64_t l = c.leader();
  REQUIRE(c.driver(l).propose("kept").has_value());
  c.deliver_all();

  c.heal();
  REQUIRE(c.run_until([&] {
    return c.core(1).log().last_index() == c.core(l).log().last_index() &&
           c.core(1).commit() == c.core(l).commit();
  }));
  CHECK(c.log_of(1) == c.log_of(l));
  CHECK(c.log_of(1).at(lost->index.value - 1).term != lost->term);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    const auto& cmds = c.node(id).machine.commands;
    CHECK(std::find(cmds.begin(), cmds.end(), "lost") == cmds.end());
  }
  CHECK(c.leader() == l);  // the returning node did not disturb the new leader
}

TEST_CASE("raft: a follower with extra entries from an old term is repaired", "[raft]") {
  Cluster c(3);
  c.preload(1, {entry(1, 1, "a")}, hard(2, 1));
  c.preload(2, {entry(1, 1, "a")}, hard(2, 1));
  c.preload(3, {entry(1, 1, "a"), entry(2, 2, "x"), entry(2, 3, "y"), entry(2, 4, "z")},
            hard(2, 1));
  c.start();
  c.campaign(1);
  REQUIRE(c.core(1).role() == Role::leader);
  REQUIRE(c.driver(1).propose("b").has_value());
  c.deliver_all();
  c.run_until([&] { return c.core(3).commit() == LogIndex{3}; });
  CHECK(c.log_of(3) == c.log_of(1));
  CHECK(c.core(3).log().last_index() == LogIndex{3});
  CHECK(c.node(3).machine.commands == std::vector<std::string>{"a", "b"});
  // The overwrite reached the disk too.
  CHECK(c.node(3).storage.last_index() == LogIndex{3});
  CHECK(c.node(3).storage.term(LogIndex{2}).value() == Term{3});
}

TEST_CASE("raft: fast backtracking skips a whole term in one round trip", "[raft]") {
  // Leader-to-be: terms 1,1,1,3,3,3. Node 3: terms 1,1,1 then seven entries of term 2 the
  // leader never had. Probing entry by entry would take several rejections; the hint
  // (index 6, term 2) lets the leader jump straight to index 3.
  std::vector<Entry> common{entry(1, 1, "a"), entry(1, 2, "b"), entry(1, 3, "c")};
  auto leader_log = common;
  for (std::uint64_t i = 4; i <= 6; ++i) leader_log.push_back(entry(3, i, "l"));
  auto stale_log = common;
  for (std::uint64_t i = 4; i <= 10; ++i) stale_log.push_back(entry(2, i, "s"));
  Cluster c(3);
  c.preload(1, leader_log, hard(3, 3));
  c.preload(2, leader_log, hard(3, 3));
  c.preload(3, stale_log, hard(3, 3));
  c.start();
  c.cut(1, 3);
  c.campaign(1);
  REQUIRE(c.core(1).role() == Role::leader);
  c.heal();
  c.trace.clear();
  c.tick(1);  // a heartbeat; node 3 answers and the leader probes it
  c.deliver_all();
  const auto rejections = count_if_trace(c.trace, [](const Message& m) {
    return m.type == MessageType::append_response && m.from == n(3) && m.reject;
  });
  CHECK(rejections == 1);
  CHECK(c.log_of(3) == c.log_of(1));
  CHECK(c.core(1).progress(n(3))->state() == ProgressState::replicate);
}

TEST_CASE("raft: a follower probes after a rejection and pipelines after a success", "[raft]") {
  std::vector<Entry> base{entry(1, 1, "a")};
  Cluster c(3, [](Config& cfg) {
    cfg.inflight_max = 2;
    cfg.append_entries_max = 1;
  });
  c.preload(1, {entry(1, 1, "a"), entry(2, 2, "b")}, hard(2, 1));
  c.preload(2, {entry(1, 1, "a"), entry(2, 2, "b")}, hard(2, 1));
  c.preload(3, {entry(1, 1, "a")}, hard(2, 1));
  c.start();
  c.cut(1, 3);
  c.campaign(1);
  REQUIRE(c.core(1).role() == Role::leader);
  c.deliver_all();
  c.heal();

  // Node 3 lacks index 2: the probe is rejected and the leader keeps node 3 in probe,
  // with at most one message outstanding.
  c.tick(1);
  REQUIRE(c.deliver_until([&] {
    return !c.trace.empty() && c.trace.back().type == MessageType::append_response &&
           c.trace.back().from == n(3) && c.trace.back().reject;
  }));
  const Progress* p3 = c.core(1).progress(n(3));
  CHECK(p3->state() == ProgressState::probe);
  CHECK(p3->is_paused());
  c.deliver_all();
  CHECK(p3->state() == ProgressState::replicate);
  CHECK(p3->match() == c.core(1).log().last_index());

  // Now withhold node 3's answers: the leader streams at most inflight_max messages.
  c.cut_one_way(3, 1);
  c.cut(1, 2);
  for (int i = 0; i < 5; ++i) REQUIRE(c.driver(1).propose("p" + std::to_string(i)).has_value());
  const auto sent_to_3 =
      count_if_trace(std::vector<Message>(c.queue.begin(), c.queue.end()), [](const Message& m) {
        return m.type == MessageType::append && m.to == n(3) && !m.entries.empty();
      });
  CHECK(sent_to_3 == 2);
  CHECK(p3->inflight_count() == 2);
  CHECK(p3->is_paused());

  c.heal();
  c.deliver_all();
  REQUIRE(c.run_until([&] { return c.core(3).commit() == c.core(1).log().last_index(); }));
  CHECK(c.log_of(3) == c.log_of(1));
}

TEST_CASE("raft: batching bounds entries and bytes per AppendEntries", "[raft]") {
  Cluster c(3, [](Config& cfg) {
    cfg.append_entries_max = 3;
    cfg.append_bytes_max = 10;
  });
  c.start();
  elect(c, 1);
  c.deliver_all();
  c.cut(1, 2);
  c.cut(1, 3);
  for (int i = 0; i < 8; ++i) REQUIRE(c.driver(1).propose("1234").has_value());
  c.queue.clear();
  c.heal();
  c.trace.clear();
  REQUIRE(c.run_until([&] { return c.core(2).commit() == LogIndex{9}; }));
  std::size_t appends = 0;
  for (const Message& m : c.trace) {
    if (m.type != MessageType::append || m.entries.empty()) continue;
    ++appends;
    std::size_t bytes = 0;
    for (const Entry& e : m.entries) bytes += e.data.size();
    CHECK(m.entries.size() <= 3);
    CHECK((bytes <= 10 || m.entries.size() == 1));
    CHECK(m.entries.size() >= 2);  // several entries per message
  }
  CHECK(appends > 0);
}

TEST_CASE("raft: votes and terms survive a restart", "[raft]") {
  Cluster c(3, [](Config& cfg) { cfg.pre_vote = false; });
  c.start();
  // Node 2 asks node 1 for its vote in term 5.
  const Message ask = message(MessageType::vote, 2, 1, 5);
  c.driver(1).on_message(ask);
  REQUIRE(c.queue.size() == 1);
  CHECK_FALSE(c.queue.front().reject);
  c.queue.clear();

  c.restart(1);
  CHECK(c.core(1).term() == Term{5});
  CHECK(c.core(1).hard_state().vote == n(2));
  Message other = ask;
  other.from = n(3);
  c.driver(1).on_message(other);
  REQUIRE(c.queue.size() == 1);
  CHECK(c.queue.front().reject);  // already voted in term 5
  c.queue.clear();
  c.driver(1).on_message(ask);
  REQUIRE(c.queue.size() == 1);
  CHECK_FALSE(c.queue.front().reject);  // the same candidate may ask again
}

TEST_CASE("raft: pre-vote does not bump terms and a rejoining node does not depose the leader",
          "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.deliver_all();
  const Term term = c.core(1).term();
  c.isolate(3);
  for (int i = 0; i < 100; ++i) {
    c.tick(3);
    c.tick(1);
    c.tick(2);
    c.deliver_all();
  }
  CHECK(c.core(3).term() == term);  // many failed pre-votes, no term increase
  CHECK(c.core(3).role() != Role::leader);
  c.heal();
  REQUIRE(c.run_until([&] { return c.core(3).leader() == n(1); }));
  for (int i = 0; i < 50; ++i) {
    c.tick(1);
    c.tick(2);
    c.tick(3);
    c.deliver_all();
  }
  CHECK(c.leader() == 1);
  for (std::uint64_t id = 1; id <= 3; ++id) CHECK(c.core(id).term() == term);
}

TEST_CASE("raft: followers in a leader's lease ignore vote requests of a higher term", "[raft]") {
  Cluster c(3, [](Config& cfg) { cfg.pre_vote = false; });
  c.start();
  elect(c, 1);
  c.deliver_all();
  const Term term = c.core(1).term();
  Message ask = message(MessageType::vote, 3, 2, term.value + 1);
  ask.log_term = term;
  ask.index = LogIndex{100};
  c.driver(2).on_message(ask);
  CHECK(c.core(2).term() == term);
  CHECK(c.queue.empty());
}

TEST_CASE("raft: ReadIndex waits for a heartbeat round", "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.deliver_all();
  REQUIRE(c.driver(1).read_index(7).has_value());
  CHECK(c.events(1).reads_ready.empty());  // heartbeats are out, not answered
  const auto heartbeats = count_if_trace(
      std::vector<Message>(c.queue.begin(), c.queue.end()),
      [](const Message& m) { return m.type == MessageType::heartbeat && m.context == 1; });
  CHECK(heartbeats == 2);
  c.deliver_all();
  CHECK(c.events(1).reads_ready == std::vector<std::uint64_t>{7});

  // Cut off, a read is never confirmed; once healed, the next heartbeat round does it.
  c.isolate(1);
  REQUIRE(c.driver(1).read_index(8).has_value());
  c.deliver_all();
  CHECK(c.events(1).reads_ready.size() == 1);
  c.heal();
  c.tick(1);
  c.deliver_all();
  CHECK(c.events(1).reads_ready == std::vector<std::uint64_t>{7, 8});
}

TEST_CASE("raft: concurrent reads share heartbeat rounds", "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.deliver_all();
  c.trace.clear();
  for (std::uint64_t ctx = 1; ctx <= 10; ++ctx) REQUIRE(c.driver(1).read_index(ctx).has_value());
  c.deliver_all();
  CHECK(c.events(1).reads_ready.size() == 10);
  std::uint64_t rounds = 0;
  for (const Message& m : c.trace) {
    if (m.type == MessageType::heartbeat) rounds = std::max(rounds, m.context);
  }
  CHECK(rounds == 2);  // the first read's round, then one round for the other nine
}

TEST_CASE("raft: ReadIndex on a new leader waits for its no-op to commit (§6.4)", "[raft]") {
  Cluster c(3);
  c.start();
  c.campaign(1);
  // Stop as soon as node 1 leads, before its no-op is replicated.
  for (int i = 0; i < 1000 && c.core(1).role() != Role::leader; ++i) {
    c.tick(1);
    c.deliver_until([&] { return c.core(1).role() == Role::leader; });
  }
  REQUIRE(c.core(1).role() == Role::leader);
  REQUIRE(c.core(1).commit() == LogIndex{0});
  REQUIRE(c.driver(1).read_index(5).has_value());
  CHECK(std::none_of(c.queue.begin(), c.queue.end(), [](const Message& m) {
    return m.type == MessageType::heartbeat && m.context != 0;
  }));
  bool ready_seen = false;
  LogIndex applied_when_ready{0};
  c.deliver_until([&] {
    c.collect();
    if (!c.node(1).events.reads_ready.empty() && !ready_seen) {
      ready_seen = true;
      applied_when_ready = c.core(1).applied();
    }
    return false;
  });
  CHECK(ready_seen);
  CHECK(applied_when_ready >= LogIndex{1});  // the no-op, at index 1, was applied first
}

TEST_CASE("raft: proposals and reads on a follower fail with not_leader and a hint", "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.deliver_all();
  auto p = c.driver(2).propose("x");
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().code == "not_leader");
  CHECK(p.error().message.find("leader is 1") != std::string::npos);
  CHECK(c.core(2).leader() == n(1));
  auto r = c.driver(3).read_index(1);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "not_leader");
}

TEST_CASE("raft: a leader over its uncommitted-bytes limit answers overloaded", "[raft]") {
  Cluster c(3, [](Config& cfg) { cfg.uncommitted_bytes_max = 100; });
  c.start();
  elect(c, 1);
  c.deliver_all();
  c.cut(1, 2);
  c.cut(1, 3);
  const std::string sixty(60, 'x');
  REQUIRE(c.driver(1).propose(sixty).has_value());
  auto over = c.driver(1).propose(sixty);
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().code == "overloaded");
  CHECK(c.core(1).uncommitted_bytes() == 60);
  c.heal();
  c.tick(1);
  c.deliver_all();
  CHECK(c.core(1).uncommitted_bytes() == 0);
  CHECK(c.driver(1).propose(sixty).has_value());
}

TEST_CASE("raft: the uncommitted count is per leadership and never underflows", "[raft]") {
  // Node 1 leads in term 2, copies a 60-byte entry to node 2 but never hears back. Node 2
  // then leads (its count starts at 0) and commits that entry with its no-op: applying it
  // must not drive node 2's count below zero.
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.deliver_all();
  c.cut(1, 3);
  c.cut_one_way(2, 1);
  REQUIRE(c.driver(1).propose(std::string(60, 'x')).has_value());
  c.deliver_all();
  REQUIRE(c.core(2).log().last_index() == LogIndex{2});
  c.isolate(1);
  REQUIRE(c.run_until([&] { return c.leader() == 2 && c.core(2).commit() >= LogIndex{3}; }));
  CHECK(c.node(2).machine.commands == std::vector<std::string>{std::string(60, 'x')});
  CHECK(c.core(2).uncommitted_bytes() == 0);
}

TEST_CASE(
    "raft: followers that lose the leader's connection elect a new leader within a third "
    "of an election timeout",
    "[raft]") {
  // Election timeout 10 ticks: a hint makes a follower campaign within 3. Each node gets
  // its own seed, as real replicas do, so the two followers draw different delays.
  Cluster c(3, [](Config& cfg) { cfg.seed = 1000 + cfg.id.value; });
  c.start();
  elect(c, 1);
  c.deliver_all();
  const Term term = c.core(1).term();
  c.isolate(1);  // the leader's process died; its connections closed
  c.driver(2).report_unreachable(n(1));
  c.driver(3).report_unreachable(n(1));
  CHECK(c.core(2).leader() == n(0));  // the lease is gone with the leader
  int rounds = 0;
  while (rounds < 3 && (c.leader() == 0 || c.leader() == 1)) {
    c.tick(2);
    c.tick(3);
    c.deliver_all();
    ++rounds;
  }
  const std::uint64_t next = c.leader() == 1 ? 0 : c.leader();
  CHECK((next == 2 || next == 3));
  CHECK(c.core(next == 0 ? 2 : next).term() == Term{term.value + 1});
}

TEST_CASE("raft: a wrong lost-connection hint does not depose a live leader", "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.deliver_all();
  const Term term = c.core(1).term();
  c.driver(2).report_unreachable(n(1));  // node 1 is alive and heard by node 3
  for (int i = 0; i < 50; ++i) {
    c.tick(1);
    c.tick(2);
    c.tick(3);
    c.deliver_all();
  }
  CHECK(c.leader() == 1);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    CHECK(c.core(id).term() == term);
    CHECK(c.core(id).leader() == n(1));
  }
}

TEST_CASE("raft: a lost-connection hint about anyone but a follower's leader changes nothing",
          "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.deliver_all();
  c.driver(2).report_unreachable(n(3));  // another follower
  c.driver(1).report_unreachable(n(2));  // a leader hears of a follower
  CHECK(c.core(2).leader() == n(1));
  CHECK(c.core(1).role() == Role::leader);
  CHECK(c.queue.empty());
}

TEST_CASE("raft: a node campaigns up to the term bound, never past it", "[raft]") {
  // One below the bound: an election still happens, for the bound itself.
  Cluster below(3);
  for (std::uint64_t id = 1; id <= 3; ++id) below.preload(id, {}, hard(term_max - 1));
  below.start();
  REQUIRE(below.run_until([&] { return below.leader() != 0; }));
  CHECK(below.core(below.leader()).term() == Term{term_max});

  // At the bound (only a forged message could have put the nodes there): no vote request
  // for a term that no peer would decode, and the term stays.
  Cluster at(3);
  for (std::uint64_t id = 1; id <= 3; ++id) at.preload(id, {}, hard(term_max));
  at.start();
  CHECK_FALSE(at.run_until([&] { return at.leader() != 0; }, 100));
  CHECK(at.trace.empty());
  for (std::uint64_t id = 1; id <= 3; ++id) CHECK(at.core(id).term() == Term{term_max});
}

TEST_CASE("raft: a sole voter leads only once its own vote is durable", "[raft]") {
  MemoryStorage storage;
  Config config;
  config.id = n(1);
  Core core(config, storage);
  for (int i = 0; i < 1000 && core.role() != Role::candidate; ++i) core.tick();
  // It voted for itself in term 1, which nobody else has to grant: still it does not lead a
  // term that a crash now could make it take again, with other entries.
  REQUIRE(core.role() == Role::candidate);
  CHECK(core.take_messages().empty());
  REQUIRE(core.has_ready());
  Ready ready = core.ready();
  REQUIRE(ready.hard_state.has_value());
  CHECK(ready.hard_state->term == Term{1});
  CHECK(ready.hard_state->vote == n(1));
  CHECK(core.role() == Role::candidate);
  core.advance(ready);
  CHECK(core.role() == Role::leader);
  CHECK(core.term() == Term{1});
}

TEST_CASE(
    "raft: entries that outlived their hard state in a torn sync give their term, and no "
    "vote in it goes to another node",
    "[raft]") {
  MemoryStorage storage;
  const std::vector<Entry> entries{entry(1, 1, "a"), entry(5, 2, "b")};
  storage.append(entries);
  storage.set_hard_state(HardState{Term{3}, NodeId{0}, false, LogIndex{0}});
  Config config;
  config.id = n(1);
  config.peers = {n(2), n(3)};
  config.pre_vote = false;
  Core core(config, storage);
  CHECK(core.term() == Term{5});
  Message request;
  request.type = MessageType::vote;
  request.from = n(2);
  request.to = n(1);
  request.term = Term{5};
  request.index = LogIndex{2};
  request.log_term = Term{5};
  core.step(request);
  std::vector<Message> answers = said(core);
  REQUIRE(answers.size() == 1);
  CHECK(answers.front().type == MessageType::vote_response);
  CHECK(answers.front().reject);
  // A later term is free.
  request.term = Term{6};
  core.step(request);
  answers = said(core);
  REQUIRE(answers.size() == 1);
  CHECK_FALSE(answers.front().reject);
}

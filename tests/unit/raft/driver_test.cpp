// raft::Driver: proposal and read outcomes, role events, and the split persist mode that
// keeps a node ticking and heartbeating while its disk is slow.
#include <algorithm>

#include <catch2/catch.hpp>

#include "test_cluster.hpp"

using namespace auction::test;

TEST_CASE("raft: a proposal completes with the state machine's answer", "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  auto ticket = c.driver(1).propose("bid");
  REQUIRE(ticket.has_value());
  CHECK(ticket->index == LogIndex{2});
  CHECK(c.events(1).completed.empty());  // not before a majority has it
  c.deliver_all();
  REQUIRE(c.events(1).completed.size() == 1);
  const ProposalCompleted& done = c.events(1).completed[0];
  CHECK(done.index == ticket->index);
  CHECK(done.term == ticket->term);
  CHECK(done.answer == "applied:bid@2");
  c.tick(1);
  c.deliver_all();
  for (std::uint64_t id = 1; id <= 3; ++id) {
    CHECK(c.node(id).machine.commands == std::vector<std::string>{"bid"});
    CHECK(c.events(id).failed.empty());
  }
  CHECK(c.events(2).completed.empty());  // followers apply but have no one to answer
}

TEST_CASE(
    "raft: a proposal carries its waiter to its event and what it was made from to "
    "the state machine of the node that proposed it",
    "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  int waiter = 0;  // stands for a runtime's waiter: only its address matters
  auto ticket = c.driver(1).propose("bid", &waiter, std::string("bid, decoded"));
  REQUIRE(ticket.has_value());
  REQUIRE(c.driver(1).pending_proposals().size() == 1);
  CHECK(c.driver(1).pending_proposals().at(ticket->index).waiter == &waiter);
  c.deliver_all();
  REQUIRE(c.events(1).completed.size() == 1);
  CHECK(c.events(1).completed[0].waiter == &waiter);
  CHECK(c.events(1).completed[0].answer == "applied:bid@2");
  CHECK(c.node(1).machine.attached == std::vector<std::string>{"bid, decoded"});
  CHECK(c.driver(1).pending_proposals().empty());
  c.tick(1);
  c.deliver_all();
  CHECK(c.node(2).machine.commands == std::vector<std::string>{"bid"});
  CHECK(c.node(2).machine.attached.empty());  // the followers apply the bytes alone
}

TEST_CASE(
    "raft: a proposal whose waiter was forgotten or released still commits, and its "
    "event carries no waiter",
    "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  int first = 0;
  int second = 0;
  auto forgotten = c.driver(1).propose("a", &first);
  auto released = c.driver(1).propose("b", &second);
  REQUIRE(forgotten.has_value());
  REQUIRE(released.has_value());
  c.driver(1).forget_waiter(*forgotten);
  CHECK(c.driver(1).release_waiters() == std::vector<void*>{&second});
  CHECK(c.driver(1).release_waiters().empty());        // each waiter is released once
  CHECK(c.driver(1).pending_proposals().size() == 2);  // nothing is delivered yet
  c.deliver_all();
  REQUIRE(c.events(1).completed.size() == 2);
  CHECK(c.events(1).completed[0].waiter == nullptr);
  CHECK(c.events(1).completed[1].waiter == nullptr);
  CHECK(c.driver(1).pending_proposals().empty());
}

TEST_CASE("raft: a proposal fails with leadership_lost when another leader overwrites it",
          "[raft]") {
  // Without check-quorum the cut-off leader keeps believing it leads until it hears the
  // new term; its proposal must still end in an answer, and never in "completed".
  Cluster c(3, [](Config& cfg) { cfg.check_quorum = false; });
  c.start();
  elect(c, 1);
  c.isolate(1);
  int waiter = 0;
  auto lost = c.driver(1).propose("lost", &waiter);
  REQUIRE(lost.has_value());
  REQUIRE(c.run_until([&] { return c.leader() == 2 || c.leader() == 3; }));
  CHECK(c.core(1).role() == Role::leader);  // still unaware
  const std::uint64_t l = c.core(2).role() == Role::leader ? 2 : 3;
  REQUIRE(c.driver(l).propose("kept").has_value());
  c.deliver_all();
  CHECK(c.events(1).failed.empty());

  c.heal();
  REQUIRE(c.run_until([&] {
    return c.core(1).commit() == c.core(l).commit() && c.core(1).role() == Role::follower;
  }));
  REQUIRE(c.events(1).failed.size() == 1);
  CHECK(c.events(1).failed[0].index == lost->index);
  CHECK(c.events(1).failed[0].error.code == "leadership_lost");
  CHECK(c.events(1).failed[0].waiter == &waiter);
  CHECK(c.events(1).completed.empty());
  CHECK(c.log_of(1).at(lost->index.value - 1).term != lost->term);
  CHECK(c.driver(1).status().leader == n(l));
}

TEST_CASE(
    "raft: a proposal answered leadership_lost may still commit -- the next leader commits "
    "what its old leader replicated to it",
    "[raft]") {
  // Why leadership_lost never reads as "nothing happened": the old leader cannot know.
  Cluster c(3);
  c.start();
  elect(c, 1);
  // Node 1's appends reach node 2; nothing reaches node 1 back, and node 3 is cut off.
  c.cut_one_way(2, 1);
  c.cut(1, 3);
  int waiter = 0;
  auto proposed = c.driver(1).propose("in doubt", &waiter);
  REQUIRE(proposed.has_value());
  c.deliver_all();
  REQUIRE(c.log_of(2).size() >= proposed->index.value);
  CHECK(c.core(1).commit() < proposed->index);

  // Cut off entirely, node 1 steps down (check-quorum) and fails what it had not committed.
  c.isolate(1);
  const int timeout = c.config_for(n(1)).election_timeout_ticks;
  for (int i = 0; i < 2 * timeout && c.core(1).role() == Role::leader; ++i) c.tick(1);
  REQUIRE(c.core(1).role() == Role::follower);
  REQUIRE(c.events(1).failed.size() == 1);
  CHECK(c.events(1).failed[0].index == proposed->index);
  CHECK(c.events(1).failed[0].error.code == "leadership_lost");
  CHECK(c.events(1).failed[0].waiter == &waiter);

  // Node 2 holds the longer log, so it leads next, and commits the entry with its own.
  REQUIRE(c.run_until([&] { return c.leader() == 2; }));
  REQUIRE(c.run_until([&] { return c.core(2).commit() >= proposed->index; }));
  const auto& applied = c.node(2).machine.commands;
  CHECK(std::find(applied.begin(), applied.end(), "in doubt") != applied.end());
}

TEST_CASE("raft: a pending read fails with not_leader when leadership is lost", "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.isolate(1);
  REQUIRE(c.driver(1).read_index(11).has_value());
  for (int i = 0; i < 40 && c.core(1).role() == Role::leader; ++i) c.tick(1);
  REQUIRE(c.core(1).role() == Role::follower);
  REQUIRE(c.events(1).reads_failed.size() == 1);
  CHECK(c.events(1).reads_failed[0].context == 11);
  CHECK(c.events(1).reads_failed[0].error.code == "not_leader");
  CHECK(c.events(1).reads_ready.empty());
}

TEST_CASE("raft: the driver reports role, term and leader changes and its status", "[raft]") {
  Cluster c(3);
  c.start();
  elect(c, 2);
  const auto& changes = c.events(1).role_changes;
  REQUIRE_FALSE(changes.empty());
  CHECK(changes.back().role == Role::follower);
  CHECK(to_string(changes.back().role) == "follower");
  CHECK(changes.back().leader == n(2));
  const Status s = c.driver(2).status();
  CHECK(s.id == n(2));
  CHECK(s.role == Role::leader);
  CHECK(s.leader == n(2));
  CHECK(s.term == c.core(1).term());
  CHECK(s.commit == LogIndex{1});
  CHECK(s.applied == LogIndex{1});
}

TEST_CASE("raft: a stalled disk on the leader causes no election and delays only the answer",
          "[raft]") {
  Cluster c(3, {}, Driver::Mode::split);
  c.start();
  elect(c, 1);
  const Term term = c.core(1).term();
  c.stalled.insert(1);
  auto ticket = c.driver(1).propose("slow");
  REQUIRE(ticket.has_value());
  const int timeout = c.config_for(n(1)).election_timeout_ticks;
  for (int i = 0; i < 10 * timeout; ++i) {
    for (std::uint64_t id = 1; id <= 3; ++id) c.tick(id);
    c.deliver_all();
  }
  for (std::uint64_t id = 1; id <= 3; ++id) CHECK(c.core(id).term() == term);
  CHECK(c.leader() == 1);
  // The followers' copies already form a majority (§10.2.1): the entry is committed...
  CHECK(c.core(1).commit() == ticket->index);
  // ...but the leader applies and answers only after its own write completes.
  CHECK(c.events(1).completed.empty());
  c.stalled.clear();
  c.run_disks();
  c.deliver_all();
  REQUIRE(c.events(1).completed.size() == 1);
  CHECK(c.events(1).completed[0].answer == "applied:slow@2");
}

TEST_CASE("raft: a stalled disk on a follower causes no election", "[raft]") {
  Cluster c(3, {}, Driver::Mode::split);
  c.start();
  elect(c, 1);
  const Term term = c.core(1).term();
  c.stalled.insert(2);
  c.stalled.insert(3);
  REQUIRE(c.driver(1).propose("x").has_value());
  const int timeout = c.config_for(n(1)).election_timeout_ticks;
  for (int i = 0; i < 10 * timeout; ++i) {
    for (std::uint64_t id = 1; id <= 3; ++id) c.tick(id);
    c.deliver_all();
  }
  for (std::uint64_t id = 1; id <= 3; ++id) CHECK(c.core(id).term() == term);
  CHECK(c.leader() == 1);
  // Nobody acknowledged what is not on their disk.
  CHECK(c.core(1).commit() == LogIndex{1});
  c.stalled.clear();
  c.run_disks();
  c.deliver_all();
  CHECK(c.core(1).commit() == LogIndex{2});
  CHECK(c.events(1).completed.size() == 1);
}

TEST_CASE("raft: a granted vote leaves only after it is durable", "[raft]") {
  Cluster c(
      3, [](Config& cfg) { cfg.pre_vote = false; }, Driver::Mode::split);
  c.start();
  c.stalled.insert(1);
  c.driver(1).on_message(message(MessageType::vote, 2, 1, 5));
  CHECK(c.core(1).hard_state().vote == n(2));  // decided in memory...
  CHECK(c.queue.empty());                      // ...but not yet promised
  CHECK(c.node(1).storage.hard_state().term == Term{0});
  c.stalled.clear();
  c.run_disks();
  REQUIRE(c.queue.size() == 1);
  CHECK(c.queue.front().type == MessageType::vote_response);
  CHECK_FALSE(c.queue.front().reject);
  CHECK(c.node(1).storage.hard_state().vote == n(2));
}

TEST_CASE("raft: a leader counts its own entry toward a majority only once it is durable",
          "[raft]") {
  Cluster c(3, {}, Driver::Mode::split);
  c.start();
  elect(c, 1);
  c.cut(1, 3);
  c.stalled.insert(1);
  auto ticket = c.driver(1).propose("x");
  REQUIRE(ticket.has_value());
  c.deliver_all();
  // Node 2 has it durably, node 1 only in memory: one copy on disk is not a majority.
  CHECK(c.core(1).commit() == LogIndex{1});
  c.stalled.clear();
  c.run_disks();
  CHECK(c.core(1).commit() == ticket->index);
}

TEST_CASE("raft: a batched driver writes the proposals of one flush in one persist job", "[raft]") {
  Cluster c(3, {}, Driver::Mode::split);
  c.start();
  elect(c, 1);
  c.deliver_all();
  Driver& leader = c.driver(1);
  leader.set_batching(true);
  for (const char* command : {"a", "b", "c"}) REQUIRE(leader.propose(command).has_value());
  CHECK_FALSE(leader.take_persist_job().has_value());  // nothing carried out before flush()
  leader.flush();
  auto job = leader.take_persist_job();
  REQUIRE(job.has_value());
  CHECK(job->entries.size() == 3);  // one write, one fsync for all three
  Driver::write_job(c.node(1).storage, *job);
  leader.on_persisted(std::move(*job));
  c.deliver_all();  // the followers' acknowledgements are stepped, not yet carried out
  CHECK(c.events(1).completed.empty());
  leader.flush();
  c.run_disks();
  CHECK(c.events(1).completed.size() == 3);
}

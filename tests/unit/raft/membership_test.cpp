// Membership changes (dissertation chapter 4): the configuration's encoding and rules, and
// raft::Core adding a learner, catching it up, promoting it, removing members -- one change at
// a time, in effect from the moment a node holds the entry, undone when a leader overwrites
// it, kept across restarts and in snapshots. Non-voters never campaign, and a removed node
// that keeps campaigning disturbs nobody.
#include <catch2/catch.hpp>

#include "auction/raft/membership.hpp"
#include "auction/raft/message.hpp"
#include "test_cluster.hpp"

using namespace auction::test;

namespace {

MembershipChange add_learner(std::uint64_t id) {
  return MembershipChange{MembershipChangeType::add_learner, n(id),
                          "10.0.0." + std::to_string(id) + ":7000",
                          "10.0.0." + std::to_string(id) + ":7100"};
}
MembershipChange promote(std::uint64_t id) {
  return MembershipChange{MembershipChangeType::promote, n(id), {}, {}};
}
MembershipChange remove_member(std::uint64_t id) {
  return MembershipChange{MembershipChangeType::remove, n(id), {}, {}};
}

// Proposes `change` at `leader` and delivers until it is committed there.
void change(Cluster& c, std::uint64_t leader, const MembershipChange& change) {
  auto ticket = c.driver(leader).propose_membership(change);
  REQUIRE(ticket.has_value());
  c.deliver_all();
  c.tick(leader);  // the heartbeat carries the commit index to the followers
  c.deliver_all();
  REQUIRE(c.core(leader).commit() >= ticket->index);
}

std::vector<NodeId> voters(Cluster& c, std::uint64_t id) {
  return c.core(id).membership().voters();
}

bool is_learner(Cluster& c, std::uint64_t of, std::uint64_t id) {
  const Member* m = c.core(of).membership().find(n(id));
  return m != nullptr && m->role == MemberRole::learner;
}

}  // namespace

TEST_CASE("membership: a configuration encodes and decodes, and garbage is refused",
          "[raft][membership]") {
  Membership m = voters_of({n(3), n(1)});
  m.members.push_back(Member{n(7), MemberRole::learner, "host-7:7000", "host-7:7100"});
  REQUIRE(check_membership(m).has_value());
  const std::string bytes = encode_membership(m);
  auto back = decode_membership(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == m);
  CHECK(back->voters() == std::vector<NodeId>{n(1), n(3)});

  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    CHECK(decode_membership(bytes.substr(0, cut)).error().code == "bad_message");
  }
  CHECK(decode_membership(bytes + "x").error().code == "bad_message");
  std::string bad_role = bytes;
  bad_role[2 + 8] = 9;  // the first member's role
  CHECK(decode_membership(bad_role).error().code == "bad_message");

  Membership unsorted = m;
  std::swap(unsorted.members[0], unsorted.members[1]);
  CHECK(check_membership(unsorted).error().code == "invalid_argument");
  Membership repeated = m;
  repeated.members[1].id = n(1);
  CHECK(check_membership(repeated).error().code == "invalid_argument");
  Membership zero = m;
  zero.members[0].id = NodeId{0};
  CHECK(check_membership(zero).error().code == "invalid_argument");
  Membership learners_only;
  learners_only.members.push_back(Member{n(1), MemberRole::learner, {}, {}});
  CHECK(check_membership(learners_only).error().code == "invalid_argument");
  Membership long_address = m;
  long_address.members[2].raft_address = std::string(member_address_bytes_max + 1, 'a');
  CHECK(check_membership(long_address).error().code == "invalid_argument");
  // Each is refused on the way in too, whoever encoded it.
  CHECK(decode_membership(encode_membership(learners_only)).error().code == "bad_message");
}

TEST_CASE("membership: a change alters the configuration by one server, or is refused",
          "[raft][membership]") {
  const Membership three = voters_of({n(1), n(2), n(3)});
  auto added = apply_change(three, add_learner(4));
  REQUIRE(added.has_value());
  CHECK(added->voters().size() == 3);
  CHECK(added->find(n(4))->role == MemberRole::learner);
  CHECK(added->find(n(4))->raft_address == "10.0.0.4:7000");
  auto promoted = apply_change(*added, promote(4));
  REQUIRE(promoted.has_value());
  CHECK(promoted->voter_count() == 4);
  auto removed = apply_change(*promoted, remove_member(2));
  REQUIRE(removed.has_value());
  CHECK(removed->voters() == std::vector<NodeId>{n(1), n(3), n(4)});

  CHECK(apply_change(three, add_learner(2)).error().code == "invalid_argument");
  CHECK(apply_change(three, promote(2)).error().code == "invalid_argument");
  CHECK(apply_change(three, promote(9)).error().code == "invalid_argument");
  CHECK(apply_change(three, remove_member(9)).error().code == "invalid_argument");
  CHECK(apply_change(three, add_learner(0)).error().code == "invalid_argument");
  MembershipChange no_address = add_learner(5);
  no_address.raft_address.clear();
  CHECK(apply_change(three, no_address).error().code == "invalid_argument");
  CHECK(apply_change(voters_of({n(1)}), remove_member(1)).error().code == "invalid_argument");
}

TEST_CASE("membership: a config entry and a snapshot's configuration cross the wire intact",
          "[raft][membership]") {
  Message append = message(MessageType::append, 1, 2, 3);
  append.entries.push_back(
      Entry{Term{3}, LogIndex{1}, EntryType::config, encode_membership(voters_of({n(1), n(2)}))});
  auto decoded = decode(encode(append));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == append);

  append.entries[0].data = "not a configuration";
  CHECK(decode(encode(append)).error().code == "bad_message");

  Message chunk = message(MessageType::install_snapshot, 1, 2, 3);
  chunk.index = LogIndex{10};
  chunk.log_term = Term{2};
  chunk.snapshot_bytes = 4;
  chunk.data = "abcd";
  chunk.snapshot_membership = voters_of({n(1), n(2), n(3)});
  auto chunk_back = decode(encode(chunk));
  REQUIRE(chunk_back.has_value());
  CHECK(*chunk_back == chunk);
}

TEST_CASE(
    "membership: a learner catches up without voting or counting, then is promoted and "
    "counts",
    "[raft][membership]") {
  Cluster c(3);
  c.start();
  c.add_joiner(4);
  elect(c, 1);
  REQUIRE(c.driver(1).propose("before").has_value());
  c.deliver_all();
  CHECK(c.core(4).membership().empty());  // nobody told it anything yet

  change(c, 1, add_learner(4));
  REQUIRE(c.driver(1).propose("after").has_value());
  c.deliver_all();
  c.tick(1);
  c.deliver_all();
  // The learner holds the whole log and applies it; it knows it is a learner.
  CHECK(c.node(4).machine.commands == std::vector<std::string>{"before", "after"});
  CHECK(is_learner(c, 4, 4));
  CHECK(voters(c, 4) == std::vector<NodeId>{n(1), n(2), n(3)});
  CHECK(c.core(4).membership().find(n(4))->raft_address == "10.0.0.4:7000");

  // It does not count: with both other voters cut off, nothing commits.
  c.isolate(1);
  c.heal();
  c.cut(1, 2);
  c.cut(1, 3);
  const LogIndex commit = c.core(1).commit();
  REQUIRE(c.driver(1).propose("stuck").has_value());
  c.deliver_all();
  CHECK(c.core(1).commit() == commit);
  CHECK(c.core(4).log().last_index() == c.core(1).log().last_index());
  // A learner never campaigns, however long it hears nothing.
  for (int i = 0; i < 100; ++i) c.tick(4);
  CHECK(c.core(4).role() == Role::follower);
  c.heal();
  c.deliver_all();
  c.tick(1);
  c.deliver_all();

  change(c, 1, promote(4));
  CHECK(voters(c, 1).size() == 4);
  CHECK(voters(c, 4).size() == 4);
  // Now it counts: with 2 and 3 cut off, 1 and 4 are only half of four voters.
  c.cut(1, 2);
  c.cut(1, 3);
  const LogIndex before = c.core(1).commit();
  REQUIRE(c.driver(1).propose("half").has_value());
  c.deliver_all();
  CHECK(c.core(1).commit() == before);
  c.heal();
  c.tick(1);
  c.deliver_all();
  CHECK(c.core(1).commit() > before);
  // And it can lead.
  REQUIRE(c.driver(1).transfer_leadership(n(4)).has_value());
  c.deliver_all();
  CHECK(c.leader() == 4);
}

TEST_CASE(
    "membership: one change at a time, only once the leader committed an entry of its term, "
    "and a lagging learner is not promoted",
    "[raft][membership]") {
  Cluster c(3);
  c.start();
  c.add_joiner(4);
  c.add_joiner(5);
  c.campaign(1);
  REQUIRE(c.core(1).role() == Role::leader);
  // The no-op of its term is not committed yet.
  auto early = c.driver(1).propose_membership(add_learner(4));
  REQUIRE_FALSE(early.has_value());
  CHECK(early.error().code == "change_in_progress");
  c.deliver_all();
  c.tick(1);
  c.deliver_all();

  auto first = c.driver(1).propose_membership(add_learner(4));
  REQUIRE(first.has_value());
  auto second = c.driver(1).propose_membership(add_learner(5));
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == "change_in_progress");
  c.deliver_all();
  c.tick(1);
  c.deliver_all();
  CHECK(c.core(1).membership_index() <= c.core(1).commit());

  // Followers refuse to change anything.
  auto at_follower = c.driver(2).propose_membership(add_learner(5));
  REQUIRE_FALSE(at_follower.has_value());
  CHECK(at_follower.error().code == "not_leader");
  // The leader does not remove itself.
  auto itself = c.driver(1).propose_membership(remove_member(1));
  REQUIRE_FALSE(itself.has_value());
  CHECK(itself.error().code == "invalid_argument");
  // Nor transfer leadership to a learner.
  CHECK(c.driver(1).transfer_leadership(n(4)).error().code == "invalid_argument");

  // A learner far behind is not promoted until it caught up.
  c.isolate(4);
  const std::uint64_t window = Config{}.append_entries_max * Config{}.inflight_max;
  for (std::uint64_t i = 0; i <= window; ++i) {
    REQUIRE(c.driver(1).propose("x" + std::to_string(i)).has_value());
  }
  c.deliver_all();
  auto lagging = c.driver(1).propose_membership(promote(4));
  REQUIRE_FALSE(lagging.has_value());
  CHECK(lagging.error().code == "not_caught_up");
  c.heal();
  c.run_until([&] { return c.core(4).log().last_index() == c.core(1).log().last_index(); });
  change(c, 1, promote(4));
  CHECK(c.core(1).membership().is_voter(n(4)));
}

TEST_CASE(
    "membership: a removed member gets nothing more, the rest commit without it, and its "
    "campaigns disturb nobody",
    "[raft][membership]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  change(c, 1, remove_member(3));
  CHECK(voters(c, 1) == std::vector<NodeId>{n(1), n(2)});
  CHECK(voters(c, 2) == std::vector<NodeId>{n(1), n(2)});
  // Node 3 never received its removal: it still believes in three voters.
  CHECK(voters(c, 3).size() == 3);
  const LogIndex last_of_3 = c.core(3).log().last_index();

  REQUIRE(c.driver(1).propose("without 3").has_value());
  c.deliver_all();
  c.tick(1);
  c.deliver_all();
  CHECK(c.node(2).machine.commands.back() == "without 3");
  CHECK(c.core(3).log().last_index() == last_of_3);

  // Node 3 times out again and again: nobody answers its (pre-)votes, no term moves.
  const Term term = c.core(1).term();
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 30; ++i) c.tick(3);
    c.deliver_all();
  }
  CHECK(c.core(1).role() == Role::leader);
  CHECK(c.core(1).term() == term);
  CHECK(c.core(2).term() == term);
  CHECK(c.core(3).role() != Role::leader);
}

TEST_CASE("membership: removing a voter that is down lets the others commit again",
          "[raft][membership]") {
  Cluster c(4);
  c.start();
  elect(c, 1);
  // Two of four voters are gone: no majority (three) is left.
  c.isolate(3);
  c.isolate(4);
  c.heal();
  c.cut(1, 3);
  c.cut(2, 3);
  c.cut(1, 4);
  c.cut(2, 4);
  const LogIndex commit = c.core(1).commit();
  auto stuck = c.driver(1).propose_membership(remove_member(4));
  REQUIRE(stuck.has_value());
  c.deliver_all();
  c.tick(1);
  c.deliver_all();
  // In the new configuration {1, 2, 3} a majority is two: 1 and 2 commit the change itself.
  CHECK(c.core(1).commit() >= stuck->index);
  CHECK(c.core(1).commit() > commit);
  CHECK(voters(c, 1) == std::vector<NodeId>{n(1), n(2), n(3)});
}

TEST_CASE(
    "membership: a change the leader sent to one follower before it went away is committed "
    "by that follower as the next leader",
    "[raft][membership]") {
  Cluster c(3);
  c.start();
  c.add_joiner(4);
  elect(c, 1);
  // Only node 2 receives the change; then node 1 is gone.
  c.cut(1, 3);
  c.cut(1, 4);
  REQUIRE(c.driver(1).propose_membership(add_learner(4)).has_value());
  c.deliver_all();
  REQUIRE(c.core(2).membership().contains(n(4)));
  CHECK_FALSE(c.core(3).membership().contains(n(4)));
  c.isolate(1);
  c.restart(2);  // what node 2 acknowledged was durable: it holds the change after a reboot
  CHECK(c.core(2).membership().contains(n(4)));
  // Node 2's log is the longer one: once node 3's lease on node 1 ran out, node 2 wins with
  // its vote (node 3 cannot win: node 2 refuses it) and commits the change.
  REQUIRE(c.run_until([&] { return c.core(2).role() == Role::leader; }));
  c.deliver_all();
  c.tick(2);
  c.deliver_all();
  CHECK(c.core(3).membership().contains(n(4)));
  CHECK(c.core(2).membership_index() <= c.core(2).commit());
  CHECK(is_learner(c, 4, 4));
}

TEST_CASE("membership: an uncommitted change on a follower is undone when its entry is replaced",
          "[raft][membership]") {
  Cluster c(3);
  c.start();
  c.add_joiner(4);
  elect(c, 1);
  // Node 1 appends the change and sends it to nobody.
  c.isolate(1);
  REQUIRE(c.driver(1).propose_membership(add_learner(4)).has_value());
  c.deliver_all();
  CHECK(c.core(1).membership().contains(n(4)));
  // Nodes 2 and 3 elect one of them, which commits entries of its own at the same index.
  REQUIRE(c.run_until([&] { return c.leader() == 2 || c.leader() == 3; }));
  const std::uint64_t leader = c.leader();
  REQUIRE(c.driver(leader).propose("replaces it").has_value());
  c.deliver_all();
  c.tick(leader);
  c.deliver_all();
  // Node 1 comes back: its config entry is overwritten, and with it the change.
  c.heal();
  REQUIRE(c.run_until([&] {
    return c.core(1).log().last_index() == c.core(leader).log().last_index() &&
           c.core(1).role() == Role::follower;
  }));
  CHECK_FALSE(c.core(1).membership().contains(n(4)));
  CHECK(voters(c, 1) == std::vector<NodeId>{n(1), n(2), n(3)});
  CHECK(c.core(1).membership_index() == LogIndex{0});
}

TEST_CASE(
    "membership: the configuration survives a restart, from the log and from a snapshot, and "
    "a learner added after compaction learns it from the snapshot",
    "[raft][membership]") {
  Cluster c(3, [](Config& config) {
    config.snapshot_entries = 5;
    config.snapshot_keep_entries = 0;
  });
  c.start();
  c.add_joiner(4);
  c.add_joiner(5);
  elect(c, 1);
  change(c, 1, add_learner(4));
  c.deliver_all();
  change(c, 1, promote(4));

  c.restart(2);
  CHECK(voters(c, 2).size() == 4);
  for (int i = 0; i < 12; ++i) REQUIRE(c.driver(1).propose("x" + std::to_string(i)).has_value());
  c.deliver_all();
  c.tick(1);
  c.deliver_all();
  // Compacted past both config entries: the snapshot carries the configuration.
  REQUIRE(c.node(2).storage.first_index() > c.core(2).membership_index());
  CHECK(c.node(2).storage.snapshot_meta().membership.voter_count() == 4);
  c.restart(2);
  CHECK(voters(c, 2).size() == 4);
  CHECK(c.core(2).membership().find(n(4))->client_address == "10.0.0.4:7100");

  change(c, 1, add_learner(5));
  c.run_until(
      [&] { return c.node(5).machine.commands.size() == c.node(1).machine.commands.size(); });
  CHECK(c.node(5).machine.restores == 1);  // it started from the snapshot
  // Every chunk named the configuration as of the snapshot's index.
  bool has_chunk = false;
  for (const Message& m : c.trace) {
    if (m.type != MessageType::install_snapshot || m.to != n(5)) continue;
    has_chunk = true;
    CHECK(m.snapshot_membership.voter_count() == 4);
  }
  CHECK(has_chunk);
  CHECK(is_learner(c, 5, 5));
  CHECK(voters(c, 5).size() == 4);
  c.restart(5);
  CHECK(is_learner(c, 5, 5));
}

TEST_CASE(
    "membership: the first leader records the founding configuration, so a node no longer "
    "depends on its founding peers",
    "[raft][membership]") {
  bool is_edited = false;  // the peers a node is given after the cluster began
  Cluster c(3, [&](Config& config) {
    config.record_founding_membership = true;
    if (is_edited) config.peers.push_back(n(9));
  });
  c.start();
  elect(c, 1);
  const std::vector<Entry> log = c.log_of(1);
  REQUIRE(log.size() == 2);
  CHECK(log[0].type == EntryType::noop);
  CHECK(log[1].type == EntryType::config);
  CHECK(decode_membership(log[1].data).value() == voters_of({n(1), n(2), n(3)}));
  CHECK(c.core(2).membership_index() == LogIndex{2});
  CHECK(c.core(1).commit() >= LogIndex{2});

  is_edited = true;
  c.restart(2);
  CHECK(voters(c, 2) == std::vector<NodeId>{n(1), n(2), n(3)});
  // A later leader finds it recorded and records nothing again.
  c.tick(1);  // the restarted node hears its leader again
  c.deliver_all();
  REQUIRE(c.driver(1).transfer_leadership(n(2)).has_value());
  c.deliver_all();
  REQUIRE(c.leader() == 2);
  const std::vector<Entry> after = c.log_of(2);
  CHECK(std::count_if(after.begin(), after.end(),
                      [](const Entry& e) { return e.type == EntryType::config; }) == 1);
}

TEST_CASE(
    "membership: a change that would leave no reachable majority is refused, and the "
    "cluster keeps committing",
    "[raft][membership]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.isolate(2);
  // Node 1 hears node 3 but not node 2 for longer than an election timeout.
  for (int i = 0; i < 2 * Config{}.election_timeout_ticks; ++i) {
    c.tick(1);
    c.deliver_all();
  }
  REQUIRE(c.core(1).role() == Role::leader);
  // Without node 3, the voters {1, 2} would need node 2, which does not answer.
  auto refused = c.driver(1).propose_membership(remove_member(3));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "no_quorum");
  CHECK(voters(c, 1).size() == 3);
  // Removing the silent one instead leaves {1, 3}, both answering.
  change(c, 1, remove_member(2));
  REQUIRE(c.driver(1).propose("still writable").has_value());
  c.deliver_all();
  c.tick(1);
  c.deliver_all();
  CHECK(c.node(3).machine.commands.back() == "still writable");
}

TEST_CASE(
    "membership: nodes waiting to join vote for nobody, so a founding member started empty with "
    "a cluster file that lists them cannot take over",
    "[raft][membership]") {
  bool is_edited = false;  // node 3's cluster file lists the joiners 4 and 5 as founders
  Cluster c(3, [&](Config& config) {
    config.record_founding_membership = true;
    if (is_edited && config.id == n(3)) config.peers = {n(1), n(2), n(4), n(5)};
  });
  c.start();
  c.add_joiner(4);
  c.add_joiner(5);
  elect(c, 1);
  REQUIRE(c.driver(1).propose("committed").has_value());
  c.deliver_all();
  c.cut(1, 3);
  c.cut(2, 3);
  is_edited = true;
  c.wipe(3);  // an empty data directory: it believes in voters 1..5
  REQUIRE(c.core(3).membership().voter_count() == 5);
  for (int i = 0; i < 20 * Config{}.election_timeout_ticks; ++i) {
    c.tick(3);
    c.deliver_all();
  }
  CHECK(c.core(3).role() != Role::leader);
  CHECK(c.core(4).term() == Term{0});  // nobody answered it, nobody moved
  CHECK(c.core(1).role() == Role::leader);
}

TEST_CASE(
    "membership: a leader that took over moments ago and has not heard from a voter yet says "
    "change_in_progress, not no_quorum",
    "[raft][membership]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  // Node 1 hands leadership to node 3, which wins with node 1's vote alone: node 2 has not
  // answered the new leader yet.
  c.isolate(2);
  REQUIRE(c.driver(1).transfer_leadership(n(3)).has_value());
  c.deliver_all();
  REQUIRE(c.core(3).role() == Role::leader);
  c.tick(3);
  c.deliver_all();
  REQUIRE(c.core(3).commit() == c.core(3).log().last_index());
  // Without node 1, the voters {2, 3} would need node 2: unknown yet, so wait and see.
  auto early = c.driver(3).propose_membership(remove_member(1));
  REQUIRE_FALSE(early.has_value());
  CHECK(early.error().code == "change_in_progress");
  CHECK(voters(c, 3).size() == 3);
  // Node 2 answers: the same change is taken.
  c.heal();
  c.tick(3);
  c.deliver_all();
  change(c, 3, remove_member(1));
  CHECK(voters(c, 3) == std::vector<NodeId>{n(2), n(3)});
}

TEST_CASE(
    "membership: a node whose configuration no longer holds it votes for a candidate that "
    "counts it, and a member votes for a candidate it does not count whose log is ahead",
    "[raft][membership]") {
  const auto vote_request = [](std::uint64_t from, std::uint64_t to, std::uint64_t log_index) {
    Message m;
    m.type = MessageType::vote;
    m.from = n(from);
    m.to = n(to);
    m.term = Term{3};
    m.index = LogIndex{log_index};
    m.log_term = Term{2};
    return m;
  };
  // Node 3 holds the entry that removed it, not the later one that added it again (whoever
  // asks it for a vote counts it): it answers, or a cluster that needs its vote has no leader.
  MemoryStorage removed_storage;
  const std::vector<Entry> removal{
      Entry{Term{2}, LogIndex{1}, EntryType::config, encode_membership(voters_of({n(1), n(2)}))}};
  removed_storage.append(removal);
  removed_storage.set_hard_state(HardState{Term{2}, NodeId{0}, false, LogIndex{1}});
  Config config;
  config.id = n(3);
  config.peers = {n(1), n(2)};
  config.pre_vote = false;
  Core removed(config, removed_storage);
  REQUIRE_FALSE(removed.membership().contains(n(3)));
  removed.step(vote_request(1, 3, 5));
  auto out = said(removed);
  REQUIRE(out.size() == 1);
  CHECK_FALSE(out.front().reject);

  // Node 1, a voter of {1, 2}: node 4 is none of its voters. With a log no further than
  // node 1's it is ignored (a removed node, most likely); with a log ahead, it may hold the
  // change that made it a voter, and gets an answer.
  MemoryStorage member_storage;
  member_storage.append(removal);
  member_storage.set_hard_state(HardState{Term{2}, NodeId{0}, false, LogIndex{1}});
  config.id = n(1);
  config.peers = {n(2), n(3)};
  Core member(config, member_storage);
  member.step(vote_request(4, 1, 1));
  CHECK(said(member).empty());
  CHECK(member.term() == Term{2});
  member.step(vote_request(4, 1, 2));
  out = said(member);
  REQUIRE(out.size() == 1);
  CHECK_FALSE(out.front().reject);
}

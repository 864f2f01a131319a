// raft::Core leadership transfer (dissertation §3.10): a leader hands over to a follower it
// brought up to date, without anyone waiting out an election timeout; proposals wait
// meanwhile; a transfer that cannot finish is given up; TimeoutNow is believed only from
// the leader.
#include <catch2/catch.hpp>

#include "test_cluster.hpp"

using namespace auction::test;

TEST_CASE(
    "raft: a leader hands leadership to an up-to-date follower, which wins the next term "
    "without a tick -- past the other voter's lease",
    "[raft][transfer]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  REQUIRE(c.driver(1).propose("before").has_value());
  c.deliver_all();
  const Term term = c.core(1).term();

  REQUIRE(c.driver(1).transfer_leadership(n(2)).has_value());
  CHECK(c.core(1).transferee() == n(2));
  c.deliver_all();  // no tick: nobody's election timer is involved

  CHECK(c.leader() == 2);
  CHECK(c.core(2).term() == Term{term.value + 1});
  CHECK(c.core(1).role() == Role::follower);
  CHECK(c.core(1).transferee() == NodeId{0});
  // Node 3 still heard leader 1 (its lease) and voted all the same: TimeoutNow's campaign.
  CHECK(c.core(3).leader() == n(2));
  REQUIRE(c.driver(2).propose("after").has_value());
  c.deliver_all();
  for (std::uint64_t id = 1; id <= 3; ++id) {
    const auto& applied = c.node(id).machine.commands;
    CHECK(std::count(applied.begin(), applied.end(), "before") == 1);
    CHECK(std::count(applied.begin(), applied.end(), "after") == 1);
  }
}

TEST_CASE("raft: a transfer to a lagging follower first brings it up to date", "[raft][transfer]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.cut(1, 3);
  for (int i = 0; i < 5; ++i) REQUIRE(c.driver(1).propose("x" + std::to_string(i)).has_value());
  c.deliver_all();
  REQUIRE(c.core(3).log().last_index() < c.core(1).log().last_index());
  c.heal();

  REQUIRE(c.driver(1).transfer_leadership(n(3)).has_value());
  c.deliver_all();
  CHECK(c.leader() == 3);
  const auto& applied = c.node(3).machine.commands;
  CHECK(std::count(applied.begin(), applied.end(), "x4") == 1);
}

TEST_CASE(
    "raft: without a target the transfer picks the follower with the most of the log, and "
    "asks for no one that is not a peer",
    "[raft][transfer]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.cut(1, 2);
  REQUIRE(c.driver(1).propose("only 3 has it").has_value());
  c.deliver_all();
  c.heal();
  REQUIRE(c.driver(1).transfer_leadership(NodeId{0}).has_value());
  CHECK(c.core(1).transferee() == n(3));
  c.deliver_all();
  CHECK(c.leader() == 3);

  auto self = c.driver(3).transfer_leadership(n(3));
  REQUIRE_FALSE(self.has_value());
  CHECK(self.error().code == "invalid_argument");
  auto stranger = c.driver(3).transfer_leadership(n(9));
  REQUIRE_FALSE(stranger.has_value());
  CHECK(stranger.error().code == "invalid_argument");
  auto follower = c.driver(1).transfer_leadership(n(2));
  REQUIRE_FALSE(follower.has_value());
  CHECK(follower.error().code == "not_leader");
}

TEST_CASE(
    "raft: while handing over a leader refuses proposals with not_leader -- nothing is "
    "proposed -- and takes them again once a transfer it cannot finish is given up",
    "[raft][transfer]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  c.cut(1, 2);  // the target hears nothing: no TimeoutNow reaches it
  REQUIRE(c.driver(1).transfer_leadership(n(2)).has_value());
  const LogIndex last = c.core(1).log().last_index();
  auto refused = c.driver(1).propose("during");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "not_leader");
  CHECK_THAT(refused.error().message, Catch::Contains("handed to 2"));
  CHECK(c.core(1).log().last_index() == last);

  // One election timeout later the transfer is given up; node 3 keeps 1 in office.
  const int timeout = c.config_for(n(1)).election_timeout_ticks;
  for (int i = 0; i < timeout; ++i) {
    c.tick(1);
    c.deliver_all();
  }
  CHECK(c.core(1).role() == Role::leader);
  CHECK(c.core(1).transferee() == NodeId{0});
  CHECK(c.driver(1).propose("after").has_value());
}

TEST_CASE("raft: a timeout_now from anyone but the leader of the term changes nothing",
          "[raft][transfer]") {
  Cluster c(3);
  c.start();
  elect(c, 1);
  const Term term = c.core(2).term();
  Message forged;
  forged.type = MessageType::timeout_now;
  forged.from = n(3);  // a member, but not the leader
  forged.to = n(2);
  forged.term = term;
  c.deliver(forged);
  Message stale = forged;
  stale.from = n(1);
  stale.term = Term{term.value - 1};  // the leader, in an older term
  c.deliver(stale);
  c.deliver_all();
  CHECK(c.core(2).role() == Role::follower);
  CHECK(c.core(2).term() == term);
  CHECK(c.leader() == 1);
}

// Snapshots in raft::Core and raft::Driver (Raft paper §7): a node snapshots its state
// machine and discards the log before it; a follower that needs discarded entries gets the
// leader's snapshot in chunks -- resent after a lost chunk or a silence, resumed from a new
// leader, refused when its bytes are damaged -- and restores its state machine from it; a
// restarted node starts from its snapshot.
#include <catch2/catch.hpp>

#include "auction/raft/memory_storage.hpp"
#include "raft/crc32c.hpp"
#include "test_cluster.hpp"

using namespace auction::test;

namespace {

// Snapshots every 5 applied entries, keeps no entry behind one, and sends them in 8-byte
// chunks, 2 in flight.
void snapshot_often(Config& c) {
  c.snapshot_entries = 5;
  c.snapshot_keep_entries = 0;
  c.snapshot_chunk_bytes = 8;
  c.snapshot_chunks_inflight = 2;
}

std::size_t count_of(const std::vector<Message>& trace, MessageType type) {
  return static_cast<std::size_t>(
      std::count_if(trace.begin(), trace.end(), [&](const Message& m) { return m.type == type; }));
}

// Node 3 misses 20 proposals of leader 1 while both others compact their logs.
void leave_node_3_behind(Cluster& c) {
  c.start();
  elect(c, 1);
  c.isolate(3);
  for (int i = 0; i < 20; ++i) {
    REQUIRE(c.driver(1).propose("cmd" + std::to_string(i)).has_value());
    c.deliver_all();
  }
  REQUIRE(c.core(1).log().first_index() > LogIndex{2});  // the entries node 3 needs are gone
  c.heal();
}

}  // namespace

TEST_CASE(
    "raft: a follower that needs compacted entries catches up from the leader's snapshot "
    "sent in chunks",
    "[raft][snapshot]") {
  Cluster c(3, snapshot_often);
  leave_node_3_behind(c);
  c.trace.clear();

  REQUIRE(c.run_until([&] { return c.node(3).machine.commands == c.node(1).machine.commands; }));
  CHECK(c.node(3).machine.restores == 1);
  CHECK(count_of(c.trace, MessageType::install_snapshot) > 2);  // several chunks
  CHECK(c.driver(3).status().snapshots_installed == 1);
  CHECK(c.core(3).log().first_index() > LogIndex{1});
  CHECK(c.node(3).storage.snapshot_meta().index.value + 1 == c.node(3).storage.first_index().value);
  // It takes entries again after the snapshot.
  REQUIRE(c.driver(1).propose("after").has_value());
  c.deliver_all();
  CHECK(c.node(3).machine.commands.back() == "after");
}

TEST_CASE("raft: a lost chunk is sent again from the last byte the follower holds",
          "[raft][snapshot]") {
  Cluster c(3, snapshot_often);
  leave_node_3_behind(c);
  bool dropped = false;
  c.drop = [&](const Message& m) {
    if (dropped || m.type != MessageType::install_snapshot || m.context == 0) return false;
    dropped = true;  // the second chunk, once
    return true;
  };
  c.trace.clear();
  REQUIRE(c.run_until([&] { return c.node(3).machine.commands == c.node(1).machine.commands; }));
  CHECK(dropped);
  // The follower said where it stood (a reject names the offset it wants)...
  CHECK(std::any_of(c.trace.begin(), c.trace.end(), [](const Message& m) {
    return m.type == MessageType::snapshot_response && m.reject && m.context > 0;
  }));
  CHECK(c.node(3).machine.restores == 1);
}

TEST_CASE("raft: a transfer that hears nothing back resends after an election timeout",
          "[raft][snapshot]") {
  Cluster c(3, snapshot_often);
  leave_node_3_behind(c);
  // Node 3's answers to chunks are lost for a while (its heartbeat answers are not, so the
  // leader knows it is there): the leader fills its window of chunks and waits.
  bool deaf = true;
  c.drop = [&](const Message& m) {
    return deaf && m.from == n(3) && m.type == MessageType::snapshot_response;
  };
  c.tick(1);
  c.deliver_all();
  REQUIRE(c.core(1).progress(n(3))->state() == ProgressState::snapshot);
  c.trace.clear();
  c.tick(1);
  c.deliver_all();
  CHECK(count_of(c.trace, MessageType::install_snapshot) == 0);  // the window is full
  c.trace.clear();
  for (int i = 0; i < c.config_for(n(1)).election_timeout_ticks; ++i) c.tick(1);
  c.deliver_all();
  CHECK(count_of(c.trace, MessageType::install_snapshot) > 0);  // resent on the silence
  deaf = false;
  REQUIRE(c.run_until([&] { return c.node(3).machine.commands == c.node(1).machine.commands; }));
  CHECK(c.node(3).machine.restores == 1);
}

TEST_CASE("raft: a restarted node starts from its snapshot and applies only the log after it",
          "[raft][snapshot]") {
  Cluster c(3, snapshot_often);
  c.start();
  elect(c, 1);
  for (int i = 0; i < 12; ++i) REQUIRE(c.driver(1).propose("x" + std::to_string(i)).has_value());
  c.deliver_all();
  const auto before = c.node(2).machine.commands;
  REQUIRE(c.node(2).storage.snapshot_meta().index.value > 0);
  c.restart(2);
  CHECK(c.node(2).machine.restores == 1);
  CHECK(c.node(2).machine.commands.size() <= before.size());
  REQUIRE(c.run_until([&] { return c.node(2).machine.commands == before; }));
  CHECK(c.node(2).machine.commands == c.node(1).machine.commands);
}

TEST_CASE("raft: the log behind a snapshot keeps snapshot_keep_entries entries",
          "[raft][snapshot]") {
  Cluster c(1, [](Config& config) {
    config.snapshot_entries = 10;
    config.snapshot_keep_entries = 4;
  });
  c.start();
  elect(c, 1);
  for (int i = 0; i < 30; ++i) REQUIRE(c.driver(1).propose("x").has_value());
  const SnapshotMeta snapshot = c.node(1).storage.snapshot_meta();
  REQUIRE(snapshot.index.value >= 20);
  CHECK(c.node(1).storage.first_index().value == snapshot.index.value - 4 + 1);
  CHECK(c.driver(1).status().snapshots_saved >= 2);
}

TEST_CASE(
    "raft: a follower whose log was wiped commits nothing a heartbeat names and is caught up "
    "again",
    "[raft][snapshot]") {
  for (const bool compacts : {false, true}) {
    INFO((compacts ? "with snapshots" : "without snapshots"));
    Cluster c(3, [&](Config& config) {
      if (compacts) snapshot_often(config);
    });
    c.start();
    elect(c, 1);
    for (int i = 0; i < 12; ++i) REQUIRE(c.driver(1).propose("x" + std::to_string(i)).has_value());
    c.deliver_all();
    REQUIRE(c.node(3).machine.commands == c.node(1).machine.commands);
    c.wipe(3);
    c.trace.clear();
    c.tick(1);  // a heartbeat: its commit index is past node 3's empty log
    c.deliver_all();
    CHECK(std::any_of(c.trace.begin(), c.trace.end(), [](const Message& m) {
      return m.type == MessageType::heartbeat_response && m.from == n(3) && m.reject;
    }));
    REQUIRE(c.run_until([&] { return c.node(3).machine.commands == c.node(1).machine.commands; }));
    CHECK(c.node(3).machine.restores == (compacts ? 1 : 0));
  }
}

// The follower's side, message by message, on a bare core.
TEST_CASE(
    "raft: a follower resumes a snapshot from a new leader where the old one stopped and "
    "refuses one whose bytes fail their checksum",
    "[raft][snapshot]") {
  MemoryStorage storage;
  Config config;
  config.id = n(3);
  config.peers = {n(1), n(2)};
  Core core(config, storage);
  const std::string data = "0123456789abcdefghij";
  const auto chunk = [&](std::uint64_t leader, std::uint64_t term, std::uint64_t offset,
                         std::size_t length, std::uint32_t checksum) {
    Message m;
    m.type = MessageType::install_snapshot;
    m.from = n(leader);
    m.to = n(3);
    m.term = Term{term};
    m.index = LogIndex{40};
    m.log_term = Term{2};
    m.context = offset;
    m.snapshot_bytes = data.size();
    m.snapshot_checksum = checksum;
    m.data = data.substr(offset, length);
    return m;
  };
  const auto answer = [&] {
    auto out = said(core);  // a new term is made durable before anything is said in it
    REQUIRE(out.size() == 1);
    return out.front();
  };
  const std::uint32_t good = auction::raft::crc32c(data);

  core.step(chunk(1, 3, 0, 8, good));
  CHECK(answer().context == 8);
  // Leader 1 is gone; leader 2, in term 4, sends the same snapshot from its start.
  core.step(chunk(2, 4, 0, 8, good));
  Message resumed = answer();
  CHECK(resumed.to == n(2));
  CHECK(resumed.context == 8);  // it already holds 8 bytes: go on from there
  CHECK_FALSE(resumed.reject);
  core.step(chunk(2, 4, 8, 12, good));
  CHECK(core.take_messages().empty());  // whole: the answer waits for the install
  REQUIRE(core.has_ready());
  Ready ready = core.ready();
  REQUIRE(ready.snapshot != nullptr);
  CHECK(ready.snapshot->data == data);
  CHECK(ready.snapshot->meta == SnapshotMeta{LogIndex{40}, Term{2}});
  REQUIRE(ready.messages.size() == 1);
  CHECK(ready.messages.front().type == MessageType::append_response);
  CHECK(ready.messages.front().index == LogIndex{40});
  CHECK(core.commit() == LogIndex{40});

  // A different snapshot whose bytes do not match its checksum is not installed.
  MemoryStorage storage2;
  storage2.set_hard_state(HardState{Term{3}, NodeId{0}, false, LogIndex{0}});  // durable
  Core other(config, storage2);
  other.step(chunk(1, 3, 0, 8, good ^ 1));
  other.take_messages();
  other.step(chunk(1, 3, 8, 12, good ^ 1));
  auto out = other.take_messages();
  REQUIRE(out.size() == 1);
  CHECK(out.front().reject);
  CHECK(out.front().context == 0);  // start over
  CHECK(other.commit() == LogIndex{0});
  if (other.has_ready()) CHECK(other.ready().snapshot == nullptr);
}

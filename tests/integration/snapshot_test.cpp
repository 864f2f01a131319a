// Snapshots between real replicas: replicas that snapshot often discard their logs; a
// follower whose data dir was wiped catches up from the leader's snapshot (sent over the
// raft port in chunks) and ends with the same state; a restarted replica starts from its
// snapshot file and the log after it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

#include "integration/cluster.hpp"
#include "support/test_keys.hpp"

namespace {

using auction::test::Cluster;
using auction::test::PlatformUser;
using nlohmann::json;

// A cluster whose replicas snapshot every 20 entries and keep 5 behind.
Cluster snapshotting_cluster() {
  return Cluster(3, {.tick_ms = 10, .election_ticks = 20, .heartbeat_ticks = 2}, nullptr,
                 Cluster::ClientPort::tls, json{{"entries", 20}, {"keep_entries", 5}});
}

void login_users(PlatformUser& user, int from, int to) {
  for (int i = from; i < to; ++i) {
    const std::string name = "s" + std::to_string(i);
    REQUIRE(user.call("login", json{{"username", name},
                                    {"address", "127.0.0.1:" + std::to_string(2000 + i)},
                                    {"public_key", auction::test::test_public_key(name)}}));
  }
}

json status_of(Cluster& cluster, std::uint64_t id) {
  auto status = cluster.status(id, auction::test::LocalCluster::WithDigest::yes);
  return status ? *status : json::object();
}

// Whether replica `id` applied everything the leader committed and holds the same state.
bool has_caught_up(Cluster& cluster, std::uint64_t leader, std::uint64_t id) {
  const json lead = status_of(cluster, leader);
  const json other = status_of(cluster, id);
  return lead.contains("commit") && other.contains("applied") &&
         other["applied"] == lead["commit"] && lead["digest_index"] == lead["applied"] &&
         other["digest_index"] == other["applied"] && other["digest"] == lead["digest"];
}

void require_caught_up(Cluster& cluster, std::uint64_t leader, std::uint64_t id) {
  if (auction::test::poll_until([&] { return has_caught_up(cluster, leader, id); })) return;
  FAIL("replica " << id << " did not catch up with leader " << leader
                  << "\nleader: " << status_of(cluster, leader).dump()
                  << "\nreplica: " << status_of(cluster, id).dump() << "\n"
                  << cluster.logs());
}

}  // namespace

TEST_CASE("integration: a follower whose data dir was wiped catches up from a snapshot",
          "[integration][platform][snapshot]") {
  Cluster cluster = snapshotting_cluster();
  cluster.start_all();
  const std::uint64_t leader = cluster.wait_for_leader();
  const std::uint64_t wiped = leader % 3 + 1;
  PlatformUser user(cluster.client_options());
  login_users(user, 0, 60);
  require_caught_up(cluster, leader, wiped);
  CHECK(status_of(cluster, leader)["first_index"].get<std::uint64_t>() > 1);  // compacted

  cluster.kill(wiped);
  std::filesystem::remove_all(cluster.data_dir(wiped));
  cluster.start(wiped);
  require_caught_up(cluster, leader, wiped);
  const json status = status_of(cluster, wiped);
  CHECK(status["snapshots_installed"].get<std::uint64_t>() >= 1);
  CHECK(status["snapshot"]["index"].get<std::uint64_t>() > 0);

  // It follows entries again, and what it holds answers reads after a new election.
  login_users(user, 60, 70);
  require_caught_up(cluster, leader, wiped);
  auto where = user.call("get_user_address", json{{"username", "s5"}});
  REQUIRE(where.has_value());
  CHECK((*where)["address"] == "127.0.0.1:2005");
  cluster.stop_all();
}

TEST_CASE("integration: a restarted replica starts from its snapshot and the log after it",
          "[integration][platform][snapshot]") {
  Cluster cluster = snapshotting_cluster();
  cluster.start_all();
  const std::uint64_t leader = cluster.wait_for_leader();
  PlatformUser user(cluster.client_options());
  login_users(user, 0, 50);
  const std::uint64_t follower = leader % 3 + 1;
  require_caught_up(cluster, leader, follower);
  const json before = status_of(cluster, follower);
  REQUIRE(before["snapshot"]["index"].get<std::uint64_t>() > 0);

  cluster.kill(follower);
  cluster.start(follower);
  const json after = status_of(cluster, follower);
  INFO(cluster.logs() << after.dump());
  // Straight from its files: the snapshot, then the log after it.
  CHECK(after["snapshot"] == before["snapshot"]);
  CHECK(after["snapshots_installed"] == 0);
  CHECK_THAT(cluster.process(follower).output(), Catch::Contains("after a snapshot of index"));
  require_caught_up(cluster, leader, follower);
  cluster.stop_all();
}

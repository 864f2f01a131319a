// Membership changes between real replicas, done as an operator does them (docs/operations.md,
// "Changing the members"): a replica added to the cluster file starts with --join, is added as
// a learner, catches up and is promoted while users keep writing; a founding follower and then
// the leader itself are removed; nothing acknowledged is lost; and only an operator's
// certificate opens the admin ops.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>

#include "auction/platform/cluster_credentials.hpp"
#include "integration/cluster.hpp"
#include "support/test_keys.hpp"

namespace {

using auction::test::Cluster;
using auction::test::PlatformUser;
using nlohmann::json;

json status_of(Cluster& cluster, std::uint64_t id) {
  auto status = cluster.status(id, auction::test::LocalCluster::WithDigest::yes);
  return status ? *status : json::object();
}

std::set<std::uint64_t> voters_at(Cluster& cluster, std::uint64_t id) {
  const json status = status_of(cluster, id);
  std::set<std::uint64_t> out;
  if (!status.contains("membership")) return out;
  for (const json& v : status["membership"]["voters"]) out.insert(v.get<std::uint64_t>());
  return out;
}

void login_users(PlatformUser& user, int from, int to) {
  for (int i = from; i < to; ++i) {
    const std::string name = "m" + std::to_string(i);
    auto answer = user.call("login", json{{"username", name},
                                          {"address", "127.0.0.1:" + std::to_string(3000 + i)},
                                          {"public_key", auction::test::test_public_key(name)}});
    INFO(name << ": " << (answer ? answer->dump() : answer.error().message));
    REQUIRE(answer.has_value());
  }
}

// Every user logged in so far is there, read through the leader.
void require_users(PlatformUser& user, int count) {
  for (int i = 0; i < count; ++i) {
    const std::string name = "m" + std::to_string(i);
    auto where = user.call("get_user_address", json{{"username", name}});
    INFO(name << ": " << (where ? where->dump() : where.error().message));
    REQUIRE(where.has_value());
    CHECK((*where)["address"] == "127.0.0.1:" + std::to_string(3000 + i));
  }
}

// Whether replica `id` applied everything leader `leader` committed, with the same state.
bool has_caught_up(Cluster& cluster, std::uint64_t leader, std::uint64_t id) {
  const json lead = status_of(cluster, leader);
  const json other = status_of(cluster, id);
  return lead.contains("commit") && other.contains("applied") &&
         other["applied"] == lead["commit"] && lead["digest_index"] == lead["applied"] &&
         other["digest_index"] == other["applied"] && other["digest"] == lead["digest"];
}

std::vector<std::string> member_args(Cluster& cluster, const std::string& action,
                                     std::uint64_t id) {
  std::vector<std::string> args{"member", action, "--config", cluster.config_path().string()};
  if (id != 0) {
    args.push_back("--id");
    args.push_back(std::to_string(id));
  }
  return args;
}

}  // namespace

TEST_CASE(
    "integration: a replica joins as a learner under load and is promoted, then a follower and "
    "the leader are removed, and nothing is lost",
    "[integration][platform][membership]") {
  Cluster cluster(3);
  cluster.start_all();
  const std::uint64_t first_leader = cluster.wait_for_leader();
  PlatformUser user(cluster.client_options());
  login_users(user, 0, 20);

  // The operator adds replica 4 to the cluster file, issues its certificate and starts it.
  const std::uint64_t added = cluster.add_replica();
  REQUIRE(added == 4);
  cluster.start(added);
  CHECK(voters_at(cluster, added).empty());  // it waits to be added
  {
    const auto [code, output] = cluster.run_replica_command(member_args(cluster, "add", added));
    INFO(output << cluster.logs());
    REQUIRE(code == 0);
    CHECK_THAT(output, Catch::Contains("replica 4 added as a learner"));
  }
  login_users(user, 20, 40);
  {
    std::vector<std::string> args = member_args(cluster, "promote", added);
    args.insert(args.end(), {"--wait", "30"});
    const auto [code, output] = cluster.run_replica_command(args);
    INFO(output << cluster.logs());
    REQUIRE(code == 0);
    CHECK_THAT(output, Catch::Contains("replica 4 is a voter"));
  }
  login_users(user, 40, 50);
  REQUIRE(auction::test::poll_until([&] { return has_caught_up(cluster, first_leader, added); }));
  CHECK(voters_at(cluster, added) == std::set<std::uint64_t>{1, 2, 3, 4});
  {
    const auto [code, output] = cluster.run_replica_command(member_args(cluster, "list", 0));
    INFO(output);
    REQUIRE(code == 0);
    CHECK_THAT(output, Catch::Contains("committed") && Catch::Contains("voter"));
  }

  // A founding follower goes: the other three carry on.
  const std::uint64_t follower = first_leader % 3 + 1;
  {
    const auto [code, output] =
        cluster.run_replica_command(member_args(cluster, "remove", follower));
    INFO(output << cluster.logs());
    REQUIRE(code == 0);
  }
  cluster.stop(follower);
  login_users(user, 50, 60);

  // The leader itself goes: it hands over first, and the next leader removes it.
  const std::uint64_t leader = cluster.wait_for_leader();
  {
    const auto [code, output] = cluster.run_replica_command(member_args(cluster, "remove", leader));
    INFO(output << cluster.logs());
    REQUIRE(code == 0);
  }
  cluster.stop(leader);
  const std::uint64_t last_leader = cluster.wait_for_leader();
  CHECK(last_leader != leader);
  std::set<std::uint64_t> remaining{1, 2, 3, 4};
  remaining.erase(follower);
  remaining.erase(leader);
  CHECK(voters_at(cluster, last_leader) == remaining);
  login_users(user, 60, 70);
  require_users(user, 70);
}

TEST_CASE(
    "integration: the admin ops answer only an operator's certificate, and say what a refused "
    "change means",
    "[integration][platform][membership]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();

  PlatformUser anonymous(cluster.client_options());
  for (const auto& [op, fields] : {std::pair{"member_list", json::object()},
                                   std::pair{"member_add", json{{"member", 9},
                                                                {"raft_address", "127.0.0.1:1"},
                                                                {"client_address", "127.0.0.1:2"}}},
                                   std::pair{"member_remove", json{{"member", 1}}},
                                   std::pair{"transfer_leadership", json::object()}}) {
    auto answer = anonymous.call(op, fields);
    INFO(op);
    REQUIRE_FALSE(answer.has_value());
    CHECK(answer.error().code == "unauthenticated");
  }
  CHECK(voters_at(cluster, 1) == std::set<std::uint64_t>{1, 2, 3});

  auction::platform::ClientOptions options = cluster.client_options();
  options.certificate_file = auction::platform::admin_certificate_file(cluster.config().tls->dir);
  options.private_key_file = auction::platform::admin_key_file(cluster.config().tls->dir);
  PlatformUser admin(options);
  // So is the state's digest, which costs a hash of the whole state: status without it is
  // anyone's.
  auto anonymous_digest = anonymous.call("status", json{{"digest", true}});
  REQUIRE_FALSE(anonymous_digest.has_value());
  CHECK(anonymous_digest.error().code == "unauthenticated");
  auto anonymous_status = anonymous.call("status", json::object());
  REQUIRE(anonymous_status.has_value());
  CHECK_FALSE(anonymous_status->contains("digest"));
  auto admin_status = admin.call("status", json{{"digest", true}});
  REQUIRE(admin_status.has_value());
  CHECK(admin_status->contains("digest"));
  auto unknown = admin.call("member_promote", json{{"member", 9}});
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == "invalid_argument");
  auto bad_address = admin.call(
      "member_add",
      json{{"member", 9}, {"raft_address", "nowhere"}, {"client_address", "127.0.0.1:2"}});
  REQUIRE_FALSE(bad_address.has_value());
  CHECK(bad_address.error().code == "invalid_argument");
  auto extra = admin.call("member_remove", json{{"member", 2}, {"force", true}});
  REQUIRE_FALSE(extra.has_value());
  CHECK(extra.error().code == "bad_request");
  CHECK(voters_at(cluster, 1) == std::set<std::uint64_t>{1, 2, 3});

  // A learner that is not running never takes an entry: promoting it is refused.
  REQUIRE(admin.call(
      "member_add",
      json{{"member", 9}, {"raft_address", "127.0.0.1:1"}, {"client_address", "127.0.0.1:2"}}));
  PlatformUser user(cluster.client_options());
  login_users(user, 0, 5);
  auto lagging = admin.call("member_promote", json{{"member", 9}});
  REQUIRE_FALSE(lagging.has_value());
  CHECK(lagging.error().code == "not_caught_up");
  REQUIRE(admin.call("member_remove", json{{"member", 9}}));
  auto list = admin.call("member_list", json::object());
  REQUIRE(list.has_value());
  CHECK((*list)["members"].size() == 3);

  // A transfer names the new leader.
  auto handed = admin.call("transfer_leadership", json::object());
  INFO((handed ? handed->dump() : handed.error().message));
  REQUIRE(handed.has_value());
  const std::uint64_t from = (*handed)["from"].get<std::uint64_t>();
  // The answer names the new leader when the old one has heard from it already; either way
  // a leader other than the old one is elected.
  if ((*handed)["leader"].is_number()) CHECK((*handed)["leader"].get<std::uint64_t>() != from);
  REQUIRE(auction::test::poll_until([&] {
    const std::uint64_t now = cluster.wait_for_leader();
    return now != 0 && now != from;
  }));
}

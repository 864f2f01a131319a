// The raft port against an attacker on the same network, with real replicas: a forged
// heartbeat with a huge term and a forged AppendEntries carrying a login, sent without TLS,
// with a certificate of another CA naming a member, and with a member's own key in another
// member's name. None may change any replica's term, log or state, then or after a restart.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "auction/platform/cluster_credentials.hpp"
#include "auction/platform/commands.hpp"
#include "integration/cluster.hpp"
#include "unit/raft/raft_port_client.hpp"

namespace {

using namespace auction;
using auction::test::Cluster;
using auction::test::forged_heartbeat;
using auction::test::forged_message;
using auction::test::PlatformUser;
using auction::test::RaftPortClient;

constexpr std::uint64_t forged_term = std::uint64_t{1} << 40;

// Reads a replica's credentials as the test's LocalCluster made them.
TlsCredentials credentials_of(const Cluster& cluster, std::uint64_t id) {
  auto loaded = platform::load_replica_credentials(cluster.config(), id);
  REQUIRE(loaded.has_value());
  return *loaded;
}

}  // namespace

TEST_CASE(
    "integration: only members speak raft: forged terms and entries from strangers, or from a "
    "member in another's name, change no replica's term, log or state",
    "[integration][raft]") {
  Cluster cluster(3);
  cluster.start_all();
  const std::uint64_t leader = cluster.wait_for_leader();
  INFO(cluster.logs());
  PlatformUser user(cluster.client_options());
  REQUIRE(user.call("login", {{"username", "alice"}, {"address", "127.0.0.1:9001"}}).has_value());

  // What an attacker would write: a login of its own, as a committed entry.
  const std::string forged_login =
      platform::encode(
          platform::Request{platform::Login{"mallory", "10.6.6.6:666", std::string(64, 'a')},
                            std::nullopt})
          .dump();
  const auto stranger = platform::make_memory_credentials({leader});  // "replica-<leader>"
  for (std::uint64_t target = 1; target <= cluster.size(); ++target) {
    const std::uint64_t claimed = target == leader ? leader % 3 + 1 : leader;
    const std::uint64_t key_owner = 6 - target - claimed;  // the third member
    const std::string heartbeat = forged_heartbeat(claimed, target, forged_term);
    const std::string append =
        forged_message(raft::MessageType::append, claimed, target, forged_term,
                       {raft::Entry{raft::Term{forged_term}, raft::LogIndex{1},
                                    raft::EntryType::normal, forged_login}});
    const auto port = cluster.config().find(target)->raft_port;
    for (const std::string& forged : {heartbeat, append}) {
      CHECK(RaftPortClient(port, nullptr).closes_after(forged));
      CHECK(RaftPortClient(port, &stranger.replicas[0]).closes_after(forged));
      const TlsCredentials member_key = credentials_of(cluster, key_owner);
      CHECK(RaftPortClient(port, &member_key).closes_after(forged));
    }
  }

  const auto check_untouched = [&] {
    const std::uint64_t now_leading = cluster.wait_for_leader();
    for (std::uint64_t id = 1; id <= cluster.size(); ++id) {
      const auto status = cluster.status(id);
      REQUIRE(status.has_value());
      CHECK((*status)["term"].get<std::uint64_t>() < forged_term);
    }
    PlatformUser reader(cluster.client_options());
    CHECK(reader.call("get_user_address", {{"username", "alice"}}).has_value());
    const auto forged = reader.call("get_user_address", {{"username", "mallory"}});
    REQUIRE_FALSE(forged.has_value());
    CHECK(forged.error().code == code::unknown_user);
    CHECK(reader.call("login", {{"username", "bob"}, {"address", "127.0.0.1:9002"}}).has_value());
    return now_leading;
  };
  CHECK(check_untouched() == leader);  // not even an election
  cluster.stop_all();
  cluster.start_all();
  check_untouched();
}

// Users are who they say they are: what a stranger who reaches the client port can no longer
// do, each against a real 3-replica cluster, spoken as raw lines (what `nc` sends) or through
// platform::Client. docs/identity.md and docs/security.md describe the defence.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "auction/identity/signing.hpp"
#include "integration/cluster.hpp"
#include "platform/user_proofs.hpp"
#include "support/test_keys.hpp"

namespace {

using auction::test::Cluster;
using auction::test::cluster_wait_max;
using auction::test::LineConnection;
using auction::test::PlatformUser;
using nlohmann::json;
namespace identity = auction::identity;

json send(LineConnection& connection, const json& request) {
  REQUIRE(connection.send(request.dump() + "\n"));
  const auto line = connection.read_line(cluster_wait_max);
  REQUIRE(line.has_value());
  return json::parse(*line);
}

std::string challenge_on(LineConnection& connection) {
  const json answer = send(connection, {{"id", "c"}, {"op", "auth_challenge"}});
  REQUIRE(answer["ok"] == true);
  return answer["result"]["challenge"].get<std::string>();
}

// `user`'s test key's signature of a connection proof for `challenge`, under `purpose`.
std::string proof_of(const std::string& user, const std::string& cluster_id,
                     const std::string& challenge,
                     identity::SigningPurpose purpose = identity::SigningPurpose::connection_auth) {
  const auto keys = auction::test::test_keys(user);
  const std::string scope = auction::platform::connection_proof_scope(cluster_id, "");
  return identity::sign(*keys, identity::SigningContext{purpose, scope},
                        auction::platform::connection_proof_message(challenge, user,
                                                                    keys->public_key().to_text()))
      .to_text();
}

json authenticate(LineConnection& connection, const std::string& user,
                  const std::string& signature) {
  return send(connection, {{"id", "a"},
                           {"op", "authenticate"},
                           {"username", user},
                           {"public_key", auction::test::test_public_key(user)},
                           {"signature", signature}});
}

}  // namespace

TEST_CASE(
    "identity: a captured proof is useless on another connection, and a signature made for "
    "another purpose or cluster proves nothing",
    "[integration][identity]") {
  Cluster cluster(3, Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();
  const std::uint16_t port = cluster.client_port(cluster.wait_for_leader());
  INFO(cluster.logs());
  const std::string cluster_id = cluster.cluster_id();

  auto alice = LineConnection::connect(port, cluster_wait_max);
  REQUIRE(alice != nullptr);
  const std::string challenge = challenge_on(*alice);
  const std::string proof = proof_of("alice", cluster_id, challenge);
  REQUIRE(authenticate(*alice, "alice", proof)["ok"] == true);

  auto mallory = LineConnection::connect(port, cluster_wait_max);
  REQUIRE(mallory != nullptr);
  // The captured proof, replayed: no challenge here yet, then a challenge of its own.
  CHECK(authenticate(*mallory, "alice", proof)["error"]["code"] == "unauthenticated");
  challenge_on(*mallory);
  CHECK(authenticate(*mallory, "alice", proof)["error"]["code"] == "bad_signature");
  // A signature by alice's key for another purpose, or for another cluster.
  std::string fresh = challenge_on(*mallory);
  CHECK(authenticate(*mallory, "alice",
                     proof_of("alice", cluster_id, fresh,
                              identity::SigningPurpose::key_rotation))["error"]["code"] ==
        "bad_signature");
  fresh = challenge_on(*mallory);
  CHECK(authenticate(*mallory, "alice",
                     proof_of("alice", std::string(32, '0'), fresh))["error"]["code"] ==
        "bad_signature");
  // A challenge counts for one try: the right proof after a wrong one needs a new challenge.
  CHECK(authenticate(*mallory, "alice", proof_of("alice", cluster_id, fresh))["error"]["code"] ==
        "unauthenticated");
  // Nothing mallory sent made it alice.
  const json as_alice = send(*mallory, {{"id", 1},
                                        {"op", "login"},
                                        {"username", "alice"},
                                        {"address", "10.6.6.6:666"},
                                        {"public_key", auction::test::test_public_key("alice")}});
  CHECK(as_alice["error"]["code"] == "unauthenticated");
  CHECK(auction::test::ask(
            port, R"({"id":2,"op":"get_user_address","username":"alice"})")["error"]["code"] ==
        "unknown_user");
}

TEST_CASE(
    "identity: after every replica restarts a captured proof and a captured login change "
    "nothing",
    "[integration][identity]") {
  Cluster cluster(3, Cluster::ClientPort::plain);
  cluster.start_all();
  INFO(cluster.logs());
  const std::string cluster_id = cluster.cluster_id();
  std::uint16_t port = cluster.client_port(cluster.wait_for_leader());

  // What an eavesdropper on alice's connection saw: her proof and her signed-in login.
  auto alice = LineConnection::connect(port, cluster_wait_max);
  REQUIRE(alice != nullptr);
  const std::string proof = proof_of("alice", cluster_id, challenge_on(*alice));
  REQUIRE(authenticate(*alice, "alice", proof)["ok"] == true);
  const json login{{"id", 1},
                   {"op", "login"},
                   {"username", "alice"},
                   {"address", "127.0.0.1:7011"},
                   {"public_key", auction::test::test_public_key("alice")},
                   {"client_id", "alice-1"},
                   {"seq", 1}};
  REQUIRE(send(*alice, login)["ok"] == true);
  alice.reset();

  cluster.stop_all();
  cluster.start_all();
  port = cluster.client_port(cluster.wait_for_leader());

  auto mallory = LineConnection::connect(port, cluster_wait_max);
  REQUIRE(mallory != nullptr);
  CHECK(authenticate(*mallory, "alice", proof)["error"]["code"] == "unauthenticated");
  challenge_on(*mallory);  // a fresh challenge: the old proof is over another one
  CHECK(authenticate(*mallory, "alice", proof)["error"]["code"] == "bad_signature");
  json moved = login;
  moved["address"] = "10.6.6.6:666";
  CHECK(send(*mallory, login)["error"]["code"] == "unauthenticated");
  CHECK(send(*mallory, moved)["error"]["code"] == "unauthenticated");
  CHECK(auction::test::ask(
            port, R"({"id":2,"op":"get_user_address","username":"alice"})")["result"]["address"] ==
        "127.0.0.1:7011");
}

TEST_CASE(
    "identity: another user's flood of writes under fresh client ids does not end a user's "
    "session, so its retry is still applied once",
    "[integration][identity]") {
  Cluster cluster(3, Cluster::ClientPort::plain);
  cluster.start_all();
  const std::uint16_t port = cluster.client_port(cluster.wait_for_leader());
  INFO(cluster.logs());
  const std::string cluster_id = cluster.cluster_id();
  auto victim = LineConnection::connect(port, cluster_wait_max);
  auto flooder = LineConnection::connect(port, cluster_wait_max);
  REQUIRE((victim != nullptr && flooder != nullptr));
  auction::test::prove_user(*victim, cluster_id, "victim");
  auction::test::prove_user(*flooder, cluster_id, "flooder");
  const json create{{"id", 1},
                    {"op", "create_auction"},
                    {"seller", "victim"},
                    {"auction_name", "lamp"},
                    {"item_name", "lamp"},
                    {"item_description", ""},
                    {"base_price", 100},
                    {"increment", 10},
                    {"period_ms", 1000},
                    {"client_id", "victim-1"},
                    {"seq", 1}};
  REQUIRE(send(*victim, {{"id", 0},
                         {"op", "login"},
                         {"username", "victim"},
                         {"address", "127.0.0.1:9001"},
                         {"public_key", auction::test::test_public_key("victim")}})["ok"] == true);
  const json first = send(*victim, create);
  REQUIRE(first["ok"] == true);
  for (int i = 0; i < 1100; ++i) {
    const json answer = send(*flooder, {{"id", i},
                                        {"op", "login"},
                                        {"username", "flooder"},
                                        {"address", "127.0.0.1:9002"},
                                        {"public_key", auction::test::test_public_key("flooder")},
                                        {"client_id", "flood-" + std::to_string(i)},
                                        {"seq", 1}});
    REQUIRE(answer["ok"] == true);
  }
  const json retried = send(*victim, create);
  CHECK(retried["result"] == first["result"]);
  const json listed = send(*victim, {{"id", 3}, {"op", "fetch_auctions"}, {"username", "victim"}});
  CHECK(listed["result"]["auctions"].size() == 1);
}

TEST_CASE(
    "identity: rotate_key needs the new key's proof, and after it the old key proves nothing and "
    "the new one acts as the user",
    "[integration][identity]") {
  Cluster cluster(3);  // TLS, as users run it
  cluster.start_all();
  cluster.wait_for_leader();
  INFO(cluster.logs());
  const std::string cluster_id = cluster.cluster_id();
  PlatformUser old_key(cluster.client_options());
  REQUIRE(old_key.call("login", {{"username", "alice"}, {"address", "127.0.0.1:9001"}}));

  const auto new_keys = std::make_shared<const identity::KeyPair>(identity::generate_key_pair());
  const std::string old_text = auction::test::test_public_key("alice");
  const std::string new_text = new_keys->public_key().to_text();
  const auto rotation_proof = [&](const identity::KeyPair& signer) {
    return identity::sign(
               signer, identity::SigningContext{identity::SigningPurpose::key_rotation, cluster_id},
               auction::platform::rotation_proof_message("alice", old_text, new_text))
        .to_text();
  };
  // Signed by the old key, not the new one: refused, nothing changes.
  auto wrong =
      old_key.call("rotate_key", {{"username", "alice"},
                                  {"public_key", new_text},
                                  {"proof", rotation_proof(*auction::test::test_keys("alice"))}});
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().code == "bad_signature");
  auto rotated = old_key.call(
      "rotate_key",
      {{"username", "alice"}, {"public_key", new_text}, {"proof", rotation_proof(*new_keys)}});
  REQUIRE(rotated.has_value());
  CHECK((*rotated)["public_key"] == new_text);

  // A fresh connection with the old key is refused; one with the new key acts as alice.
  PlatformUser stale(cluster.client_options());
  auto refused = stale.call("fetch_auctions", {{"username", "alice"}});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "unauthenticated");
  PlatformUser renewed(cluster.client_options());
  renewed.act_as("alice", new_keys);
  auto moved = renewed.call("login", {{"username", "alice"}, {"address", "127.0.0.1:9009"}});
  REQUIRE(moved.has_value());
  CHECK((*moved)["created"] == false);
  auto where = renewed.call("get_user_address", {{"username", "alice"}});
  REQUIRE(where.has_value());
  CHECK((*where)["public_key"] == new_text);
}

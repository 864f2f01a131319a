// The replica executable as an operator and a client see it: three real processes on free
// loopback ports, spoken to with raw JSON lines (the way `nc` would), stopped by signal;
// and every way it refuses to start. The replicas run in a test::Cluster; the few started
// by hand are stopped by pid when their test ends.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/platform/cluster_credentials.hpp"
#include "auction/raft/file_storage.hpp"
#include "integration/cluster.hpp"
#include "support/child_process.hpp"
#include "support/test_keys.hpp"

namespace {

using namespace std::chrono_literals;
using auction::test::ask;
using auction::test::ChildProcess;
using auction::test::Cluster;
using auction::test::LineConnection;
using nlohmann::json;

constexpr auto deadline = 20s;  // only turns a hang into a failure

// Sends one raw line and reads one reply line on `connection`.
json ask(LineConnection& connection, const std::string& line) {
  REQUIRE(connection.send(line + "\n"));
  auto reply = connection.read_line(deadline);
  REQUIRE(reply.has_value());
  return json::parse(*reply);
}

json status_of(Cluster& cluster, std::size_t id) {
  json reply = ask(cluster.client_port(id), R"({"id":1,"op":"status"})");
  REQUIRE(reply["ok"] == true);
  return reply["result"];
}

// A listening socket on 127.0.0.1:port, held for the life of the object.
class PortHolder {
 public:
  explicit PortHolder(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
  }
  ~PortHolder() { ::close(fd_); }
  PortHolder(const PortHolder&) = delete;
  PortHolder& operator=(const PortHolder&) = delete;

 private:
  int fd_;
};

std::unique_ptr<ChildProcess> replica_with(std::vector<std::string> args) {
  return std::make_unique<ChildProcess>(auction::test::executable("replica"), std::move(args));
}

// One more copy of replica `id` of `cluster`, started by the test itself.
std::unique_ptr<ChildProcess> spawn(const Cluster& cluster, std::uint64_t id) {
  return replica_with(cluster.replica_arguments(id));
}

}  // namespace

TEST_CASE(
    "integration: three replicas elect a leader that serves logins and reads while "
    "followers redirect to it",
    "[integration][replica]") {
  Cluster cluster(3, Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();

  for (std::size_t id = 1; id <= 3; ++id) {
    json pong = ask(cluster.client_port(id), R"({"id":"p","op":"ping"})");
    CHECK(pong["ok"] == true);
    CHECK(pong["id"] == "p");
  }

  const std::size_t leader = cluster.wait_for_leader();
  for (std::size_t id = 1; id <= 3; ++id) {
    const json status = status_of(cluster, id);
    CHECK(status["id"] == id);
    CHECK(status["role"] == (id == leader ? "leader" : "follower"));
    CHECK(status["leader"] == leader);
    CHECK(status["term"].get<std::uint64_t>() >= 1);
    CHECK(status["last_index"].get<std::uint64_t>() >= status["commit"].get<std::uint64_t>());
    CHECK(status["commit"].get<std::uint64_t>() >= status["applied"].get<std::uint64_t>());
  }

  const std::uint16_t leader_port = cluster.client_port(leader);
  json login = ask(leader_port,
                   R"({"id":2,"op":"login","username":"alice","address":"127.0.0.1:9001",)"
                   R"("client_id":"test-client","seq":1})",
                   cluster.cluster_id());
  INFO(login.dump());
  CHECK(login["ok"] == true);
  json where = ask(leader_port, R"({"id":3,"op":"get_user_address","username":"alice"})");
  INFO(where.dump());
  CHECK(where["ok"] == true);
  CHECK(where["result"]["address"] == "127.0.0.1:9001");

  const std::size_t follower = leader == 1 ? 2 : 1;
  for (const char* line : {R"({"id":4,"op":"login","username":"bob","address":"127.0.0.1:9002"})",
                           R"({"id":5,"op":"get_user_address","username":"alice"})"}) {
    json redirected = ask(cluster.client_port(follower), line);
    INFO(redirected.dump());
    CHECK(redirected["ok"] == false);
    CHECK(redirected["error"]["code"] == "not_leader");
    CHECK(redirected["error"]["leader"]["id"] == leader);
    CHECK(redirected["error"]["leader"]["address"] == "127.0.0.1:" + std::to_string(leader_port));
  }

  // Bad lines are answered and the connection stays usable; nothing reaches the log.
  const auto last_index_before = status_of(cluster, leader)["last_index"];
  auto connection = LineConnection::connect(leader_port, deadline);
  REQUIRE(connection != nullptr);
  CHECK(ask(*connection, "this is not json")["error"]["code"] == "bad_request");
  CHECK(ask(*connection, R"({"id":6,"op":"login","username":"carol"})")["error"]["code"] ==
        "bad_request");
  CHECK(ask(*connection,
            R"({"id":7,"op":"login","username":"no spaces","address":"h:1"})")["error"]["code"] ==
        "invalid_argument");
  CHECK(ask(*connection, R"({"id":8,"op":"status","extra":1})")["error"]["code"] == "bad_request");
  CHECK(ask(*connection, R"({"id":8,"op":"status","digest":"yes"})")["error"]["code"] ==
        "bad_request");
  CHECK(ask(*connection, R"({"id":9,"op":"ping"})")["ok"] == true);
  // The digest of the state, which costs a hash of all of it, only when asked, with the
  // applied index it is of.
  CHECK_FALSE(ask(*connection, R"({"id":10,"op":"status"})")["result"].contains("digest"));
  CHECK_FALSE(
      ask(*connection, R"({"id":11,"op":"status","digest":false})")["result"].contains("digest"));
  const json with_digest = ask(*connection, R"({"id":12,"op":"status","digest":true})")["result"];
  CHECK(with_digest["digest"].get<std::string>().size() == 16);
  CHECK(with_digest["digest_index"] == with_digest["applied"]);
  CHECK(status_of(cluster, leader)["last_index"] == last_index_before);

  cluster.stop_all();  // SIGTERM; each must exit 0
}

TEST_CASE("integration: replicas restarted on their data dirs recover the log",
          "[integration][replica]") {
  Cluster cluster(3, Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();
  std::size_t leader = cluster.wait_for_leader();
  json login = ask(cluster.client_port(leader),
                   R"({"id":1,"op":"login","username":"dora","address":"127.0.0.1:9100"})",
                   cluster.cluster_id());
  REQUIRE(login["ok"] == true);
  cluster.stop_all();  // SIGTERM; each must exit 0

  cluster.start_all();
  leader = cluster.wait_for_leader();
  json where =
      ask(cluster.client_port(leader), R"({"id":2,"op":"get_user_address","username":"dora"})");
  INFO(where.dump());
  CHECK(where["result"]["address"] == "127.0.0.1:9100");
  cluster.stop_all();  // SIGTERM; each must exit 0
}

TEST_CASE(
    "integration: a replica refuses to start, with exit code 2 and one line, on a bad "
    "config, an unknown id, a port in use, a locked data dir, one others can write or one "
    "whose term is beyond the bound",
    "[integration][replica]") {
  Cluster cluster(3);

  SECTION("a config that is not JSON") {
    const auto bad = cluster.config_path().parent_path() / "bad.json";
    std::ofstream(bad) << "{\"replicas\": [";
    auto child = replica_with(
        {"--config", bad.string(), "--id", "1", "--data-dir", cluster.data_dir(1).string()});
    CHECK(child->wait_exit(deadline) == 2);
    CHECK_THAT(child->output(), Catch::Contains("replica: cannot start: config"));
  }
  SECTION("a config file that does not exist") {
    auto child = replica_with({"--config", "/nonexistent/cluster.json", "--id", "1"});
    CHECK(child->wait_exit(deadline) == 2);
    CHECK_THAT(child->output(), Catch::Contains("/nonexistent/cluster.json"));
  }
  SECTION("an id that is not in the config") {
    auto child = replica_with({"--config", cluster.config_path().string(), "--id", "9",
                               "--data-dir", cluster.data_dir(9).string()});
    CHECK(child->wait_exit(deadline) == 2);
    CHECK_THAT(child->output(),
               Catch::Contains("id 9 is not in") && Catch::Contains("(ids there: 1, 2, 3)"));
  }
  SECTION("a port in use") {
    const PortHolder holder(cluster.client_port(1));
    auto child = spawn(cluster, 1);
    CHECK(child->wait_exit(deadline) == 2);
    CHECK_THAT(child->output(),
               Catch::Contains(std::to_string(cluster.client_port(1)) + " is already in use"));
  }
  SECTION("a data dir that other users can write") {
    std::filesystem::create_directories(cluster.data_dir(1));
    std::filesystem::permissions(cluster.data_dir(1), std::filesystem::perms::all);
    auto child = spawn(cluster, 1);
    CHECK(child->wait_exit(deadline) == 2);
    CHECK_THAT(child->output(), Catch::Contains("other users can write it") &&
                                    Catch::Contains("chmod 700 " + cluster.data_dir(1).string()));
    CHECK(std::filesystem::is_empty(cluster.data_dir(1)));
  }
  SECTION("credentials that are missing, or another replica's") {
    const auto certs = cluster.config().tls->dir;
    std::filesystem::rename(certs / "replica-1.key", certs / "replica-1.key.away");
    auto missing = spawn(cluster, 1);
    CHECK(missing->wait_exit(deadline) == 2);
    CHECK_THAT(missing->output(),
               Catch::Contains("replica-1.key does not exist") && Catch::Contains("init-certs"));
    std::filesystem::copy_file(certs / "replica-2.key", certs / "replica-1.key");
    std::filesystem::copy_file(certs / "replica-2.crt", certs / "replica-1.crt",
                               std::filesystem::copy_options::overwrite_existing);
    auto borrowed = spawn(cluster, 1);
    CHECK(borrowed->wait_exit(deadline) == 2);
    CHECK_THAT(borrowed->output(), Catch::Contains("names replica-2, not replica-1"));
    CHECK_FALSE(std::filesystem::exists(cluster.data_dir(1)));
  }
  SECTION("a data dir whose term is beyond the bound (left by an older version's forged term)") {
    {
      auto storage = auction::raft::FileStorage::open(cluster.data_dir(1));
      REQUIRE(storage.has_value());
      (*storage)->set_hard_state(
          auction::raft::HardState{auction::raft::Term{std::uint64_t{1} << 62}, {}, false, {}});
    }  // synced as it closes
    auto child = spawn(cluster, 1);
    CHECK(child->wait_exit(deadline) == 2);
    CHECK_THAT(child->output(),
               Catch::Contains("replica: cannot start: ") &&
                   Catch::Contains(cluster.data_dir(1).string() +
                                   ": the term 4611686018427387904 is beyond the bound 2^48"));
  }
  SECTION("a data dir locked by a running replica") {
    auto first = spawn(cluster, 1);
    REQUIRE(first->wait_for_output("replica 1 ready", deadline));
    auto second = spawn(cluster, 1);
    CHECK(second->wait_exit(deadline) == 2);
    CHECK_THAT(second->output(), Catch::Contains("in use by another process"));
    first->signal(SIGTERM);
    CHECK(first->wait_exit(deadline) == 0);
  }
}

TEST_CASE(
    "integration: a leader that loses its majority answers every request instead of "
    "hanging",
    "[integration][replica]") {
  Cluster cluster(3, Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();
  const std::size_t leader = cluster.wait_for_leader();
  // erin proves her key while the leader still has its majority (a proof reads the state).
  auto connection = LineConnection::connect(cluster.client_port(leader), deadline);
  REQUIRE(connection != nullptr);
  auction::test::prove_user(*connection, cluster.cluster_id(), "erin");
  for (std::size_t id = 1; id <= 3; ++id) {
    if (id == leader) continue;
    cluster.stop(id);  // SIGTERM; it must exit 0
  }

  const json erin_login{{"id", 1},
                        {"op", "login"},
                        {"username", "erin"},
                        {"address", "h:1"},
                        {"public_key", auction::test::test_public_key("erin")},
                        {"client_id", "c"},
                        {"seq", 1}};
  json write = ask(*connection, erin_login.dump());
  INFO(write.dump());
  CHECK(write["ok"] == false);
  const std::string code = write["error"]["code"];
  // Proposed and not committed (timeout, or leadership_lost once check-quorum deposed it),
  // or, if it stepped down first, never proposed (not_leader).
  CHECK((code == "timeout" || code == "leadership_lost" || code == "not_leader"));
  json read = ask(*connection, R"({"id":2,"op":"get_user_address","username":"erin"})");
  INFO(read.dump());
  CHECK(read["ok"] == false);
  const std::string read_code = read["error"]["code"];
  CHECK((read_code == "timeout" || read_code == "not_leader"));

  cluster.stop(leader);
}

TEST_CASE(
    "integration: replica init-certs makes a cluster's credentials and names them in the "
    "cluster file, and refuses what it cannot do",
    "[integration][replica]") {
  Cluster cluster(3);  // only for its free ports and temp dir
  const auto dir = cluster.config_path().parent_path();
  // The same cluster without a tls section, as an operator would write it first.
  const auto plain = dir / "plain.json";
  {
    json file = json::parse(std::ifstream(cluster.config_path()));
    file.erase("tls");
    std::ofstream(plain) << file.dump(2) << "\n";
  }
  const auto run = [&](std::vector<std::string> args) {
    auto child =
        std::make_unique<ChildProcess>(auction::test::executable("replica"), std::move(args));
    const std::optional<int> code = child->wait_exit(deadline);
    return std::pair{code.value_or(-1), child->output()};
  };

  SECTION("without --out and without a tls section there is nowhere to write") {
    const auto [code, output] = run({"init-certs", "--config", plain.string()});
    CHECK(code == 2);
    CHECK_THAT(output, Catch::Contains("has no \"tls\" section") && Catch::Contains("--out"));
  }
  SECTION("made, named in the cluster file, and used by replicas that then elect a leader") {
    const auto [code, output] =
        run({"init-certs", "--config", plain.string(), "--out", (dir / "new-certs").string()});
    INFO(output);
    REQUIRE(code == 0);
    CHECK_THAT(output, Catch::Contains("issued certificates and keys for replicas 1, 2, 3") &&
                           Catch::Contains("added \"tls\": {\"dir\": \"new-certs\"}"));
    auto config = auction::platform::ClusterConfig::load(plain);
    REQUIRE(config.has_value());
    REQUIRE(config->tls.has_value());
    CHECK(config->tls->dir == dir / "new-certs");
    // A second run changes nothing and says so.
    const auto [again_code, again] = run({"init-certs", "--config", plain.string()});
    CHECK(again_code == 0);
    CHECK_THAT(again, Catch::Contains("kept the existing ones of replicas 1, 2, 3"));
    // Replicas started from that file find their credentials and form the cluster.
    auction::test::LocalClusterOptions options;
    options.replica_binary = auction::test::executable("replica");
    auction::test::LocalCluster replicas(plain, *config, options);
    REQUIRE(replicas.start_all(deadline).has_value());
    CHECK(replicas.wait_for_leader(deadline).has_value());
    replicas.stop_all();
  }
}

TEST_CASE(
    "integration: the client port speaks TLS with the replica's certificate: openssl s_client "
    "talks to it by hand, a plain line gets one plain answer, a client of another CA is refused",
    "[integration][replica][tls]") {
  Cluster cluster(3);
  cluster.start_all();
  const std::uint64_t leader = cluster.wait_for_leader();
  const auto port = std::to_string(cluster.client_port(leader));
  const auto ca = (cluster.config().tls->dir / "ca.crt").string();

  SECTION("by hand, as docs/protocol.md shows") {
    auto openssl = std::make_unique<ChildProcess>(
        "/usr/bin/openssl",
        std::vector<std::string>{"s_client", "-quiet", "-verify_return_error", "-CAfile", ca,
                                 "-connect", "127.0.0.1:" + port});
    openssl->write_input("{\"id\":1,\"op\":\"status\"}\n");
    REQUIRE(openssl->wait_for_output("\"role\":\"leader\"", deadline));
    openssl->signal(SIGTERM);  // -quiet waits for the server to close, as a person would
    CHECK(openssl->wait_exit(deadline).has_value());
    CHECK_THAT(openssl->output(), Catch::Contains("CN = replica-" + std::to_string(leader)));
  }
  SECTION("a plain request is answered once, in plain text, with tls_required") {
    auto connection = LineConnection::connect(cluster.client_port(leader), deadline);
    REQUIRE(connection != nullptr);
    const json reply = ask(*connection, R"({"id":1,"op":"status"})");
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "tls_required");
    CHECK_THAT(reply["error"]["message"].get<std::string>(), Catch::Contains("openssl s_client"));
    CHECK(connection->wait_closed(deadline));
  }
  SECTION("a client that trusts another CA does not talk to the replica") {
    const auto stranger = auction::platform::make_memory_credentials({1});
    const auto other_ca = cluster.config_path().parent_path() / "other-ca.crt";
    std::ofstream(other_ca) << stranger.ca_certificate_pem;
    auto options = cluster.client_options();
    options.trusted_ca_file = other_ca;
    options.deadline = std::chrono::milliseconds(1500);
    auction::test::PlatformUser user(options);
    auto status = user.status(leader - 1);
    REQUIRE_FALSE(status.has_value());
    CHECK(status.error().code == "unavailable");
    CHECK_THAT(status.error().message, Catch::Contains("certificate verify failed"));
  }
}

TEST_CASE("integration: a replica whose client port is plain says so at start",
          "[integration][replica][tls]") {
  Cluster cluster(1, Cluster::ClientPort::plain);
  cluster.start(1);
  CHECK_THAT(cluster.process(1).output(),
             Catch::Contains("WARNING: the client port speaks plain TCP") &&
                 Catch::Contains("use it only on loopback"));
  CHECK(ask(cluster.client_port(1), R"({"id":1,"op":"ping"})")["ok"] == true);
}

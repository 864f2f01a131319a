// A replica's monitoring port (`replica --http ADDR`) as an operator's tools and a stranger
// meet it: /metrics read by the Prometheus client's own parser, /status, /healthz, JSON log
// lines (`--log-format json`), and junk from anyone who reaches the port, answered without
// harm to the replica. The replica runs in a one-replica cluster, started by the test and
// stopped by pid when it ends.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/cluster.hpp"
#include "support/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using auction::test::ChildProcess;
using auction::test::Cluster;
using auction::test::LineConnection;
using nlohmann::json;

constexpr auto deadline = 20s;  // only turns a hang into a failure

struct HttpReply {
  int status = 0;  // 0: no status line came back (the connection was closed unanswered)
  std::string head;
  std::string body;
};

// Sends `request` as is on a fresh connection from `from` (a 127.x.y.z address; "": the
// kernel's choice) and reads the reply until the server closes.
HttpReply http_exchange(std::uint16_t port, const std::string& request,
                        const std::string& from = "") {
  auto connection = LineConnection::connect(port, deadline, from);
  REQUIRE(connection != nullptr);
  REQUIRE(connection->send(request));
  HttpReply reply;
  bool in_body = false;
  while (auto line = connection->read_line(deadline)) {
    if (in_body) {
      reply.body += *line + "\n";
      continue;
    }
    if (line->ends_with('\r')) line->pop_back();
    if (line->empty()) {
      in_body = true;
      continue;
    }
    if (reply.head.empty() && line->starts_with("HTTP/1.1 ")) {
      reply.status = std::stoi(line->substr(9, 3));
    }
    reply.head += *line + "\n";
  }
  return reply;
}

std::string get_request(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
}

HttpReply get(std::uint16_t port, const std::string& path, const std::string& from = "") {
  return http_exchange(port, get_request(path), from);
}

// The samples of a Prometheus text, as the Prometheus Python client's parser reads them
// (parse_metrics.py, run by Debian's interpreter, where Debian's package is).
json parse_with_prometheus(const std::string& text) {
  ChildProcess parser("/usr/bin/python3",
                      {std::string(AUCTION_SOURCE_DIR) + "/tests/integration/parse_metrics.py"});
  parser.write_input(text);
  parser.close_input();
  const auto code = parser.wait_exit(deadline);
  INFO(parser.output());
  REQUIRE(code == 0);
  return json::parse(parser.output());
}

// Replica 1 of `cluster` with its monitoring port on `http_port` and `more` arguments,
// started by the test and waited for until it prints `ready` (its ready line's words).
std::unique_ptr<ChildProcess> start_watched(const Cluster& cluster, std::uint16_t http_port,
                                            const std::vector<std::string>& more,
                                            const std::string& ready) {
  std::vector<std::string> args = cluster.replica_arguments(1);
  args.push_back("--http");
  args.push_back("127.0.0.1:" + std::to_string(http_port));
  args.insert(args.end(), more.begin(), more.end());
  auto replica =
      std::make_unique<ChildProcess>(auction::test::executable("replica"), std::move(args));
  REQUIRE(replica->wait_for_output(ready, deadline));
  return replica;
}

}  // namespace

TEST_CASE(
    "integration: a replica's monitoring port serves metrics the Prometheus parser reads, its "
    "status and its health, and its log lines are JSON when asked",
    "[integration][replica][monitoring]") {
  Cluster cluster(1, Cluster::ClientPort::plain);
  const std::uint16_t http_port = auction::test::free_port();
  auto replica =
      start_watched(cluster, http_port, {"--log-format", "json"}, "\"message\":\"ready (client");
  CHECK_THAT(replica->output(), Catch::Contains("http 127.0.0.1:" + std::to_string(http_port)));
  REQUIRE(auction::test::wait_for_leader(cluster.config(), deadline, 1).has_value());

  // A write, so that every metric of the write path has something to count.
  const json login =
      auction::test::ask(cluster.client_port(1),
                         R"({"id":1,"op":"login","username":"alice","address":"127.0.0.1:9001"})",
                         cluster.cluster_id());
  INFO(login.dump());
  REQUIRE(login["ok"] == true);

  const HttpReply metrics = get(http_port, "/metrics");
  INFO(metrics.head << metrics.body);
  REQUIRE(metrics.status == 200);
  CHECK_THAT(metrics.head, Catch::Contains("text/plain; version=0.0.4"));
  const json samples = parse_with_prometheus(metrics.body);
  INFO(samples.dump(1));
  CHECK(samples["ppapd_replica_id"] == 1);
  CHECK(samples["ppapd_raft_role{role=\"leader\"}"] == 1);
  CHECK(samples["ppapd_raft_role{role=\"follower\"}"] == 0);
  CHECK(samples["ppapd_raft_leader_id"] == 1);
  CHECK(samples["ppapd_raft_term"].get<double>() >= 1);
  CHECK(samples["ppapd_raft_elections_total"].get<double>() >= 1);
  CHECK(samples["ppapd_raft_leader_changes_total"].get<double>() >= 1);
  CHECK(samples["ppapd_raft_commit_index"].get<double>() >= 2);  // the no-op and the login
  CHECK(samples["ppapd_raft_applied_index"] == samples["ppapd_raft_commit_index"]);
  CHECK(samples["ppapd_raft_proposals_total{outcome=\"committed\"}"] == 1);
  CHECK(samples["ppapd_raft_proposals_total{outcome=\"refused\"}"] == 0);
  CHECK(samples["ppapd_raft_proposals_total{outcome=\"unknown\"}"] == 0);
  CHECK(samples["ppapd_raft_proposal_seconds_count"] == 1);
  CHECK(samples["ppapd_raft_proposal_seconds_bucket{le=\"+Inf\"}"] == 1);
  CHECK(samples["ppapd_raft_disk_write_seconds_count"].get<double>() >= 1);
  CHECK(samples["ppapd_raft_entries_written_total"].get<double>() >= 2);
  CHECK(samples["ppapd_raft_members{kind=\"voter\"}"] == 1);
  CHECK(samples["ppapd_raft_members{kind=\"learner\"}"] == 0);
  CHECK(samples["ppapd_raft_pending_proposals"] == 0);
  CHECK(samples["ppapd_platform_users"] == 1);
  CHECK(samples["ppapd_platform_auctions"] == 0);
  CHECK(samples.contains("ppapd_client_connections"));
  CHECK(samples.contains("ppapd_raft_snapshot_bytes"));

  const HttpReply status = get(http_port, "/status");
  REQUIRE(status.status == 200);
  CHECK_THAT(status.head, Catch::Contains("application/json"));
  const json status_body = json::parse(status.body);
  const json status_op =
      auction::test::ask(cluster.client_port(1), R"({"id":2,"op":"status"})")["result"];
  CHECK(status_body["role"] == "leader");
  CHECK_FALSE(status_body.contains("digest"));  // costly on a large state: the op's alone
  CHECK(status_body["term"] == status_op["term"]);
  CHECK(status_body["commit"] == status_op["commit"]);

  const HttpReply health = get(http_port, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");

  // Every line the replica wrote is one JSON object with a time, a source and a message.
  std::istringstream lines(replica->output());
  std::string line;
  int lines_read = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    const json parsed = json::parse(line, nullptr, false);
    REQUIRE(parsed.is_object());
    CHECK(parsed["time"].get<std::string>().ends_with("Z"));
    CHECK(parsed.contains("source"));
    CHECK(parsed.contains("message"));
    ++lines_read;
  }
  CHECK(lines_read >= 2);

  replica->signal(SIGTERM);
  CHECK(replica->wait_exit(deadline) == 0);
}

TEST_CASE(
    "integration: a stranger's junk on the monitoring port is refused and costs the replica "
    "nothing: bad requests, other methods, unknown paths, huge heads, crowds of idle "
    "connections",
    "[integration][replica][monitoring][attack]") {
  Cluster cluster(1, Cluster::ClientPort::plain);
  const std::uint16_t http_port = auction::test::free_port();
  auto replica = start_watched(cluster, http_port, {}, "replica 1 ready");

  CHECK(http_exchange(http_port, "this is not http\r\n\r\n").status == 400);
  CHECK(http_exchange(http_port,
                      "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                      "Connection: close\r\n\r\nhello")
            .status == 400);
  const HttpReply posted =
      http_exchange(http_port, "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(posted.status == 405);
  CHECK_THAT(posted.head, Catch::Contains("Allow: GET"));
  CHECK(get(http_port, "/../../etc/passwd").status == 404);
  CHECK(get(http_port, "/metrics?x=1").status == 200);
  CHECK(http_exchange(http_port, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Junk: " +
                                     std::string(20'000, 'a') + "\r\n\r\n")
            .status == 431);

  // One source holds at most 4 connections: a fifth from it is closed without an answer,
  // while another source is served; 16 in all, past which any source's is closed too.
  const auto hold = [&](const std::string& from) {
    auto connection = LineConnection::connect(http_port, deadline, from);
    REQUIRE(connection != nullptr);
    REQUIRE(connection->send("GET /metrics HTTP/1.1\r\nHost: x\r\n"));  // never finished
    return connection;
  };
  const auto refused_unanswered = [&](const std::string& from) {
    auto connection = LineConnection::connect(http_port, deadline, from);
    REQUIRE(connection != nullptr);
    REQUIRE(connection->send(get_request("/healthz")));
    return !connection->read_line(deadline).has_value();  // closed: no status line came
  };
  std::vector<std::unique_ptr<LineConnection>> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(hold("127.0.0.1"));
  CHECK(refused_unanswered("127.0.0.1"));
  CHECK(get(http_port, "/healthz", "127.0.0.2").status != 0);  // answered (200, or 503 before
                                                               // the replica elects itself)
  for (const char* from : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
    for (int i = 0; i < 4; ++i) idle.push_back(hold(from));
  }
  CHECK(refused_unanswered("127.0.0.5"));
  // The client port is untouched by all of it.
  CHECK(auction::test::ask(cluster.client_port(1), R"({"id":1,"op":"ping"})")["ok"] == true);
  // The replica cuts each of them once its head is late (5 s), and then serves again.
  for (const auto& connection : idle) CHECK(connection->wait_closed(deadline));
  CHECK(get(http_port, "/healthz").status == 200);
  CHECK_FALSE(replica->has_exited());
}

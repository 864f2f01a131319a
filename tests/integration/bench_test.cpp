// `bench` smoke tests: each mode runs against real replicas and reports what it measured.
// They check only that a mode runs, exits 0 and reports rows with the promised keys --
// never how fast anything was (performance is measured by bench itself, docs/performance.md).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/cluster.hpp"
#include "support/child_process.hpp"

namespace {

using namespace auction::test;
using nlohmann::json;

constexpr std::chrono::milliseconds run_max{120'000};  // only turns a hang into a failure

// The JSON rows a finished `bench --json ...` printed (its stdout and stderr are mixed in
// output(); the rows are the lines that parse as objects with a "bench" key).
std::vector<json> rows_of(const std::string& output) {
  std::vector<json> rows;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto row = json::parse(line, nullptr, false);
    if (row.is_object() && row.contains("bench")) rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<json> run_bench(const std::vector<std::string>& args) {
  ChildProcess bench(executable("bench"), args);
  const auto code = bench.wait_exit(run_max);
  INFO(bench.output());
  REQUIRE(code == 0);
  return rows_of(bench.output());
}

}  // namespace

TEST_CASE("bench: platform starts a cluster, runs each workload and reports every row", "[bench]") {
  Cluster cluster(3);  // only its cluster file: bench starts and stops the replicas itself
  const auto rows = run_bench({"--json", "platform", "--start", cluster.config_path().string(),
                               "--clients", "1,2", "--workload", "write,fetch,lookup",
                               "--warmup-ms", "100", "--duration-ms", "300", "--auctions", "5"});
  REQUIRE(rows.size() == 6);  // 3 workloads x 2 client counts
  for (const json& row : rows) {
    INFO(row.dump());
    CHECK(row.at("bench") == "platform");
    for (const char* key : {"workload", "clients", "ops", "ops_per_s", "errors", "p50_ms", "p99_ms",
                            "p999_ms", "max_ms", "server_cpu_s", "generator_cpu_s", "new_terms"}) {
      CHECK(row.contains(key));
    }
    CHECK(row.at("ops").get<std::uint64_t>() > 0);
    CHECK(row.at("errors") == 0);
  }
}

TEST_CASE("bench: platform measures a running cluster given by its file", "[bench]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  const std::string pids = std::to_string(cluster.process(1).pid()) + "," +
                           std::to_string(cluster.process(2).pid()) + "," +
                           std::to_string(cluster.process(3).pid());
  const std::vector<std::string> args{
      "--json",        "platform",    "--cluster",   cluster.config_path().string(),
      "--server-pids", pids,          "--clients",   "2",
      "--workload",    "write,fetch", "--warmup-ms", "100",
      "--duration-ms", "300"};
  const auto rows = run_bench(args);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("ops").get<std::uint64_t>() > 0);
  CHECK(rows[0].contains("server_cpu_s"));
  // A second run finds the bench users registered, and logs them in again with the same keys.
  const auto again = run_bench(args);
  REQUIRE(again.size() == 2);
  for (const json& row : again) {
    INFO(row.dump());
    CHECK(row.at("ops").get<std::uint64_t>() > 0);
    CHECK(row.at("errors") == 0);
  }
}

TEST_CASE("bench: platform reads prove the buyer's key on a plain client port too", "[bench]") {
  // The raw read connections prove the user they read as; without TLS the proof has no
  // channel binding, which the replica must agree on.
  Cluster cluster(3, Cluster::ClientPort::plain);
  const auto rows = run_bench({"--json", "platform", "--start", cluster.config_path().string(),
                               "--clients", "2", "--workload", "fetch,lookup", "--warmup-ms", "100",
                               "--duration-ms", "300", "--auctions", "5"});
  REQUIRE(rows.size() == 2);
  for (const json& row : rows) {
    INFO(row.dump());
    CHECK(row.at("ops").get<std::uint64_t>() > 0);
    CHECK(row.at("errors") == 0);
  }
}

TEST_CASE("bench: failover kills the leader, times the next leader and loses no write", "[bench]") {
  Cluster cluster(3);
  const auto rows = run_bench({"--json", "failover", "--start", cluster.config_path().string(),
                               "--tries", "2", "--settle-ms", "200"});
  REQUIRE(rows.size() == 3);  // one per try, then the summary
  CHECK(rows[0].contains("failover_ms"));
  CHECK(rows[1].contains("failover_ms"));
  const json& total = rows[2];
  CHECK(total.at("tries") == 2);
  CHECK(total.at("writes_acked").get<std::uint64_t>() > 0);
  // Each user's last acknowledged write is read back: the pool's users change at each kill.
  CHECK(total.at("writes_checked").get<std::uint64_t>() > 0);
  CHECK(total.at("writes_lost") == 0);
}

TEST_CASE(
    "bench: failover --stop stops the leader with SIGTERM -- a handover -- and loses no write",
    "[bench]") {
  Cluster cluster(3);
  const auto rows = run_bench({"--json", "failover", "--start", cluster.config_path().string(),
                               "--tries", "2", "--settle-ms", "200", "--stop"});
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].at("was_leader") == true);
  CHECK(rows[1].contains("failover_ms"));
  const json& total = rows[2];
  CHECK(total.at("tries") == 2);
  CHECK(total.at("writes_checked").get<std::uint64_t>() > 0);
  CHECK(total.at("writes_lost") == 0);
}

TEST_CASE(
    "bench: failover --rolling restarts every replica in turn, followers and leader, and "
    "loses no write",
    "[bench]") {
  Cluster cluster(3);
  const auto rows = run_bench({"--json", "failover", "--start", cluster.config_path().string(),
                               "--tries", "3", "--settle-ms", "200", "--rolling"});
  REQUIRE(rows.size() == 4);
  for (std::size_t i = 0; i < 3; ++i) CHECK(rows[i].at("stopped") == i + 1);
  const json& total = rows[3];
  CHECK(total.at("tries") == 3);
  CHECK(total.contains("write_max_ms"));
  CHECK(total.at("writes_lost") == 0);
}

TEST_CASE("bench: bad arguments and a missing cluster are refused clearly", "[bench]") {
  {
    ChildProcess bench(executable("bench"), {"platform", "--clients", "0"});
    CHECK(bench.wait_exit(run_max) == 2);
  }
  {
    Cluster cluster(3);  // nothing runs on its ports
    ChildProcess bench(
        executable("bench"),
        {"platform", "--cluster", cluster.config_path().string(), "--duration-ms", "200"});
    CHECK(bench.wait_exit(run_max) == 1);
    CHECK_THAT(bench.output(), Catch::Contains("bench platform:"));
  }
}

TEST_CASE("bench: --start refuses ports another cluster already holds", "[bench]") {
  // Without the check bench would measure the cluster already running there, while the
  // replicas it started exit on their taken ports.
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  ChildProcess bench(executable("bench"), {"platform", "--start", cluster.config_path().string(),
                                           "--duration-ms", "200"});
  CHECK(bench.wait_exit(run_max) == 1);
  CHECK_THAT(bench.output(), Catch::Contains("is taken"));
}

TEST_CASE(
    "bench: capacity fills the state machine, snapshots and restores it, and reports every row",
    "[bench]") {
  // The long run (10 million users, a million auctions) is docs/performance.md's; this one
  // only shows that the mode runs, answers right and reports what it promises.
  const auto rows = run_bench({"--json", "capacity", "--users", "2000", "--auctions", "300",
                               "--buyers", "3", "--sessions", "--snapshot"});
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].at("bench") == "capacity");
  CHECK(rows[0].at("users") == 2000);
  CHECK(rows[0].at("auctions") == 300);
  for (const char* key : {"bytes_per_user", "bytes_per_auction", "rss_auctions_mib", "users_s",
                          "auctions_s", "fetch_page_bytes"}) {
    CHECK(rows[0].contains(key));
  }
  CHECK(rows[1].at("bench") == "capacity_snapshot");
  CHECK(rows[1].at("snapshot_bytes").get<std::uint64_t>() > 0);
  CHECK(rows[1].contains("restore_s"));
  const json& push = rows[2];
  CHECK(push.at("bench") == "capacity_push");
  CHECK(push.at("buyers") == 10'000);
  // At 10,000 buyers with the longest names the whole chain does not fit one entry, and each
  // push that carries a part of it does.
  CHECK(push.at("whole_chain_push_bytes").get<std::uint64_t>() >
        push.at("entry_bytes_max").get<std::uint64_t>());
  CHECK(push.at("largest_push_bytes").get<std::uint64_t>() <
        push.at("entry_bytes_max").get<std::uint64_t>());
  CHECK(push.at("silent_link_push_bytes").get<std::uint64_t>() <
        push.at("entry_bytes_max").get<std::uint64_t>());
}

TEST_CASE("bench: capacity refuses more than the platform holds", "[bench]") {
  ChildProcess bench(executable("bench"), {"capacity", "--users", "10000001"});
  CHECK(bench.wait_exit(run_max) == 2);
  ChildProcess limits(executable("bench"),
                      {"capacity", "--users", "10", "--auctions", "0", "--check-limits"});
  CHECK(limits.wait_exit(run_max) == 2);  // --check-limits needs the maximum
}

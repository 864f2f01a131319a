#include <catch2/catch.hpp>

#include <filesystem>

#include "auction/platform/cluster_config.hpp"

using auction::platform::ClusterConfig;

namespace {
std::string error_of(std::string_view text) {
  auto config = ClusterConfig::parse(text);
  REQUIRE_FALSE(config.has_value());
  CHECK(config.error().code == "config_invalid");
  return config.error().message;
}
}  // namespace

TEST_CASE("platform: the shipped cluster files parse", "[platform][config]") {
  for (const char* name : {"local-3.json", "local-5.json"}) {
    auto config = ClusterConfig::load(std::filesystem::path(AUCTION_SOURCE_DIR) / "configs" / name);
    REQUIRE(config.has_value());
    CHECK((config->replicas.size() == 3 || config->replicas.size() == 5));
    REQUIRE(config->find(1) != nullptr);
    CHECK(config->find(1)->client_endpoint() == "127.0.0.1:7100");
    CHECK(config->find(1)->raft_endpoint() == "127.0.0.1:7200");
    CHECK(config->find(0) == nullptr);
    CHECK(config->find(42) == nullptr);
    // Credentials beside the checkout, in certs/ (ignored by git), named from the file.
    REQUIRE(config->tls.has_value());
    CHECK(config->tls->dir ==
          std::filesystem::path(AUCTION_SOURCE_DIR) / "certs" / std::filesystem::path(name).stem());
  }
}

TEST_CASE("platform: a cluster file's tls section names the credentials directory",
          "[platform][config]") {
  const std::string replicas =
      R"({"replicas": [{"id": 1, "host": "h", "client_port": 1, "raft_port": 2}])";
  auto without = ClusterConfig::parse(replicas + "}");
  REQUIRE(without.has_value());
  CHECK_FALSE(without->tls.has_value());
  auto with = ClusterConfig::parse(replicas + R"(, "tls": {"dir": "/etc/ppapd/certs"}})");
  REQUIRE(with.has_value());
  CHECK(with->tls->dir == "/etc/ppapd/certs");
  CHECK(error_of(replicas + R"(, "tls": {"dir": ""}})") == "tls.dir must be a non-empty path");
  CHECK(error_of(replicas + R"(, "tls": {"dir": 7}})") == "tls.dir must be a non-empty path");
  CHECK(error_of(replicas + R"(, "tls": {}})") == "tls.dir must be a non-empty path");
  CHECK(error_of(replicas + R"(, "tls": {"dir": "x", "ca": "y"}})") == "tls: unknown key \"ca\"");
  CHECK(error_of(replicas + R"(, "tls": "certs"})") == "tls must be an object");
}

TEST_CASE("platform: a cluster file's replicas are sorted by id and timing defaults apply",
          "[platform][config]") {
  auto config = ClusterConfig::parse(R"({"replicas":[
      {"id":5,"host":"b","client_port":1,"raft_port":2},
      {"id":1,"host":"a","client_port":1,"raft_port":2}]})");
  REQUIRE(config.has_value());
  CHECK(config->replicas[0].id == 1);
  CHECK(config->replicas[1].id == 5);
  CHECK(config->timing.tick_ms == 10);
}

TEST_CASE("platform: a cluster file's limits default to what no real user hits and may be set",
          "[platform][config]") {
  auto defaults = ClusterConfig::parse(R"({"replicas":[
      {"id":1,"host":"a","client_port":1,"raft_port":2}]})");
  REQUIRE(defaults.has_value());
  CHECK(defaults->limits.connections_max == 1024);
  CHECK(defaults->limits.connections_per_address_max == 64);
  CHECK(defaults->limits.idle_timeout_ms == 60'000);
  CHECK(defaults->limits.registrations_per_s == 20);
  CHECK(defaults->limits.registrations_burst == 100);
  CHECK(defaults->limits.writes_per_s == 5'000);
  CHECK(defaults->limits.writes_burst == 10'000);
  auto set = ClusterConfig::parse(R"({"replicas":[
      {"id":1,"host":"a","client_port":1,"raft_port":2}],
      "limits":{"connections_per_address_max":8,"writes_per_s":0}})");
  REQUIRE(set.has_value());
  CHECK(set->limits.connections_per_address_max == 8);
  CHECK(set->limits.writes_per_s == 0);  // no limit
  CHECK(set->limits.writes_burst == 10'000);
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":1,"raft_port":2}],
                          "limits":{"connections_max":10,"connections_per_address_max":11}})"),
             Catch::Contains("connections_per_address_max must not exceed"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":1,"raft_port":2}],
                          "limits":{"idle_timeout_ms":0}})"),
             Catch::Contains("limits.idle_timeout_ms"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":1,"raft_port":2}],
                          "limits":{"writes":1}})"),
             Catch::Contains("unknown key \"writes\""));
}

TEST_CASE("platform: a bad cluster file is refused with the field named", "[platform][config]") {
  CHECK_THAT(error_of("not json"), Catch::Contains("not valid JSON"));
  CHECK_THAT(error_of("[]"), Catch::Contains("top level"));
  CHECK_THAT(error_of(R"({"replicas":[]})"), Catch::Contains("non-empty"));
  CHECK_THAT(error_of(R"({"replica":[]})"), Catch::Contains("unknown key \"replica\""));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":70000,"raft_port":1}]})"),
             Catch::Contains("replicas[0].client_port"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":-1,"host":"a","client_port":1,"raft_port":2}]})"),
             Catch::Contains("replicas[0].id"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":0,"host":"a","client_port":1,"raft_port":2}]})"),
             Catch::Contains("replicas[0].id must be in [1,"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":"1","raft_port":2}]})"),
             Catch::Contains("client_port"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"","client_port":1,"raft_port":2}]})"),
             Catch::Contains("host"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":1,"raft_port":2},
                                      {"id":1,"host":"b","client_port":1,"raft_port":2}]})"),
             Catch::Contains("appears twice"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":1,"raft_port":2},
                                      {"id":2,"host":"a","client_port":2,"raft_port":3}]})"),
             Catch::Contains("used twice"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":1,"raft_port":2}],
                          "timing":{"tick_ms":10,"election_ticks":3,"heartbeat_ticks":3}})"),
             Catch::Contains("heartbeat_ticks"));
  CHECK_THAT(error_of(R"({"replicas":[{"id":1,"host":"a","client_port":1,"raft_port":2,"x":1}]})"),
             Catch::Contains("unknown key \"x\""));
}

TEST_CASE("platform: an unreadable cluster file is refused clearly", "[platform][config]") {
  auto missing = ClusterConfig::load("/nonexistent/cluster.json");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == "config_unreadable");
  CHECK_THAT(missing.error().message, Catch::Contains("/nonexistent/cluster.json"));
  auto directory = ClusterConfig::load(std::filesystem::temp_directory_path());
  REQUIRE_FALSE(directory.has_value());
  CHECK(directory.error().code == "config_unreadable");
}

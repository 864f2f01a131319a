// Tests of the cluster's credentials: what `replica init-certs` creates (files, modes, names,
// reruns that add a replica), what it refuses to overwrite, and the name a member's
// certificate carries.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auction/platform/cluster_credentials.hpp"
#include "auction/raft/member_certificate.hpp"
#include "unit/raft/file_storage_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using auction::platform::ClusterConfig;
using auction::platform::create_cluster_credentials;
using auction::platform::load_replica_credentials;
using auction::raft::NodeId;
using auction::test::TempDir;
namespace code = auction::code;

ClusterConfig cluster_of(std::size_t size, const fs::path& certs) {
  std::string text = R"({"replicas": [)";
  for (std::size_t id = 1; id <= size; ++id) {
    text += (id > 1 ? "," : "") + std::string(R"({"id": )") + std::to_string(id) +
            R"(, "host": "10.0.0.)" + std::to_string(id) + R"(", "client_port": 7100,)" +
            R"( "raft_port": 7200})";
  }
  text += R"(], "tls": {"dir": ")" + certs.string() + R"("}})";
  auto config = ClusterConfig::parse(text);
  REQUIRE(config.has_value());
  return *config;
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("platform: init-certs creates a CA and a private certificate and key per replica",
          "[platform][credentials]") {
  TempDir dir;
  const fs::path certs = dir / "certs";
  const auto created = create_cluster_credentials(cluster_of(3, certs), certs);
  REQUIRE(created.has_value());
  CHECK(created->created_ca);
  CHECK(created->created_ids == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(mode_of(certs) == 0700);
  for (const char* file : {"ca.crt", "ca.key", "replica-1.crt", "replica-1.key", "replica-2.crt",
                           "replica-2.key", "replica-3.crt", "replica-3.key"}) {
    INFO(file);
    CHECK(mode_of(certs / file) == 0600);
  }
  // Each replica's credentials load and check out as its own.
  for (std::uint64_t id = 1; id <= 3; ++id) {
    auto loaded = load_replica_credentials(cluster_of(3, certs), id);
    REQUIRE(loaded.has_value());
    CHECK(auction::platform::check_replica_credentials(*loaded, id).has_value());
    auto as_other = auction::platform::check_replica_credentials(*loaded, id % 3 + 1);
    REQUIRE_FALSE(as_other.has_value());
    CHECK(as_other.error().code == code::credentials_invalid);
  }

  SECTION("run again after adding a replica: only the new one is issued, by the same CA") {
    const std::string ca_before = read(certs / "ca.crt");
    const std::string key_before = read(certs / "replica-1.key");
    const auto again = create_cluster_credentials(cluster_of(4, certs), certs);
    REQUIRE(again.has_value());
    CHECK_FALSE(again->created_ca);
    CHECK(again->created_ids == std::vector<std::uint64_t>{4});
    CHECK(again->kept_ids == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(read(certs / "ca.crt") == ca_before);
    CHECK(read(certs / "replica-1.key") == key_before);
    CHECK(load_replica_credentials(cluster_of(4, certs), 4).has_value());
  }
  SECTION("a certificate without its key is refused, nothing is overwritten") {
    fs::remove(certs / "replica-2.key");
    const std::string certificate_before = read(certs / "replica-2.crt");
    const auto again = create_cluster_credentials(cluster_of(3, certs), certs);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == code::credentials_exist);
    CHECK_THAT(again.error().message, Catch::Contains("replica-2.crt exists without its key"));
    CHECK(read(certs / "replica-2.crt") == certificate_before);
  }
  SECTION("a CA certificate without the CA key cannot issue") {
    fs::remove(certs / "ca.key");
    const auto again = create_cluster_credentials(cluster_of(4, certs), certs);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == code::credentials_exist);
    CHECK_FALSE(fs::exists(certs / "replica-4.crt"));
  }
}

TEST_CASE("platform: init-certs refuses a directory other users can write",
          "[platform][credentials]") {
  TempDir dir;
  const fs::path certs = dir / "certs";
  fs::create_directory(certs);
  fs::permissions(certs, fs::perms::all);
  const auto created = create_cluster_credentials(cluster_of(1, certs), certs);
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error().code == code::storage_unsafe);
  CHECK(fs::is_empty(certs));
}

TEST_CASE("raft: a member's certificate name is replica-<id>, and nothing else parses",
          "[raft][credentials]") {
  CHECK(auction::raft::member_certificate_name(NodeId{7}) == "replica-7");
  CHECK(auction::raft::member_of_certificate_name("replica-7") == NodeId{7});
  CHECK(auction::raft::member_of_certificate_name("replica-18446744073709551615") ==
        std::nullopt);  // 20 digits
  CHECK(auction::raft::member_of_certificate_name("replica-9999999999999999999") ==
        NodeId{9999999999999999999ULL});
  for (const char* bad : {"", "replica-", "replica-0", "replica-07", "replica-+7", "replica-7 ",
                          "replica-7x", "Replica-7", "replica 7", "node-7", "replica--7"}) {
    INFO(bad);
    CHECK(auction::raft::member_of_certificate_name(bad) == std::nullopt);
  }
}

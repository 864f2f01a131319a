// Tests of platform::Replica: a replica assembled by the library, opened from a cluster file,
// serving the platform ops once started, recovering its log when opened again, and every
// refusal of open() and start() as a value with the line the `replica` executable prints.
// Single-replica clusters on free loopback ports, in temp dirs.
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "auction/platform/replica.hpp"
#include "unit/raft/file_storage_test_support.hpp"
#include "unit/wire/loopback.hpp"

namespace {

using namespace auction::test;
using auction::platform::ClusterConfig;
using auction::platform::Replica;
using auction::platform::ReplicaOptions;
using auction::test::TempDir;
namespace code = auction::code;

// A loopback port nobody listened on a moment ago.
std::uint16_t free_port(asio::io_context& io) {
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// Writes a cluster file of one replica (id 1) on free ports, and its credentials into
// certs/ beside it; returns it parsed.
ClusterConfig write_cluster_file(asio::io_context& io, const std::filesystem::path& file) {
  const auto certs = file.parent_path() / "certs";
  const Json text{{"replicas", Json::array({{{"id", 1},
                                             {"host", "127.0.0.1"},
                                             {"client_port", free_port(io)},
                                             {"raft_port", free_port(io)}}})},
                  {"timing", {{"tick_ms", 10}, {"election_ticks", 10}, {"heartbeat_ticks", 2}}},
                  {"tls", {{"dir", certs.string()}}}};
  std::ofstream(file) << text.dump(2) << "\n";
  auto config = ClusterConfig::parse(text.dump());
  REQUIRE(config.has_value());
  REQUIRE(auction::platform::create_cluster_credentials(*config, certs).has_value());
  return *config;
}

ReplicaOptions options_in(const TempDir& dir, const std::string& data = "data") {
  ReplicaOptions options;
  options.id = 1;
  options.data_dir = dir / data;
  return options;
}

// Built outside the coroutines: g++ 12 miscompiles braced lists inside a coroutine body.
const Json login_fields{{"username", "alice"}, {"address", "127.0.0.1:9001"}};
const Json lookup_fields{{"username", "alice"}};

// create_auction's fields for alice's auction called `name`.
Json create_fields(const std::string& name) {
  return {{"seller", "alice"},      {"auction_name", name}, {"item_name", "lamp"},
          {"item_description", ""}, {"base_price", 1000},   {"increment", 100},
          {"period_ms", 1000}};
}

}  // namespace

TEST_CASE(
    "platform: a replica opened from a cluster file serves writes and reads once "
    "started, and recovers them when opened again",
    "[platform][replica]") {
  TempDir dir;
  asio::io_context ports_io;
  const ClusterConfig config = write_cluster_file(ports_io, dir / "cluster.json");
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto opened = Replica::open(dir / "cluster.json", options_in(dir), ex);
    REQUIRE(opened.has_value());
    Replica& replica = **opened;
    CHECK(replica.id() == 1);
    CHECK(replica.listen_address() == "127.0.0.1");
    CHECK(replica.recovered().last_index == auction::raft::LogIndex{0});
    CHECK(replica.ports().client == 0);  // nothing bound before start()
    auto ports = replica.start();
    REQUIRE(ports.has_value());
    CHECK(ports->client == config.replicas[0].client_port);
    CHECK(ports->raft == config.replicas[0].raft_port);

    auction::platform::Client client(ex, auction::platform::client_options_from(config));
    auto login = co_await client.async_call("login", login_fields);
    REQUIRE(login.has_value());
    CHECK(login->at("created") == true);
    auto where = co_await client.async_call("get_user_address", lookup_fields);
    REQUIRE(where.has_value());
    CHECK(where->at("address") == "127.0.0.1:9001");
    client.close();
    replica.stop();
  });

  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto opened = Replica::open(config, options_in(dir), ex);
    REQUIRE(opened.has_value());
    Replica& replica = **opened;
    // The leader's no-op entry and the login.
    CHECK(replica.recovered().last_index >= auction::raft::LogIndex{2});
    REQUIRE(replica.start().has_value());
    auction::platform::Client client(ex, auction::platform::client_options_from(config));
    auto where = co_await client.async_call("get_user_address", lookup_fields);
    REQUIRE(where.has_value());
    CHECK(where->at("address") == "127.0.0.1:9001");
    client.close();
    replica.stop();
  });
}

TEST_CASE(
    "platform: a replica refuses a new auction whose name holds a control character, and "
    "nothing changes",
    "[platform][replica]") {
  TempDir dir;
  asio::io_context ports_io;
  const ClusterConfig config = write_cluster_file(ports_io, dir / "cluster.json");
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto opened = Replica::open(config, options_in(dir), ex);
    REQUIRE(opened.has_value());
    Replica& replica = **opened;
    REQUIRE(replica.start().has_value());
    auction::platform::Client client(ex, auction::platform::client_options_from(config));
    REQUIRE((co_await client.async_call("login", login_fields)).has_value());

    auto escape = co_await client.async_call("create_auction", create_fields("x\x1b[2J"));
    REQUIRE_FALSE(escape.has_value());
    CHECK(escape.error().code == code::invalid_argument);
    CHECK(escape.error().message ==
          "auction_name: must not hold U+001B (no control or bidirectional formatting "
          "characters)");
    auto newline = co_await client.async_call("create_auction", create_fields("a\nb"));
    REQUIRE_FALSE(newline.has_value());
    CHECK_THAT(newline.error().message, Catch::StartsWith("auction_name: must not hold U+000A"));

    auto page = co_await client.async_call("fetch_auctions", lookup_fields);
    REQUIRE(page.has_value());
    CHECK(page->at("auctions").empty());
    // Nothing was proposed for them: the next auction is still the first.
    auto created = co_await client.async_call("create_auction", create_fields("spring sale"));
    REQUIRE(created.has_value());
    CHECK(created->at("auction_id") == 1);
    client.close();
    replica.stop();
  });
}

TEST_CASE(
    "platform: a replica refuses to open with an unreadable cluster file or an id it "
    "does not list",
    "[platform][replica]") {
  TempDir dir;
  asio::io_context io;
  const ClusterConfig config = write_cluster_file(io, dir / "cluster.json");
  const auto file = (dir / "cluster.json").string();

  ReplicaOptions stranger = options_in(dir);
  stranger.id = 9;
  auto unknown = Replica::open(dir / "cluster.json", stranger, io.get_executor());
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == code::config_invalid);
  CHECK(unknown.error().message == "id 9 is not in " + file + " (ids there: 1)");
  auto unknown_parsed = Replica::open(config, stranger, io.get_executor());
  REQUIRE_FALSE(unknown_parsed.has_value());
  CHECK(unknown_parsed.error().message == "id 9 is not in the cluster (ids there: 1)");

  auto missing = Replica::open(dir / "missing.json", options_in(dir), io.get_executor());
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == code::config_unreadable);
  CHECK_THAT(missing.error().message,
             Catch::StartsWith("config " + (dir / "missing.json").string() + ": "));
  CHECK_FALSE(std::filesystem::exists(dir / "data"));  // refused before touching the data dir
}

TEST_CASE("platform: a replica refuses a data dir another replica holds, saying what to do",
          "[platform][replica]") {
  TempDir dir;
  asio::io_context io;
  const ClusterConfig config = write_cluster_file(io, dir / "cluster.json");
  auto first = Replica::open(config, options_in(dir), io.get_executor());
  REQUIRE(first.has_value());
  auto second = Replica::open(config, options_in(dir), io.get_executor());
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == code::storage_locked);
  CHECK_THAT(second.error().message, Catch::EndsWith("; stop that process first"));
}

TEST_CASE("platform: a replica refuses a data dir whose term is beyond the bound, naming it",
          "[platform][replica]") {
  // What an older replica persisted after adopting a forged heartbeat's term of 2^62: it
  // would run but could never campaign, so it does not start.
  TempDir dir;
  asio::io_context io;
  const ClusterConfig config = write_cluster_file(io, dir / "cluster.json");
  open_ok(dir / "data")->set_hard_state(HardState{Term{std::uint64_t{1} << 62}, {}, false, {}});
  auto refused = Replica::open(config, options_in(dir), io.get_executor());
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == code::storage_corrupt);
  CHECK_THAT(refused.error().message,
             Catch::Contains((dir / "data").string() + ": the term 4611686018427387904 is "
                                                       "beyond the bound 2^48"));
}

TEST_CASE("platform: a replica whose ports are taken refuses to start and leaves nothing bound",
          "[platform][replica]") {
  TempDir dir;
  asio::io_context io;
  const ClusterConfig config = write_cluster_file(io, dir / "cluster.json");
  const auto& ports = config.replicas[0];
  const auto loopback = asio::ip::make_address("127.0.0.1");

  SECTION("the raft port") {
    tcp::acceptor holder(io, {loopback, ports.raft_port});
    auto replica = Replica::open(config, options_in(dir), io.get_executor());
    REQUIRE(replica.has_value());
    auto started = (*replica)->start();
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error().code == code::address_in_use);
    CHECK_THAT(started.error().message, Catch::StartsWith("raft port: ") &&
                                            Catch::EndsWith(" (is another replica running?)"));
    tcp::acceptor client_port(io, {loopback, ports.client_port});  // throws if still bound
  }
  SECTION("the client port") {
    tcp::acceptor holder(io, {loopback, ports.client_port});
    auto replica = Replica::open(config, options_in(dir), io.get_executor());
    REQUIRE(replica.has_value());
    auto started = (*replica)->start();
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error().code == code::address_in_use);
    CHECK_THAT(started.error().message, Catch::StartsWith("client port: ") &&
                                            Catch::EndsWith(" (is another replica running?)"));
    tcp::acceptor raft_port(io, {loopback, ports.raft_port});  // throws if still bound
  }
}

TEST_CASE("platform: a replica refuses to open without credentials that are its own and private",
          "[platform][replica]") {
  TempDir dir;
  asio::io_context io;
  ClusterConfig config = write_cluster_file(io, dir / "cluster.json");
  const auto certs = dir / "certs";
  const auto refusal = [&](const ClusterConfig& cluster) {
    auto opened = Replica::open(cluster, options_in(dir), io.get_executor());
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == code::credentials_invalid);
    CHECK_FALSE(std::filesystem::exists(dir / "data"));  // refused before the data dir
    return opened.error().message;
  };

  SECTION("no tls section") {
    config.tls.reset();
    CHECK_THAT(refusal(config),
               Catch::Contains("no \"tls\" section") && Catch::Contains("replica init-certs"));
  }
  SECTION("a missing key") {
    std::filesystem::remove(certs / "replica-1.key");
    CHECK_THAT(refusal(config), Catch::Contains("replica-1.key does not exist"));
  }
  SECTION("a key other users can read") {
    std::filesystem::permissions(certs / "replica-1.key", std::filesystem::perms::group_read,
                                 std::filesystem::perm_options::add);
    CHECK_THAT(refusal(config),
               Catch::Contains("other users can read the key") && Catch::Contains("chmod 600"));
  }
  SECTION("another replica's certificate") {
    ClusterConfig two = config;
    two.replicas.push_back(config.replicas[0]);
    two.replicas[1].id = 2;
    REQUIRE(auction::platform::create_cluster_credentials(two, certs).has_value());
    std::filesystem::rename(certs / "replica-2.crt", certs / "replica-1.crt");
    std::filesystem::rename(certs / "replica-2.key", certs / "replica-1.key");
    CHECK_THAT(refusal(config), Catch::Contains("names replica-2, not replica-1"));
  }
  SECTION("a certificate of another CA") {
    const auto stranger = auction::platform::make_memory_credentials({1});
    std::filesystem::remove(certs / "ca.crt");
    std::ofstream(certs / "ca.crt") << stranger.ca_certificate_pem;
    CHECK_THAT(refusal(config), Catch::Contains("does not verify against the CA file"));
  }
}

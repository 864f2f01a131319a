// Tests of platform::Replica: a replica assembled by the library, opened from a cluster file,
// serving the platform ops once started, recovering its log when opened again, and every
// refusal of open() and start() as a value with the line the `replica` executable prints.
// Single-replica clusters on free loopback ports, in temp dirs.
#include <catch2/catch.hpp>

#include "auction/market/chain_check.hpp"
#include "unit/loopback_port.hpp"

#include <fstream>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "auction/identity/signing.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "auction/platform/replica.hpp"
#include "platform/user_proofs.hpp"
#include "support/test_keys.hpp"
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

// Writes a cluster file of one replica (id 1) on free ports, with `limits` when not null and
// a plain client port when asked (for raw lines), and its credentials into certs/ beside
// it; returns it parsed.
ClusterConfig write_cluster_file(const std::filesystem::path& file, const Json& limits = nullptr,
                                 bool is_client_port_plain = false) {
  const auto certs = file.parent_path() / "certs";
  Json text{{"replicas", Json::array({{{"id", 1},
                                       {"host", "127.0.0.1"},
                                       {"client_port", auction::test::fresh_loopback_port()},
                                       {"raft_port", auction::test::fresh_loopback_port()}}})},
            {"timing", {{"tick_ms", 10}, {"election_ticks", 10}, {"heartbeat_ticks", 2}}},
            {"tls", {{"dir", certs.string()}}}};
  if (is_client_port_plain) text["tls"]["client_port"] = "plain";
  if (!limits.is_null()) text["limits"] = limits;
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
  options.chain_check = auction::market::check_chain_claim;
  return options;
}

// Built outside the coroutines: g++ 12 miscompiles braced lists inside a coroutine body.
const Json login_fields{{"username", "alice"},
                        {"address", "127.0.0.1:9001"},
                        {"public_key", auction::test::test_public_key("alice")}};

// A platform client that acts as alice (test keys) on the cluster of `config`.
auction::platform::ClientOptions alice_options(const ClusterConfig& config) {
  auto options = auction::platform::client_options_from(config);
  options.user = auction::test::test_user("alice");
  return options;
}
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
  const ClusterConfig config = write_cluster_file(dir / "cluster.json");
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

    auction::platform::Client client(ex, alice_options(config));
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
    auction::platform::Client client(ex, alice_options(config));
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
  const ClusterConfig config = write_cluster_file(dir / "cluster.json");
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto opened = Replica::open(config, options_in(dir), ex);
    REQUIRE(opened.has_value());
    Replica& replica = **opened;
    REQUIRE(replica.start().has_value());
    auction::platform::Client client(ex, alice_options(config));
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
  const ClusterConfig config = write_cluster_file(dir / "cluster.json");
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
  const ClusterConfig config = write_cluster_file(dir / "cluster.json");
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
  const ClusterConfig config = write_cluster_file(dir / "cluster.json");
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
  const ClusterConfig config = write_cluster_file(dir / "cluster.json");
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
  ClusterConfig config = write_cluster_file(dir / "cluster.json");
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

namespace {

// Sends one request line (a newline is added) and returns the parsed answer.
asio::awaitable<Json> ask(RawPeer& peer, const std::string& line) {
  co_return co_await peer.async_ask(line + "\n");
}

// Proves `user`'s test key on `peer` (auth_challenge, then authenticate, over plain TCP) and
// returns authenticate's answer.
asio::awaitable<Json> async_prove(RawPeer& peer, const ClusterConfig& config,
                                  const std::string& user) {
  const Json challenge = co_await ask(peer, R"({"id":"c","op":"auth_challenge"})");
  const auto keys = auction::test::test_keys(user);
  const std::string key = keys->public_key().to_text();
  const std::string scope = auction::platform::connection_proof_scope(
      *auction::platform::load_cluster_id(config.tls->dir), "");
  const auction::identity::Signature signature = auction::identity::sign(
      *keys,
      auction::identity::SigningContext{auction::identity::SigningPurpose::connection_auth, scope},
      auction::platform::connection_proof_message(
          challenge.at("result").at("challenge").get<std::string>(), user, key));
  const Json request{{"id", "p"},
                     {"op", "authenticate"},
                     {"username", user},
                     {"public_key", key},
                     {"signature", signature.to_text()}};
  co_return co_await ask(peer, request.dump());
}

// The leader's `status` over a raw connection.
asio::awaitable<std::uint64_t> async_last_index(RawPeer& peer) {
  const Json status = co_await ask(peer, R"({"id":"s","op":"status"})");
  co_return status.at("result").at("last_index").get<std::uint64_t>();
}

const std::string start_line =
    R"({"id":%ID%,"op":"start_auction","seller":"alice","auction_id":1,"client_id":"alice-s","seq":%SEQ%})";

std::string with(std::string line, int id, int seq) {
  line.replace(line.find("%ID%"), 4, std::to_string(id));
  line.replace(line.find("%SEQ%"), 5, std::to_string(seq));
  return line;
}

}  // namespace

TEST_CASE(
    "platform: writes the leader's state refuses are answered without entering the log and "
    "a session's retry still gets its saved answer",
    "[platform][replica][check]") {
  TempDir dir;
  const ClusterConfig config =
      write_cluster_file(dir / "cluster.json", nullptr, /*is_client_port_plain=*/true);
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto opened = Replica::open(config, options_in(dir), ex);
    REQUIRE(opened.has_value());
    Replica& replica = **opened;
    REQUIRE(replica.start().has_value());
    {
      // The client waits out the election.
      auction::platform::Client client(ex, alice_options(config));
      REQUIRE((co_await client.async_call("login", login_fields)).has_value());
      client.close();
    }
    RawPeer peer = co_await RawPeer::async_connect(replica.ports().client);
    RawPeer bob_peer = co_await RawPeer::async_connect(replica.ports().client);
    REQUIRE((co_await async_prove(peer, config, "alice")).at("ok") == true);
    REQUIRE((co_await async_prove(bob_peer, config, "bob")).at("ok") == true);
    const Json bob_login{{"id", 1},
                         {"op", "login"},
                         {"username", "bob"},
                         {"address", "127.0.0.1:9002"},
                         {"public_key", auction::test::test_public_key("bob")}};
    REQUIRE((co_await ask(bob_peer, bob_login.dump())).at("ok") == true);
    REQUIRE(
        (co_await ask(
             peer,
             R"({"id":2,"op":"create_auction","seller":"alice","auction_name":"a","item_name":"b","item_description":"","base_price":100,"increment":10,"period_ms":1000})"))
            .at("ok") == true);
    REQUIRE(
        (co_await ask(bob_peer, R"({"id":3,"op":"join_auction","username":"bob","auction_id":1})"))
            .at("ok") == true);

    const std::uint64_t before_flood = co_await async_last_index(peer);
    for (int i = 0; i < 200; ++i) {
      const Json answer = co_await ask(
          peer,
          R"({"id":10,"op":"update_auction","seller":"alice","auction_id":99,"round_id":1,"current_price":110,"links":[]})");
      REQUIRE(answer.at("ok") == false);
      REQUIRE(answer.at("error").at("code") == "unknown_auction");
    }
    const Json not_owner =
        co_await ask(bob_peer, R"({"id":11,"op":"cancel_auction","seller":"bob","auction_id":1})");
    CHECK(not_owner.at("error").at("code") == "not_owner");
    CHECK(co_await async_last_index(peer) == before_flood);
    bob_peer.close();

    // Exactly once: the start is applied; its retry gets the saved answer, although the
    // state now refuses a fresh start of the same auction (wrong_stage).
    const Json started = co_await ask(peer, with(start_line, 20, 1));
    REQUIRE(started.at("ok") == true);
    const Json retried = co_await ask(peer, with(start_line, 21, 1));
    CHECK(retried.at("ok") == true);
    CHECK(retried.at("result") == started.at("result"));
    const std::uint64_t after_retry = co_await async_last_index(peer);
    const Json next = co_await ask(peer, with(start_line, 22, 2));
    CHECK(next.at("error").at("code") == "wrong_stage");
    const Json again = co_await ask(peer, with(start_line, 23, 1));
    CHECK(again.at("result") == started.at("result"));
    CHECK(co_await async_last_index(peer) == after_retry + 1);  // only the replay of seq 1
    peer.close();
    replica.stop();
  });
}

TEST_CASE(
    "platform: one source cannot take the client port: connections beyond its share "
    "registrations and writes beyond its rate are refused while others are served",
    "[platform][replica][limits]") {
  TempDir dir;
  const Json limits{
      {"connections_per_address_max", 3}, {"idle_timeout_ms", 300}, {"registrations_per_s", 1},
      {"registrations_burst", 5},         {"writes_per_s", 1},      {"writes_burst", 20}};
  const ClusterConfig config =
      write_cluster_file(dir / "cluster.json", limits, /*is_client_port_plain=*/true);
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto opened = Replica::open(config, options_in(dir), ex);
    REQUIRE(opened.has_value());
    Replica& replica = **opened;
    REQUIRE(replica.start().has_value());
    const std::uint16_t port = replica.ports().client;
    auction::platform::Client user(ex, alice_options(config));
    REQUIRE((co_await user.async_call("login", login_fields)).has_value());  // waits for a leader

    // Registrations: a flood from 127.0.0.2 gets its burst, then rate_limited and when
    // to retry; nothing of a refused one happened.
    RawPeer flooder = co_await RawPeer::async_connect(port, "127.0.0.2");
    int registered = 0;
    Json limited;
    for (int i = 0; i < 40 && limited.is_null(); ++i) {
      // One connection proves one name after another: the last proof counts.
      const std::string name = "f" + std::to_string(i);
      const Json proven = co_await async_prove(flooder, config, name);
      REQUIRE(proven.at("ok") == true);
      const Json login{{"id", 1},
                       {"op", "login"},
                       {"username", name},
                       {"address", "127.0.0.1:9"},
                       {"public_key", auction::test::test_public_key(name)}};
      const Json answer = co_await ask(flooder, login.dump());
      if (answer.at("ok") == true) {
        ++registered;
      } else {
        limited = answer;
      }
    }
    REQUIRE_FALSE(limited.is_null());
    CHECK(registered >= 5);
    CHECK(limited.at("error").at("code") == "rate_limited");
    CHECK(limited.at("error").at("retry_after_ms").get<std::int64_t>() >= 1);
    const Json lookup = co_await ask(flooder, R"({"id":2,"op":"get_user_address","username":"f)" +
                                                  std::to_string(registered) + R"("})");
    CHECK(lookup.at("error").at("code") == "unknown_user");
    // A user from another source registers as usual.
    auto bob_options = auction::platform::client_options_from(config);
    bob_options.user = auction::test::test_user("bob");
    auction::platform::Client bob_client(ex, std::move(bob_options));
    const Json bob{{"username", "bob"},
                   {"address", "127.0.0.1:9002"},
                   {"public_key", auction::test::test_public_key("bob")}};
    auto bob_in = co_await bob_client.async_call("login", bob);
    REQUIRE(bob_in.has_value());
    CHECK(bob_in->at("created") == true);

    // Writes: refused or not, each takes a token of its source.
    RawPeer writer = co_await RawPeer::async_connect(port, "127.0.0.3");
    const Json writer_proven = co_await async_prove(writer, config, "writer");
    REQUIRE(writer_proven.at("ok") == true);
    std::string write_code;
    for (int i = 0; i < 60 && write_code != "rate_limited"; ++i) {
      const Json answer = co_await ask(
          writer, R"({"id":3,"op":"cancel_auction","seller":"writer","auction_id":1})");
      write_code = answer.at("error").at("code").get<std::string>();
    }
    CHECK(write_code == "rate_limited");
    bob_client.close();

    // Connections: 127.0.0.4 holds its three; the fourth is refused with the reason.
    std::vector<RawPeer> held;
    for (int i = 0; i < 3; ++i) {
      // A named peer, then moved: g++ 12 may destroy a co_await temporary twice.
      RawPeer peer = co_await RawPeer::async_connect(port, "127.0.0.4");
      held.push_back(std::move(peer));
    }
    for (auto& peer : held) CHECK((co_await ask(peer, R"({"id":4,"op":"ping"})")).at("ok") == true);
    RawPeer refused = co_await RawPeer::async_connect(port, "127.0.0.4");
    const Json refusal = co_await refused.async_read_json();
    CHECK(refusal.at("id").is_null());
    CHECK(refusal.at("error").at("code") == "too_many_connections");
    auto where = co_await user.async_call("get_user_address", lookup_fields);
    CHECK(where.has_value());

    // Idle: the held connections that send nothing get idle_timeout, then the close.
    for (auto& peer : held) {
      const Json closing = co_await peer.async_read_json();
      CHECK(closing.at("error").at("code") == "idle_timeout");
      const bool is_closed = co_await peer.async_is_closed_by_peer();
      CHECK(is_closed);
    }
    user.close();
    replica.stop();
  });
}

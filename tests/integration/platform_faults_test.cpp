// The replicated platform under real faults, seen by its clients: kill -9 of the leader while
// clients write, a minority and then a majority of a 5-replica cluster down, every replica
// killed during a stream of acknowledged writes, and a replica restarted on a torn WAL tail.
// Writers are platform::Clients on one io_context; the test reacts to their acknowledgements
// (events), and never asserts how long anything took: the pause a failover causes is printed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "auction/platform/client.hpp"
#include "integration/cluster.hpp"
#include "support/test_keys.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using auction::platform::Client;
using auction::platform::ClientOptions;
using auction::test::Cluster;
using auction::test::cluster_wait_max;
using auction::test::PlatformUser;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Ack {
  std::string username;
  std::string address;
  Clock::time_point at;
};

// Logins written by several clients at once. Each acknowledged login is recorded, then
// `on_ack` sees the whole list; a writer stops at its first failure, or once `is_stopping`.
struct WriteStream {
  std::vector<Ack> acks;
  std::vector<auction::Error> failures;
  std::function<void(const std::vector<Ack>&)> on_ack;
  bool is_stopping = false;
  int writers_running = 0;
};

json login_fields(const std::string& username, const std::string& address) {
  return {{"username", username},
          {"address", address},
          {"public_key", auction::test::test_public_key(username)}};
}

// Each login registers a new user, so each is sent by a client of its own that proves that
// user's key, the way each user's own program would.
asio::awaitable<void> async_write_logins(ClientOptions options, std::string who,
                                         WriteStream& stream) {
  const auto executor = co_await asio::this_coro::executor;
  for (int n = 0; !stream.is_stopping; ++n) {
    const std::string username = who + "_" + std::to_string(n);
    const std::string address = "127.0.0.1:" + std::to_string(1000 + n);
    options.user = auction::test::test_user(username);
    Client client(executor, options);
    auto result = co_await client.async_call("login", login_fields(username, address));
    client.close();
    if (!result) {
      stream.failures.push_back(result.error());
      break;
    }
    stream.acks.push_back(Ack{username, address, Clock::now()});
    stream.on_ack(stream.acks);
  }
  --stream.writers_running;
}

// Runs `writers` clients writing logins until every one of them has stopped.
void run_writers(const ClientOptions& options, int writers, WriteStream& stream) {
  asio::io_context io;
  for (int i = 0; i < writers; ++i) {
    ++stream.writers_running;
    asio::co_spawn(io, async_write_logins(options, "w" + std::to_string(i), stream),
                   [&](std::exception_ptr escaped) {
                     if (escaped) std::rethrow_exception(escaped);
                     if (stream.writers_running == 0) io.stop();
                   });
  }
  io.run_for(cluster_wait_max * 3);
  REQUIRE(stream.writers_running == 0);
}

// Every acknowledged login can be read back from the cluster's leader.
void check_every_ack_is_there(Cluster& cluster, const std::vector<Ack>& acks) {
  PlatformUser reader(cluster.client_options());
  for (const Ack& ack : acks) {
    auto where = reader.call("get_user_address", json{{"username", ack.username}});
    INFO(ack.username << ": " << (where ? where->dump() : where.error().message));
    REQUIRE(where.has_value());
    CHECK((*where)["address"] == ack.address);
  }
}

std::filesystem::path newest_segment(const std::filesystem::path& data_dir) {
  std::filesystem::path newest;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("log-") && name.ends_with(".wal") &&
        (newest.empty() || name > newest.filename().string())) {
      newest = entry.path();
    }
  }
  return newest;
}

// The longest time without an acknowledged write among acks[from...], counted from `since`.
Clock::duration longest_gap(const std::vector<Ack>& acks, std::size_t from,
                            Clock::time_point since) {
  Clock::duration gap{0};
  Clock::time_point previous = since;
  for (std::size_t i = from; i < acks.size(); ++i) {
    gap = std::max(gap, acks[i].at - previous);
    previous = std::max(previous, acks[i].at);
  }
  return gap;
}

std::uint64_t status_field(Cluster& cluster, std::uint64_t id, const char* field) {
  auto status = cluster.status(id);
  return status ? (*status)[field].get<std::uint64_t>() : 0;
}

}  // namespace

TEST_CASE(
    "integration: a leader stopped with SIGTERM hands leadership over first -- writes go on "
    "at a leader of the very next term and none is lost",
    "[integration][platform][faults]") {
  Cluster cluster(3);
  cluster.start_all();
  const std::uint64_t old_leader = cluster.wait_for_leader();
  const std::uint64_t old_term = status_field(cluster, old_leader, "term");
  REQUIRE(old_term > 0);

  WriteStream stream;
  Clock::time_point stopped_at;
  std::size_t acks_at_stop = 0;
  stream.on_ack = [&](const std::vector<Ack>& acks) {
    if (acks_at_stop == 0 && acks.size() == 20) {
      stopped_at = Clock::now();
      cluster.stop(old_leader);  // SIGTERM; it must exit 0
      acks_at_stop = acks.size();
    } else if (acks_at_stop != 0 && acks.size() >= acks_at_stop + 30) {
      stream.is_stopping = true;
    }
  };
  run_writers(cluster.client_options(), 3, stream);
  INFO(cluster.logs());
  for (const auto& failure : stream.failures) INFO(failure.code << ": " << failure.message);
  CHECK(stream.failures.empty());
  REQUIRE(stream.acks.size() >= acks_at_stop + 30);
  CHECK_THAT(cluster.logs(),
             Catch::Contains("replica " + std::to_string(old_leader) + ": handed leadership over"));

  const std::uint64_t new_leader = cluster.wait_for_leader();
  CHECK(new_leader != old_leader);
  // Handed over, not elected after a timeout: no pre-vote round, no second try.
  CHECK(status_field(cluster, new_leader, "term") == old_term + 1);
  const Clock::duration gap = longest_gap(stream.acks, acks_at_stop, stopped_at);
  std::cout << "leader " << old_leader << " stopped with SIGTERM: handed over to " << new_leader
            << "; writes paused at most "
            << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count()
            << " ms from the signal on (tick 10 ms, election 20 ticks)" << std::endl;
  check_every_ack_is_there(cluster, stream.acks);
  cluster.stop_all();
}

TEST_CASE("integration: after kill -9 of the leader, clients' writes go on on a new leader",
          "[integration][platform][faults]") {
  Cluster cluster(3);
  cluster.start_all();
  const std::uint64_t old_leader = cluster.wait_for_leader();

  WriteStream stream;
  Clock::time_point killed_at;
  std::size_t acks_at_kill = 0;
  stream.on_ack = [&](const std::vector<Ack>& acks) {
    if (acks_at_kill == 0 && acks.size() == 20) {
      cluster.kill(old_leader);
      killed_at = Clock::now();
      acks_at_kill = acks.size();
    } else if (acks_at_kill != 0 && acks.size() >= acks_at_kill + 30) {
      stream.is_stopping = true;
    }
  };
  run_writers(cluster.client_options(), 3, stream);
  INFO(cluster.logs());
  for (const auto& failure : stream.failures) INFO(failure.code << ": " << failure.message);
  CHECK(stream.failures.empty());
  REQUIRE(stream.acks.size() >= acks_at_kill + 30);

  const Clock::duration gap = longest_gap(stream.acks, acks_at_kill, killed_at);
  const std::uint64_t new_leader = cluster.wait_for_leader();
  CHECK(new_leader != old_leader);
  std::cout << "leader " << old_leader << " killed: writes paused at most "
            << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count()
            << " ms, then went on on leader " << new_leader << " (tick 10 ms, election 20 ticks)"
            << std::endl;
  check_every_ack_is_there(cluster, stream.acks);
  cluster.stop_all();
}

TEST_CASE(
    "integration: five replicas serve with two down, and refuse writes clearly with "
    "three down",
    "[integration][platform][faults]") {
  Cluster cluster(5, Cluster::ClientPort::plain);  // raw lines below, as with nc
  cluster.start_all();
  const std::uint64_t first_leader = cluster.wait_for_leader();
  const std::uint64_t bystander = first_leader % 5 + 1;
  cluster.kill(first_leader);
  cluster.kill(bystander);

  PlatformUser user(cluster.client_options());
  auto with_two_down = user.call("login", login_fields("ann", "127.0.0.1:7001"));
  INFO(cluster.logs());
  REQUIRE(with_two_down.has_value());

  const std::uint64_t second_leader = cluster.wait_for_leader();
  cluster.kill(second_leader);

  ClientOptions impatient = cluster.client_options();
  impatient.deadline = 1500ms;
  PlatformUser refused_user(impatient);
  auto with_three_down = refused_user.call("login", login_fields("bob", "127.0.0.1:7002"));
  REQUIRE_FALSE(with_three_down.has_value());
  CHECK(with_three_down.error().code == "unavailable");
  CHECK_THAT(with_three_down.error().message,
             Catch::StartsWith("no leader answered within 1500 ms"));
  std::cout << "with 3 of 5 replicas down, the client says: " << with_three_down.error().message
            << std::endl;
  for (std::uint64_t id = 1; id <= 5; ++id) {
    if (!cluster.is_running(id)) continue;
    const json raw = auction::test::ask(
        cluster.client_port(id),
        R"({"id":1,"op":"login","username":"carol","address":"127.0.0.1:7003"})");
    INFO(raw.dump());
    CHECK(raw["ok"] == false);
    const std::string code = raw["error"]["code"];
    CHECK((code == "not_leader" || code == "leadership_lost" || code == "timeout"));
  }

  // A majority again: writes are accepted again.
  cluster.start(bystander);
  auto with_two_back = user.call("login", login_fields("dora", "127.0.0.1:7004"));
  REQUIRE(with_two_back.has_value());
  auto ann = user.call("get_user_address", json{{"username", "ann"}});
  REQUIRE(ann.has_value());
  CHECK((*ann)["address"] == "127.0.0.1:7001");
  cluster.stop_all();
}

TEST_CASE("integration: every acknowledged write survives kill -9 of every replica",
          "[integration][platform][faults]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();

  WriteStream stream;
  stream.on_ack = [&](const std::vector<Ack>& acks) {
    if (!stream.is_stopping && acks.size() == 30) {
      // The other writers have a login in flight now.
      for (std::uint64_t id = 1; id <= cluster.size(); ++id) cluster.kill(id);
      stream.is_stopping = true;
    }
  };
  ClientOptions options = cluster.client_options();
  options.deadline = 1000ms;  // the writes in flight at the crash give up soon
  run_writers(options, 3, stream);
  REQUIRE(stream.acks.size() >= 30);

  cluster.start_all();
  cluster.wait_for_leader();
  INFO(cluster.logs());
  std::cout << "killed every replica with " << stream.acks.size()
            << " logins acknowledged; all of them are there after the restart" << std::endl;
  check_every_ack_is_there(cluster, stream.acks);
  cluster.stop_all();
}

TEST_CASE("integration: a replica restarted on a torn WAL tail cuts it and catches up",
          "[integration][platform][faults]") {
  Cluster cluster(3);
  cluster.start_all();
  const std::uint64_t leader = cluster.wait_for_leader();
  const std::uint64_t torn = leader % 3 + 1;
  PlatformUser user(cluster.client_options());
  for (int i = 0; i < 10; ++i) {
    REQUIRE(user.call("login", login_fields("u" + std::to_string(i), "127.0.0.1:7001")));
  }
  const auto is_caught_up = [&] {
    const std::uint64_t commit = status_field(cluster, leader, "commit");
    return commit > 0 && status_field(cluster, torn, "applied") == commit;
  };
  REQUIRE(auction::test::poll_until(is_caught_up));

  cluster.kill(torn);
  const std::filesystem::path segment = newest_segment(cluster.data_dir(torn));
  REQUIRE_FALSE(segment.empty());
  const auto size = std::filesystem::file_size(segment);
  REQUIRE(size > 16 + 5);
  std::filesystem::resize_file(segment, size - 5);  // the last record loses its last bytes

  cluster.start(torn);
  INFO(cluster.logs());
  CHECK_THAT(cluster.process(torn).output(), Catch::Contains("cut a torn record"));
  for (int i = 10; i < 20; ++i) {
    REQUIRE(user.call("login", login_fields("u" + std::to_string(i), "127.0.0.1:7001")));
  }
  REQUIRE(auction::test::poll_until(is_caught_up));
  CHECK(status_field(cluster, torn, "applied") >= 20);
  cluster.stop_all();
}

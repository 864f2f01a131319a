// Cluster: real `replica` processes on free loopback ports, for the tests that run them
// (integration, auctions end to end, bench smoke), and PlatformUser, a platform::Client that
// a test calls synchronously.
//
// A Cluster is a LocalCluster (support/local_cluster.hpp: the one way every harness starts
// replicas) with fast election timing, whose failures are test failures: each call REQUIREs
// what it needs and attaches every replica's output. Whatever still runs when it is destroyed
// is killed (SIGKILL) and reaped, so a failing test leaves no process behind.
// Threading: one test thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "support/child_process.hpp"
#include "support/local_cluster.hpp"

namespace auction::test {

using nlohmann::json;

// Safety bound of every wait in these tests: it only turns a hang into a failure.
inline constexpr std::chrono::milliseconds cluster_wait_max{20'000};

class Cluster {
 public:
  // How the client port is reached: TLS (a real deployment), or plain TCP ("client_port":
  // "plain" in the cluster file).
  enum class ClientPort { tls, plain };

  // Writes the cluster file of `size` replicas (ids 1..size) with `timing`; starts nothing.
  // The default timing elects within 200..400 ms of silence.
  // `limits`: the cluster file's "limits"; null: loopback_limits() (support/local_cluster.hpp).
  // `snapshots`: its "snapshots"; null: the replicas' defaults.
  explicit Cluster(
      std::size_t size,
      platform::ClusterTiming timing = {.tick_ms = 10, .election_ticks = 20, .heartbeat_ticks = 2},
      json limits = nullptr, ClientPort client_port = ClientPort::tls, json snapshots = nullptr);
  // The same with the default timing and limits: ClientPort::plain for the tests that send
  // raw lines as a person with `nc` would (ask(), LineConnection).
  Cluster(std::size_t size, ClientPort client_port);
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  std::size_t size() const { return replicas_.size(); }
  const platform::ClusterConfig& config() const { return replicas_.config(); }
  const std::filesystem::path& config_path() const { return replicas_.config_path(); }
  std::filesystem::path data_dir(std::uint64_t id) const { return replicas_.data_dir(id); }
  std::uint16_t client_port(std::uint64_t id) const;
  // The cluster's id (tls.dir/cluster-id), which users' proofs are scoped to.
  std::string cluster_id() const;
  // Options for a platform::Client of this cluster (its replicas, default timeouts).
  platform::ClientOptions client_options() const;
  // Replica `id`'s command line after the program, for a test that starts a copy itself.
  std::vector<std::string> replica_arguments(std::uint64_t id) const;

  // Adds replica size() + 1 on free loopback ports to the cluster file and issues its
  // certificate, as an operator does before `replica member add`; it starts with --join.
  // Returns its id. Starts nothing.
  std::uint64_t add_replica();
  // Runs `replica <args>` (an operator's command, e.g. {"member", "list", "--config", ...})
  // to its end; returns its exit code and everything it printed.
  std::pair<int, std::string> run_replica_command(std::vector<std::string> args);

  // Starts replica `id` on its data dir and waits for its ready line. Precondition: not running.
  void start(std::uint64_t id);
  void start_all();
  // SIGKILL and reap: a crash, nothing flushed beyond what the replica already fsynced.
  void kill(std::uint64_t id);
  // SIGTERM; the replica must exit 0.
  void stop(std::uint64_t id);
  void stop_all();
  bool is_running(std::uint64_t id) const { return replicas_.is_running(id); }
  ChildProcess& process(std::uint64_t id);

  // Every replica's output so far, one block per replica: attach it to failures with INFO.
  std::string logs() const { return replicas_.logs(); }

  // `status` of a running replica (with the digest of its state when asked); nullopt when it
  // does not answer.
  std::optional<json> status(std::uint64_t id,
                             LocalCluster::WithDigest digest = LocalCluster::WithDigest::no);

  // Waits until a running replica says it leads and every running replica names it; returns
  // its id. Fails the test after cluster_wait_max.
  std::uint64_t wait_for_leader();

 private:
  LocalCluster replicas_;
};

// Sends one raw line to 127.0.0.1:port and returns the reply line as JSON (fails the test
// when the port does not answer within cluster_wait_max). Plain TCP: a cluster made with
// ClientPort::plain. A login without a "public_key" gets its user's test key; with
// `cluster_id`, the connection first proves the key of the user the line acts for
// (prove_user), as that user's own program would.
json ask(std::uint16_t port, const std::string& line, const std::string& cluster_id = "");

// Polls `condition` (about every 10 ms) until it holds; false after `timeout`. For states that
// print no line when they change, like a follower's applied index.
bool poll_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = cluster_wait_max);

// platform::Clients on one io_context, called synchronously from the test thread, one per
// user: call() sends each request as the user it acts for (its "seller" or "username" field,
// as commands.hpp's acting_user() reads it), with that user's test keys
// (support/test_keys.hpp), the way each user's own program would; a login without a
// "public_key" gets the user's test key. Requests that act for no user (get_user_address,
// status) go through an anonymous client.
class PlatformUser {
 public:
  explicit PlatformUser(platform::ClientOptions options);
  ~PlatformUser();
  PlatformUser(const PlatformUser&) = delete;
  PlatformUser& operator=(const PlatformUser&) = delete;

  Result<json> call(std::string op, json fields);
  Result<json> status(std::size_t replica);
  // From now on, requests acting for `username` prove `keys` instead of its test keys (a
  // user whose program made its own key file).
  void act_as(const std::string& username, std::shared_ptr<const identity::KeyPair> keys);
  // The anonymous client, and the client that acts as `username`.
  platform::Client& client() { return *anonymous_; }
  platform::Client& client(const std::string& username);
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  platform::ClientOptions options_;
  std::unique_ptr<platform::Client> anonymous_;
  std::map<std::string, std::unique_ptr<platform::Client>> users_;
  std::map<std::string, std::shared_ptr<const identity::KeyPair>> keys_;  // act_as()
};

// Proves `username`'s test key on a raw connection to a plain client port (auth_challenge,
// then authenticate, docs/identity.md): the requests after it on `connection` act as that
// user. REQUIREs that the replica accepts the proof.
void prove_user(LineConnection& connection, const std::string& cluster_id,
                const std::string& username);

// The user a request's fields act for ("seller", else "username"); "" for get_user_address
// and requests that name none.
std::string acting_user_of(const std::string& op, const json& fields);

}  // namespace auction::test

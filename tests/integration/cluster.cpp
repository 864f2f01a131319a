// Cluster and PlatformUser: see cluster.hpp.
#include "integration/cluster.hpp"

#include "auction/base/text_rules.hpp"
#include "auction/identity/signing.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "platform/user_proofs.hpp"
#include "support/test_keys.hpp"

#include <catch2/catch.hpp>

#include <thread>

#include <boost/asio/co_spawn.hpp>

namespace auction::test {

using namespace std::chrono_literals;

namespace {

LocalClusterOptions built_replicas(json limits) {
  LocalClusterOptions options;
  options.replica_binary = executable("replica");
  options.limits = std::move(limits);
  return options;
}

}  // namespace

Cluster::Cluster(std::size_t size, platform::ClusterTiming timing, json limits,
                 ClientPort client_port, json snapshots)
    : replicas_(loopback_replicas(size), timing, [&] {
        LocalClusterOptions options = built_replicas(std::move(limits));
        options.is_client_port_plain = client_port == ClientPort::plain;
        options.snapshots = std::move(snapshots);
        return options;
      }()) {}

Cluster::Cluster(std::size_t size, ClientPort client_port)
    : Cluster(size,
              platform::ClusterTiming{.tick_ms = 10, .election_ticks = 20, .heartbeat_ticks = 2},
              nullptr, client_port) {}

std::uint16_t Cluster::client_port(std::uint64_t id) const {
  return config().replicas.at(id - 1).client_port;
}

std::string Cluster::cluster_id() const {
  REQUIRE(config().tls.has_value());
  auto id = platform::load_cluster_id(config().tls->dir);
  REQUIRE(id.has_value());
  return *id;
}

platform::ClientOptions Cluster::client_options() const {
  return platform::client_options_from(config());
}

std::vector<std::string> Cluster::replica_arguments(std::uint64_t id) const {
  std::vector<std::string> command = replicas_.command(id);
  command.erase(command.begin());
  return command;
}

std::uint64_t Cluster::add_replica() {
  const std::uint64_t id = size() + 1;
  replicas_.add_replica(platform::ReplicaAddress{id, "127.0.0.1", free_port(), free_port()});
  return id;
}

std::pair<int, std::string> Cluster::run_replica_command(std::vector<std::string> args) {
  ChildProcess child(executable("replica"), std::move(args));
  const std::optional<int> code = child.wait_exit(cluster_wait_max);
  return {code.value_or(-1), child.output()};
}

void Cluster::start(std::uint64_t id) {
  REQUIRE_FALSE(is_running(id));
  auto started = replicas_.start(id);
  INFO(logs());
  REQUIRE(started.has_value());
  auto ready = replicas_.wait_ready(id, cluster_wait_max);
  INFO((ready ? std::string() : ready.error().message));
  REQUIRE(ready.has_value());
}

void Cluster::start_all() {
  for (std::uint64_t id = 1; id <= size(); ++id) start(id);
}

void Cluster::kill(std::uint64_t id) {
  REQUIRE(is_running(id));
  replicas_.kill(id);
}

void Cluster::stop(std::uint64_t id) {
  REQUIRE(is_running(id));
  const int code = replicas_.stop(id, cluster_wait_max);
  INFO(replicas_.output(id));
  CHECK(code == 0);
}

void Cluster::stop_all() {
  for (std::uint64_t id = 1; id <= size(); ++id) {
    if (is_running(id)) stop(id);
  }
}

ChildProcess& Cluster::process(std::uint64_t id) {
  REQUIRE(is_running(id));
  return replicas_.process(id);
}

std::optional<json> Cluster::status(std::uint64_t id, LocalCluster::WithDigest digest) {
  auto answer = replicas_.status(id, 2s, digest);
  if (!answer) return std::nullopt;
  return *answer;
}

std::uint64_t Cluster::wait_for_leader() {
  auto leadership = replicas_.wait_for_leader(cluster_wait_max);
  INFO(logs());
  INFO((leadership ? std::string() : leadership.error().message));
  REQUIRE(leadership.has_value());
  return leadership->leader;
}

json ask(std::uint16_t port, const std::string& line, const std::string& cluster_id) {
  auto connection = LineConnection::connect(port, cluster_wait_max);
  REQUIRE(connection != nullptr);
  std::string sent = line;
  const json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_object() && request.contains("op") && request["op"].is_string()) {
    const std::string op = request["op"].get<std::string>();
    const std::string user = acting_user_of(op, request);
    if (op == "login" && !user.empty() && !request.contains("public_key")) {
      json with_key = request;
      with_key["public_key"] = test_public_key(user);
      sent = with_key.dump();
    }
    if (!cluster_id.empty() && !user.empty()) prove_user(*connection, cluster_id, user);
  }
  REQUIRE(connection->send(sent + "\n"));
  auto reply = connection->read_line(cluster_wait_max);
  REQUIRE(reply.has_value());
  return json::parse(*reply);
}

bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

PlatformUser::PlatformUser(platform::ClientOptions options)
    : options_(std::move(options)),
      anonymous_(std::make_unique<platform::Client>(io_.get_executor(), options_)) {}

PlatformUser::~PlatformUser() {
  anonymous_.reset();
  users_.clear();
  io_.restart();
  io_.poll();  // let the closed connections' coroutines finish
}

void PlatformUser::act_as(const std::string& username,
                          std::shared_ptr<const identity::KeyPair> keys) {
  keys_[username] = std::move(keys);
  users_.erase(username);
}

platform::Client& PlatformUser::client(const std::string& username) {
  auto& client = users_[username];
  if (!client) {
    platform::ClientOptions options = options_;
    const auto keys = keys_.find(username);
    options.user =
        keys == keys_.end() ? test_user(username) : platform::ClientUser{username, keys->second};
    client = std::make_unique<platform::Client>(io_.get_executor(), std::move(options));
  }
  return *client;
}

void prove_user(LineConnection& connection, const std::string& cluster_id,
                const std::string& username) {
  REQUIRE(connection.send(R"({"id":"challenge","op":"auth_challenge"})"
                          "\n"));
  const auto challenge_line = connection.read_line(cluster_wait_max);
  REQUIRE(challenge_line.has_value());
  const json challenge = json::parse(*challenge_line);
  INFO(*challenge_line);
  REQUIRE(challenge["ok"] == true);
  const auto keys = test_keys(username);
  const std::string key = keys->public_key().to_text();
  const identity::Signature signature =
      identity::sign(*keys,
                     identity::SigningContext{identity::SigningPurpose::connection_auth,
                                              platform::connection_proof_scope(cluster_id, "")},
                     platform::connection_proof_message(
                         challenge["result"]["challenge"].get<std::string>(), username, key));
  const json request{{"id", "proof"},
                     {"op", "authenticate"},
                     {"username", username},
                     {"public_key", key},
                     {"signature", signature.to_text()}};
  REQUIRE(connection.send(request.dump() + "\n"));
  const auto proven = connection.read_line(cluster_wait_max);
  REQUIRE(proven.has_value());
  INFO(*proven);
  REQUIRE(json::parse(*proven)["ok"] == true);
}

std::string acting_user_of(const std::string& op, const json& fields) {
  if (op == "get_user_address" || !fields.is_object()) return "";
  for (const char* key : {"seller", "username"}) {
    // A name that is no username cannot prove anything: the replica refuses the request
    // itself first (bad_request, invalid_argument).
    if (fields.contains(key) && fields[key].is_string() &&
        is_valid_username(fields[key].get_ref<const std::string&>())) {
      return fields[key].get<std::string>();
    }
  }
  return "";
}

namespace {

// Runs `task` on `io` until it completes. The client's deadline bounds every call, so the
// safety bound only turns a bug into a failure.
Result<json> run(boost::asio::io_context& io, boost::asio::awaitable<Result<json>> task) {
  std::optional<Result<json>> outcome;
  io.restart();
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr escaped, Result<json> result) {
    if (escaped) std::rethrow_exception(escaped);
    outcome = std::move(result);
    io.stop();
  });
  io.run_for(cluster_wait_max * 3);
  REQUIRE(outcome.has_value());
  return std::move(*outcome);
}

}  // namespace

Result<json> PlatformUser::call(std::string op, json fields) {
  const std::string user = acting_user_of(op, fields);
  if (user.empty()) return run(io_, anonymous_->async_call(std::move(op), std::move(fields)));
  if (op == "login" && fields.is_object() && !fields.contains("public_key")) {
    fields["public_key"] = client(user).user_public_key();
  }
  return run(io_, client(user).async_call(std::move(op), std::move(fields)));
}

Result<json> PlatformUser::status(std::size_t replica) {
  return run(io_, anonymous_->async_status(replica));
}

}  // namespace auction::test

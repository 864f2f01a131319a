// Cluster and PlatformUser: see cluster.hpp.
#include "integration/cluster.hpp"

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
                 ClientPort client_port)
    : replicas_(loopback_replicas(size), timing, [&] {
        LocalClusterOptions options = built_replicas(std::move(limits));
        options.is_client_port_plain = client_port == ClientPort::plain;
        return options;
      }()) {}

Cluster::Cluster(std::size_t size, ClientPort client_port)
    : Cluster(size,
              platform::ClusterTiming{.tick_ms = 10, .election_ticks = 20, .heartbeat_ticks = 2},
              nullptr, client_port) {}

std::uint16_t Cluster::client_port(std::uint64_t id) const {
  return config().replicas.at(id - 1).client_port;
}

platform::ClientOptions Cluster::client_options() const {
  return platform::client_options_from(config());
}

std::vector<std::string> Cluster::replica_arguments(std::uint64_t id) const {
  std::vector<std::string> command = replicas_.command(id);
  command.erase(command.begin());
  return command;
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

std::optional<json> Cluster::status(std::uint64_t id) {
  auto answer = replicas_.status(id, 2s);
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

json ask(std::uint16_t port, const std::string& line) {
  auto connection = LineConnection::connect(port, cluster_wait_max);
  REQUIRE(connection != nullptr);
  REQUIRE(connection->send(line + "\n"));
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
    : client_(std::make_unique<platform::Client>(io_.get_executor(), std::move(options))) {}

PlatformUser::~PlatformUser() {
  client_.reset();
  io_.restart();
  io_.poll();  // let the closed connections' coroutines finish
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
  return run(io_, client_->async_call(std::move(op), std::move(fields)));
}

Result<json> PlatformUser::status(std::size_t replica) {
  return run(io_, client_->async_status(replica));
}

}  // namespace auction::test

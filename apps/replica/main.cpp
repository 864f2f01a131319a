// replica: one member of the platform's Raft cluster (argument parsing and wiring only).
//
//   replica --config configs/local-3.json --id 1 [--data-dir DIR] [--listen ADDRESS]
//
// Opens the write-ahead log in the data directory (FileStorage), replays it into a fresh
// platform StateMachine (the Raft driver re-applies every committed entry from index 1),
// serves Raft on raft_port and the platform ops on client_port, and prints
// "replica <id> ready (...)" once both ports are bound. Everything runs on one thread
// (one io_context) except the WAL's disk thread inside raft::Server.
// Exit codes: 0 after SIGINT/SIGTERM; 2 when it refuses to start (bad config, unknown id,
// port in use, unusable or locked data dir, corrupt WAL), with one line saying what to fix.
#include <csignal>
#include <cstdio>
#include <exception>
#include <random>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include "auction/platform/cluster_config.hpp"
#include "auction/platform/replica_service.hpp"
#include "auction/platform/state_machine.hpp"
#include "auction/raft/file_storage.hpp"
#include "auction/raft/server.hpp"
#include "auction/version.hpp"
#include "auction/wire/server.hpp"

namespace {

namespace asio = boost::asio;
using namespace auction;

constexpr int exit_refused = 2;

int refuse(const std::string& line) {
  std::fprintf(stderr, "replica: cannot start: %s\n", line.c_str());
  return exit_refused;
}

std::string ids_of(const platform::ClusterConfig& cluster) {
  std::string ids;
  for (const auto& replica : cluster.replicas) {
    ids += (ids.empty() ? "" : ", ") + std::to_string(replica.id);
  }
  return ids;
}

// Bind to the cluster file's host when it is an IP literal; a host name may not resolve to
// an address of this machine, so then every interface.
std::string listen_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return ec ? "0.0.0.0" : host;
}

raft::ServerOptions raft_options(const platform::ClusterConfig& cluster,
                                 const platform::ReplicaAddress& self,
                                 const std::string& address) {
  raft::ServerOptions options;
  options.config.id = raft::NodeId{self.id};
  options.config.election_timeout_ticks = static_cast<int>(cluster.timing.election_ticks);
  options.config.heartbeat_ticks = static_cast<int>(cluster.timing.heartbeat_ticks);
  // Replicas must not time out in lockstep (§5.2): seed each one differently.
  options.config.seed = std::random_device{}() ^ (self.id << 32);
  for (const auto& replica : cluster.replicas) {
    if (replica.id == self.id) continue;
    options.config.peers.push_back(raft::NodeId{replica.id});
    options.peers.push_back(raft::PeerEndpoint{raft::NodeId{replica.id}, replica.host,
                                               replica.raft_port});
  }
  options.listen_address = address;
  options.listen_port = self.raft_port;
  options.tick_period = std::chrono::milliseconds(cluster.timing.tick_ms);
  options.log_noun = "replica";
  return options;
}

int run(const std::string& config_path, std::uint64_t id, std::string data_dir,
        const std::string& listen) {
  auto cluster = platform::ClusterConfig::load(config_path);
  if (!cluster) return refuse("config " + config_path + ": " + cluster.error().message);
  const platform::ReplicaAddress* self = cluster->find(id);
  if (self == nullptr) {
    return refuse("id " + std::to_string(id) + " is not in " + config_path + " (ids there: " +
                  ids_of(*cluster) + ")");
  }
  if (data_dir.empty()) data_dir = "data/replica-" + std::to_string(id);

  auto storage = raft::FileStorage::open(data_dir);
  if (!storage) {
    const Error& e = storage.error();
    if (e.code == code::storage_locked) return refuse(e.message + "; stop that process first");
    if (e.code == code::storage_corrupt) {
      return refuse("the write-ahead log is corrupt: " + e.message +
                    "; wipe the data dir and let the replica catch up from the leader");
    }
    return refuse(e.message);
  }
  const std::string address = listen.empty() ? listen_address(self->host) : listen;
  std::fprintf(stderr, "replica %llu: log in %s holds %llu entries, term %llu\n",
               static_cast<unsigned long long>(id), data_dir.c_str(),
               static_cast<unsigned long long>((*storage)->last_index().value),
               static_cast<unsigned long long>((*storage)->hard_state().term.value));

  asio::io_context io(1);
  platform::StateMachine machine;
  raft::Server raft(io.get_executor(), raft_options(*cluster, *self, address), **storage,
                    machine);
  platform::ReplicaService service(raft, machine, *cluster);
  wire::ServerOptions client_options;
  client_options.address = address;
  client_options.port = self->client_port;
  wire::Server clients(io.get_executor(), client_options);
  service.register_ops(clients);

  if (auto bound = raft.start(); !bound) {
    return refuse("raft port: " + bound.error().message + " (is another replica running?)");
  }
  if (auto bound = clients.start(); !bound) {
    raft.stop();
    return refuse("client port: " + bound.error().message + " (is another replica running?)");
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    std::fprintf(stderr, "replica %llu: stopping (%s)\n", static_cast<unsigned long long>(id),
                 signo == SIGINT ? "SIGINT" : "SIGTERM");
    clients.stop();
    raft.stop();
    io.stop();
  });

  std::fprintf(stderr, "replica %llu ready (client %s:%u, raft %s:%u)\n",
               static_cast<unsigned long long>(id), address.c_str(),
               static_cast<unsigned>(self->client_port), address.c_str(),
               static_cast<unsigned>(self->raft_port));
  io.run();  // until a signal stops it
  // Let closed connections and finished coroutines wind down, but never wait long: a
  // peer that does not read its last reply cannot hold up the exit.
  io.restart();
  io.run_for(std::chrono::seconds(3));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"replica: one member of the PPAPD platform's Raft cluster"};
  std::string config_path;
  std::uint64_t id = 0;
  std::string data_dir;
  std::string listen;
  app.add_option("--config", config_path, "cluster file, e.g. configs/local-3.json")
      ->required();
  app.add_option("--id", id, "this replica's id in the cluster file")->required();
  app.add_option("--data-dir", data_dir,
                 "directory of the write-ahead log (default: data/replica-<id>)");
  app.add_option("--listen", listen,
                 "IP address to bind both ports to (default: the replica's host in the "
                 "cluster file when it is an IP address, else 0.0.0.0)");
  app.set_version_flag("--version", std::string(auction::version()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : exit_refused;
  }
  try {
    return run(config_path, id, data_dir, listen);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replica: fatal: %s\n", e.what());
    return 1;
  }
}

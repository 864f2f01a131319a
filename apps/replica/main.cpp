// replica: one member of the platform's Raft cluster (argument parsing and running only).
//
//   replica --config configs/local-3.json --id 1 [--data-dir DIR] [--listen ADDRESS]
//
// Runs a platform::Replica (auction/platform/replica.hpp): opens the write-ahead log in the
// data directory, replays it into a fresh state machine, serves Raft on raft_port and the
// platform ops on client_port, and prints "replica <id> ready (...)" once both ports are
// bound. Everything runs on one thread (one io_context) except the WAL's disk thread.
// Exit codes: 0 after SIGINT/SIGTERM; 2 when it refuses to start (bad config, unknown id,
// port in use, unusable or locked data dir, corrupt WAL), with one line saying what to fix.
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "auction/platform/replica.hpp"
#include "auction/version.hpp"

namespace {

namespace asio = boost::asio;
using namespace auction;

constexpr int exit_refused = 2;

int refuse(const std::string& line) {
  std::fprintf(stderr, "replica: cannot start: %s\n", line.c_str());
  return exit_refused;
}

int run(const std::string& config_path, platform::ReplicaOptions options) {
  asio::io_context io(1);
  auto opened = platform::Replica::open(config_path, std::move(options), io.get_executor());
  if (!opened) return refuse(opened.error().message);
  platform::Replica& replica = **opened;
  const auto id = static_cast<unsigned long long>(replica.id());
  std::fprintf(stderr, "replica %llu: log in %s holds %llu entries, term %llu\n", id,
               replica.data_dir().c_str(),
               static_cast<unsigned long long>(replica.recovered().last_index.value),
               static_cast<unsigned long long>(replica.recovered().term.value));

  auto ports = replica.start();
  if (!ports) return refuse(ports.error().message);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    std::fprintf(stderr, "replica %llu: stopping (%s)\n", id,
                 signo == SIGINT ? "SIGINT" : "SIGTERM");
    replica.stop();
    io.stop();
  });

  const char* address = replica.listen_address().c_str();
  std::fprintf(stderr, "replica %llu ready (client %s:%u, raft %s:%u)\n", id, address,
               static_cast<unsigned>(ports->client), address, static_cast<unsigned>(ports->raft));
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
  app.add_option("--config", config_path, "cluster file, e.g. configs/local-3.json")->required();
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
    return run(config_path,
               platform::ReplicaOptions{.id = id, .data_dir = data_dir, .listen_address = listen});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replica: fatal: %s\n", e.what());
    return 1;
  }
}

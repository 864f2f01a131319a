// replica: one member of the platform's Raft cluster (argument parsing and running only).
//
//   replica --config configs/local-3.json --id 1 [--data-dir DIR] [--listen ADDRESS] [--join]
//           [--http IP:PORT] [--log-format text|json]
//   replica init-certs --config FILE [--out DIR]
//   replica member list|add|promote|remove --config FILE [--id N]   (member_commands.hpp)
//   replica transfer --config FILE [--to N]
//
// Runs a platform::Replica (auction/platform/replica.hpp): opens the write-ahead log in the
// data directory, replays it into a fresh state machine, serves Raft on raft_port and the
// platform ops on client_port, and prints "replica <id> ready (...)" once both ports are
// bound. Everything runs on one thread (one io_context) except the WAL's disk thread.
// `init-certs` creates the cluster's credentials (platform/cluster_credentials.hpp): the CA
// and a certificate and key per replica, in DIR, and adds "tls": {"dir": DIR} to the cluster
// file when it has no tls section yet. Run again after adding a replica, it issues only the
// new replica's certificate with the same CA.
// `--join`: this replica joins a running cluster; it waits until an operator adds it with
// `replica member add` (docs/operations.md, "Changing the members").
// `--http IP:PORT` serves /metrics, /status and /healthz there; `--log-format json` writes
// each log line as one JSON object (docs/operations.md, "Watching the replicas").
// SIGINT/SIGTERM stop it; a leader first hands leadership to its most up-to-date follower
// (at most two election timeouts), so a planned restart costs the cluster no election
// timeout. A second signal stops it at once.
// Exit codes: 0 after SIGINT/SIGTERM (init-certs: done); 2 when it refuses to start (bad
// config, unknown id, missing or wrong credentials, port in use, unusable or locked data
// dir, corrupt WAL) or to create credentials, with one line saying what to fix.
#include <sys/stat.h>

#include <cctype>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <nlohmann/json.hpp>

#include "auction/base/endpoint.hpp"
#include "auction/base/log.hpp"
#include "auction/base/open_file_limit.hpp"
#include "auction/market/chain_check.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "auction/platform/replica.hpp"
#include "auction/version.hpp"
#include "member_commands.hpp"

namespace {

namespace asio = boost::asio;
using namespace auction;

constexpr int exit_refused = 2;

int refuse(const std::string& line) {
  log_line("replica", "cannot start: " + line);
  return exit_refused;
}

std::string id_list(const std::vector<std::uint64_t>& ids) {
  std::string out;
  for (const auto id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// Adds "tls": {"dir": dir} before the closing brace of the cluster file, keeping the rest of
// the text as it is (its layout is the operator's), then checks that the result parses.
// The file is replaced atomically, with the mode it had.
bool add_tls_section(const std::filesystem::path& config_path, const std::string& dir) {
  std::ifstream in(config_path, std::ios::binary);
  std::ostringstream text_stream;
  text_stream << in.rdbuf();
  std::string text = text_stream.str();
  const auto brace = text.rfind('}');
  if (!in || brace == std::string::npos) return false;
  std::string head = text.substr(0, brace);
  while (!head.empty() && std::isspace(static_cast<unsigned char>(head.back()))) head.pop_back();
  const std::string updated =
      head + ",\n  \"tls\": {\"dir\": " + nlohmann::json(dir).dump() + "}\n" + text.substr(brace);
  if (!platform::ClusterConfig::parse(updated)) return false;
  struct stat st {};
  if (::stat(config_path.c_str(), &st) != 0) return false;
  const auto temp = std::filesystem::path(config_path.string() + ".new");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << updated;
    if (!out.flush()) return false;
  }
  ::chmod(temp.c_str(), st.st_mode & 07777);
  std::error_code ec;
  std::filesystem::rename(temp, config_path, ec);
  return !ec;
}

int init_certs(const std::string& config_path, std::string out) {
  auto cluster = platform::ClusterConfig::load(config_path);
  if (!cluster) {
    std::fprintf(stderr, "replica init-certs: %s\n", cluster.error().message.c_str());
    return exit_refused;
  }
  if (out.empty()) {
    if (!cluster->tls) {
      std::fprintf(stderr,
                   "replica init-certs: %s has no \"tls\" section: say where the credentials go "
                   "with --out DIR\n",
                   config_path.c_str());
      return exit_refused;
    }
    out = cluster->tls->dir.string();
  }
  auto created = platform::create_cluster_credentials(*cluster, out);
  if (!created) {
    std::fprintf(stderr, "replica init-certs: %s\n", created.error().message.c_str());
    return exit_refused;
  }
  std::printf("%s in %s\n",
              created->created_ca ? "created the cluster's CA (ca.crt, ca.key)"
                                  : "used the cluster's CA (ca.crt, ca.key)",
              out.c_str());
  if (created->created_cluster_id) {
    std::printf(
        "drew the cluster's id (cluster-id): users' signatures count in this cluster only\n");
  }
  if (!created->created_ids.empty()) {
    std::printf("issued certificates and keys for replicas %s\n",
                id_list(created->created_ids).c_str());
  }
  if (!created->kept_ids.empty()) {
    std::printf("kept the existing ones of replicas %s\n", id_list(created->kept_ids).c_str());
  }
  if (created->created_admin) {
    std::printf(
        "issued the operators' certificate and key (admin.crt, admin.key): they open the admin "
        "ops (`replica member`, `replica transfer`); keep them off the replicas' machines\n");
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path config_dir = fs::absolute(config_path, ec).parent_path();
  const fs::path out_absolute = fs::weakly_canonical(fs::absolute(out, ec), ec);
  if (!cluster->tls) {
    std::string relative = out_absolute.lexically_relative(fs::weakly_canonical(config_dir, ec));
    if (relative.empty() || relative.starts_with("..")) relative = out_absolute.string();
    if (!add_tls_section(config_path, relative)) {
      std::fprintf(stderr,
                   "replica init-certs: could not add \"tls\": {\"dir\": \"%s\"} to %s: add it "
                   "yourself\n",
                   relative.c_str(), config_path.c_str());
      return exit_refused;
    }
    std::printf("added \"tls\": {\"dir\": \"%s\"} to %s\n", relative.c_str(), config_path.c_str());
  } else if (fs::weakly_canonical(cluster->tls->dir, ec) != out_absolute) {
    std::printf("note: %s names %s as its tls.dir, not %s\n", config_path.c_str(),
                cluster->tls->dir.c_str(), out.c_str());
  }
  std::printf(
      "each replica needs ca.crt and its own replica-<id>.crt and replica-<id>.key in its tls.dir;"
      " keep ca.key where only you can reach it (it issues certificates)\n");
  return 0;
}

// A planned stop: a leader hands leadership over first (so the others need not wait out an
// election timeout), then the replica stops.
asio::awaitable<void> async_stop(platform::Replica& replica, unsigned long long id) {
  const std::string source = "replica " + std::to_string(id);
  auto handed = co_await replica.async_hand_over();
  if (handed) {
    log_line(source, "handed leadership over");
  } else if (handed.error().code != code::not_leader) {
    log_line(source, "could not hand leadership over: " + handed.error().message);
  }
  replica.stop();
}

int run(const std::string& config_path, platform::ReplicaOptions options) {
  const std::string http_address = options.http_address;
  asio::io_context io(1);
  // The client connections the cluster file allows (open() reads it again, and says what is
  // wrong with it).
  const auto cluster = platform::ClusterConfig::load(config_path);
  const std::uint64_t client_connections =
      cluster ? cluster->limits.connections_max : platform::ClusterLimits{}.connections_max;
  // Every client connection, the members' raft connections, the log's files and a margin.
  const std::uint64_t files_needed =
      client_connections + 4 * platform::ClusterConfig::replicas_max + 64;
  auto opened = platform::Replica::open(config_path, std::move(options), io.get_executor());
  if (!opened) return refuse(opened.error().message);
  platform::Replica& replica = **opened;
  const auto id = static_cast<unsigned long long>(replica.id());
  const platform::RecoveredLog& recovered = replica.recovered();
  const std::string source = "replica " + std::to_string(id);
  const auto u = [](std::uint64_t v) { return std::to_string(v); };
  if (recovered.snapshot.index.value == 0) {
    log_line(source, "log in " + replica.data_dir().string() + " holds " +
                         u(recovered.last_index.value) + " entries, term " +
                         u(recovered.term.value));
  } else {
    log_line(source, "log in " + replica.data_dir().string() + " holds entries " +
                         u(recovered.first_index.value) + ".." + u(recovered.last_index.value) +
                         " after a snapshot of index " + u(recovered.snapshot.index.value) +
                         ", term " + u(recovered.term.value));
  }

  const std::string too_few_files = open_file_limit_warning(
      raise_open_file_limit(), files_needed,
      "serving " + u(client_connections) + " clients with the raft port and the log");
  if (!too_few_files.empty()) log_line(source, too_few_files);
  auto ports = replica.start();
  if (!ports) return refuse(ports.error().message);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    log_line(source, signo == SIGINT ? "stopping (SIGINT)" : "stopping (SIGTERM)");
    // A second signal stops at once, handover or not.
    signals.async_wait([&](boost::system::error_code again, int) {
      if (again) return;
      replica.stop();
      io.stop();
    });
    asio::co_spawn(io, async_stop(replica, id), [&](std::exception_ptr) {
      signals.cancel();
      io.stop();
    });
  });

  if (replica.is_client_port_plain()) {
    log_line(source,
             "WARNING: the client port speaks plain TCP (the cluster file says "
             "\"client_port\": \"plain\"): anyone on the network path can read and change "
             "what clients send and receive; use it only on loopback");
  }
  const std::string& address = replica.listen_address();
  std::string ready = "ready (client " + address + ":" + std::to_string(ports->client) + ", raft " +
                      address + ":" + std::to_string(ports->raft);
  if (ports->http != 0) {
    const auto http = parse_endpoint(http_address);
    ready += ", http " + http->host + ":" + std::to_string(ports->http);
  }
  log_line(source, ready + ")", " ");
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
  app.add_option("--config", config_path, "cluster file, e.g. configs/local-3.json");
  app.add_option("--id", id, "this replica's id in the cluster file");
  app.add_option("--data-dir", data_dir,
                 "directory of the write-ahead log (default: data/replica-<id>)");
  app.add_option("--listen", listen,
                 "IP address to bind both ports to (default: the replica's host in the "
                 "cluster file when it is an IP address, else 0.0.0.0)");
  std::string http;
  app.add_option("--http", http,
                 "serve /metrics, /status and /healthz over HTTP at IP:PORT (e.g. "
                 "127.0.0.1:9100; plain HTTP: keep it on loopback or a management network)");
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text (default) or json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}));
  bool join = false;
  app.add_flag("--join", join,
               "join a running cluster: wait outside the configuration until `replica member "
               "add` adds this replica");
  app.set_version_flag("--version", std::string(auction::version()));
  CLI::App* init = app.add_subcommand(
      "init-certs", "create the cluster's CA and a certificate and key per replica");
  std::string init_config;
  std::string init_out;
  init->add_option("--config", init_config, "the cluster file")->required();
  init->add_option("--out", init_out,
                   "directory for the credentials (default: the cluster file's tls.dir)");
  replica_cli::MemberCommand admin;
  CLI::App* member = app.add_subcommand(
      "member", "list, add, promote or remove the cluster's members (docs/operations.md)");
  member->require_subcommand(1);
  const auto operator_options = [&admin](CLI::App* command) {
    command->add_option("--config", admin.config_path, "the cluster file")->required();
    command->add_option(
        "--cert", admin.certificate_file,
        "the operator's certificate (default: the cluster file's tls.dir/admin.crt)");
    command->add_option("--key", admin.private_key_file,
                        "its key (default: the cluster file's tls.dir/admin.key)");
  };
  const auto member_action = [&](const char* name, const char* what, bool needs_id) {
    CLI::App* command = member->add_subcommand(name, what);
    operator_options(command);
    if (needs_id) {
      command->add_option("--id", admin.id, "the member's id in the cluster file")
          ->required()
          ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62));
    }
    command->callback([&admin, name] { admin.action = name; });
    return command;
  };
  member_action("list", "the configuration, and how far each member's log is", false);
  member_action("add", "add a replica of the cluster file as a learner (it catches up, no vote)",
                true);
  member_action("promote", "make a learner that caught up a voter", true)
      ->add_option("--wait", admin.wait_seconds,
                   "seconds to keep asking while the learner catches up (default 0)")
      ->check(CLI::Range(0, 3600));
  member_action("remove", "remove a member (the leader hands over first)", true);
  CLI::App* transfer = app.add_subcommand("transfer", "hand leadership to another voter");
  operator_options(transfer);
  transfer->add_option("--to", admin.id, "the voter to lead (default: the most up to date)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62));
  transfer->callback([&admin] { admin.action = "transfer"; });
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
    const bool is_operator = !admin.action.empty();
    if (!init->parsed() && !is_operator && config_path.empty()) {
      throw CLI::RequiredError("--config");
    }
    if (!init->parsed() && !is_operator && id == 0) throw CLI::RequiredError("--id");
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : exit_refused;
  }
  set_log_format(log_format == "json" ? LogFormat::json : LogFormat::text);
  try {
    if (init->parsed()) return init_certs(init_config, init_out);
    if (!admin.action.empty()) return replica_cli::run_member_command(admin);
    return run(config_path, platform::ReplicaOptions{.id = id,
                                                     .data_dir = data_dir,
                                                     .listen_address = listen,
                                                     .credentials = {},
                                                     .cluster_id = {},
                                                     .chain_check = market::check_chain_claim,
                                                     .join = join,
                                                     .http_address = http});
  } catch (const std::exception& e) {
    log_line("replica", std::string("fatal: ") + e.what());
    return 1;
  }
}

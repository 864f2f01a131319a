// Replica: see auction/platform/replica.hpp.
#include "auction/platform/replica.hpp"

#include <chrono>
#include <optional>
#include <random>
#include <utility>

#include <boost/asio/ip/address.hpp>

#include "auction/base/endpoint.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "auction/platform/state_machine.hpp"
#include "auction/raft/file_storage.hpp"
#include "auction/raft/server.hpp"
#include "platform/admin_service.hpp"
#include "platform/entry_applier.hpp"
#include "platform/replica_metrics.hpp"
#include "platform/replica_service.hpp"
#include "wire/http_server.hpp"
#include "wire/server.hpp"
#include "wire/tls_context.hpp"

namespace auction::platform {

namespace {

std::string ids_of(const ClusterConfig& cluster) {
  std::string ids;
  for (const auto& replica : cluster.replicas) {
    ids += (ids.empty() ? "" : ", ") + std::to_string(replica.id);
  }
  return ids;
}

// Bind to the cluster file's host when it is an IP literal; a host name may not resolve to
// an address of this machine, so then every interface.
std::string default_listen_address(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return ec ? "0.0.0.0" : host;
}

// The cluster file's replicas are the founding voters (Config::peers) -- unless this one
// joins a running cluster (ReplicaOptions::join) -- and the address book of every one.
raft::ServerOptions raft_options(const ClusterConfig& cluster, const ReplicaAddress& self,
                                 const std::string& address, TlsCredentials credentials,
                                 bool join) {
  raft::ServerOptions options;
  options.tls = std::move(credentials);
  options.config.id = raft::NodeId{self.id};
  options.config.election_timeout_ticks = static_cast<int>(cluster.timing.election_ticks);
  options.config.heartbeat_ticks = static_cast<int>(cluster.timing.heartbeat_ticks);
  options.config.snapshot_entries = cluster.snapshots.entries;
  options.config.snapshot_log_bytes = cluster.snapshots.log_bytes;
  options.config.snapshot_keep_entries = cluster.snapshots.keep_entries;
  // Replicas must not time out in lockstep (§5.2): seed each one differently.
  options.config.seed = std::random_device{}() ^ (self.id << 32);
  options.config.join = join;
  for (const auto& replica : cluster.replicas) {
    if (replica.id == self.id) continue;
    if (!join) options.config.peers.push_back(raft::NodeId{replica.id});
    options.peers.push_back(
        raft::PeerEndpoint{raft::NodeId{replica.id}, replica.host, replica.raft_port});
  }
  options.listen_address = address;
  options.listen_port = self.raft_port;
  options.tick_period = std::chrono::milliseconds(cluster.timing.tick_ms);
  options.log_noun = "replica";
  return options;
}

wire::ServerOptions client_options(const std::string& address, std::uint16_t port,
                                   std::shared_ptr<boost::asio::ssl::context> tls,
                                   const ClusterLimits& limits) {
  wire::ServerOptions options;
  options.address = address;
  options.port = port;
  options.tls = std::move(tls);
  options.connections_max = limits.connections_max;
  options.connections_per_address_max = limits.connections_per_address_max;
  options.idle_timeout = std::chrono::milliseconds(limits.idle_timeout_ms);
  return options;
}

// The one line that says what to do about a data directory that will not open.
Error storage_refusal(const Error& e) {
  if (e.code == code::storage_locked) {
    return Error{e.code, e.message + "; stop that process first"};
  }
  if (e.code == code::storage_corrupt) {
    return Error{e.code, "the write-ahead log is corrupt: " + e.message +
                             "; wipe the data dir and let the replica catch up from the leader"};
  }
  return e;
}

// The raft port's credentials: given in the options (checked here), or read from the
// cluster's tls.dir (load_replica_credentials checks them).
Result<TlsCredentials> replica_credentials(const ClusterConfig& cluster,
                                           const ReplicaOptions& options) {
  if (!options.credentials) return load_replica_credentials(cluster, options.id);
  if (auto ok = check_replica_credentials(*options.credentials, options.id); !ok) {
    return std::unexpected(ok.error());
  }
  return *options.credentials;
}

// `cluster_name` names the cluster in the refusal of an unknown id.
Result<std::unique_ptr<Replica::Impl>> open_impl(ClusterConfig cluster,
                                                 const std::string& cluster_name,
                                                 ReplicaOptions options,
                                                 boost::asio::any_io_executor executor);

}  // namespace

// Members in the order they must be built; they are destroyed in reverse, the ports first.
struct Replica::Impl {
  Impl(ClusterConfig cluster_config, const ReplicaAddress& self_address, ReplicaOptions opts,
       TlsCredentials credentials, std::shared_ptr<boost::asio::ssl::context> client_tls,
       std::unique_ptr<raft::FileStorage> file_storage, boost::asio::any_io_executor executor,
       std::optional<wire::HttpServerOptions> http_options)
      : options(std::move(opts)),
        self(self_address),
        recovered{file_storage->last_index(), file_storage->hard_state().term,
                  file_storage->first_index(), file_storage->snapshot_meta()},
        storage(std::move(file_storage)),
        applier(machine, history),
        raft(executor,
             raft_options(cluster_config, self, options.listen_address, std::move(credentials),
                          options.join),
             *storage, applier),
        service(raft, machine, history, cluster_config, options.cluster_id, options.chain_check,
                client_tls == nullptr),
        is_client_port_plain(client_tls == nullptr),
        admin(raft, cluster_config, is_client_port_plain),
        clients(executor, client_options(options.listen_address, self.client_port,
                                         std::move(client_tls), cluster_config.limits)) {
    service.register_ops(clients);
    admin.register_ops(clients);
    applier.set_on_applied([this] { service.wake_watchers(); });
    if (http_options) {
      http.emplace(executor, std::move(*http_options),
                   [this](std::string_view path) { return monitor(path); });
    }
  }

  // The monitoring port's answer to GET `path` (platform/replica_metrics.hpp).
  wire::HttpAnswer monitor(std::string_view path) {
    const auto observe = [this] {
      ReplicaObservation seen;
      seen.status = raft.status();
      seen.counters = raft.counters();
      const raft::MembershipStatus members = raft.membership();
      seen.voters = members.membership.voter_count();
      seen.learners = members.membership.members.size() - seen.voters;
      seen.client_connections = clients.connection_count();
      seen.users = machine.user_count();
      seen.auctions = machine.auction_count();
      return seen;
    };
    // The `status` op's result without the digest: hashing the whole state is costly when
    // it is large, and this port answers anyone who reaches it as often as they ask.
    const auto status = [this] { return service.status(ReplicaService::WithDigest::no).result; };
    const auto leader = [this] { return raft.leader().value; };
    return monitoring_answer(path, MonitoringSources{observe, status, leader});
  }

  ReplicaOptions options;  // data_dir and listen_address filled in
  ReplicaAddress self;
  RecoveredLog recovered;
  ReplicaPorts ports;
  bool is_stopped = false;
  std::unique_ptr<raft::FileStorage> storage;
  StateMachine machine;
  WatchHistory history;  // the recent events of what `machine` applied, for watchers
  EntryApplier applier;  // what raft applies to: `machine`, and `history`
  raft::Server raft;
  ReplicaService service;
  bool is_client_port_plain;
  AdminService admin;
  wire::Server clients;
  std::optional<wire::HttpServer> http;  // the monitoring port, when asked for
};

namespace {

Result<std::unique_ptr<Replica::Impl>> open_impl(ClusterConfig cluster,
                                                 const std::string& cluster_name,
                                                 ReplicaOptions options,
                                                 boost::asio::any_io_executor executor) {
  const ReplicaAddress* self = cluster.find(options.id);
  if (self == nullptr) {
    return fail(code::config_invalid, "id " + std::to_string(options.id) + " is not in " +
                                          cluster_name + " (ids there: " + ids_of(cluster) + ")");
  }
  if (!options.chain_check) {
    return fail(code::invalid_argument,
                "ReplicaOptions::chain_check: a replica needs the check of sellers' chains "
                "(market::check_chain_claim)");
  }
  std::optional<wire::HttpServerOptions> http_options;
  if (!options.http_address.empty()) {
    const auto endpoint = parse_endpoint(options.http_address);
    boost::system::error_code ec;
    if (endpoint) boost::asio::ip::make_address(endpoint->host, ec);
    if (!endpoint || ec) {
      return fail(code::invalid_argument, "the http address '" + options.http_address +
                                              "' is not IP:PORT (e.g. 127.0.0.1:9100)");
    }
    http_options.emplace();
    http_options->address = endpoint->host;
    http_options->port = endpoint->port;
  }
  if (options.data_dir.empty()) options.data_dir = "data/replica-" + std::to_string(options.id);
  if (options.listen_address.empty()) options.listen_address = default_listen_address(self->host);
  auto credentials = replica_credentials(cluster, options);
  if (!credentials) return std::unexpected(credentials.error());
  if (options.cluster_id.empty()) {
    if (!cluster.tls)
      return fail(code::credentials_invalid, "no cluster id: the cluster file has no tls section");
    auto id = load_cluster_id(cluster.tls->dir);
    if (!id) return std::unexpected(id.error());
    options.cluster_id = std::move(*id);
  }
  // The client port presents the same certificate; plain only where the file says so.
  std::shared_ptr<boost::asio::ssl::context> client_tls;
  if (!cluster.tls || !cluster.tls->is_client_port_plain) {
    auto made = wire::make_server_tls_context(*credentials);
    if (!made) return std::unexpected(made.error());
    client_tls = std::move(*made);
  }
  auto storage = raft::FileStorage::open(options.data_dir);
  if (!storage) return std::unexpected(storage_refusal(storage.error()));
  const ReplicaAddress self_address = *self;
  return std::make_unique<Replica::Impl>(
      std::move(cluster), self_address, std::move(options), std::move(*credentials),
      std::move(client_tls), std::move(*storage), std::move(executor), std::move(http_options));
}

}  // namespace

Result<std::unique_ptr<Replica>> Replica::open(const std::filesystem::path& cluster_file,
                                               ReplicaOptions options,
                                               boost::asio::any_io_executor executor) {
  auto cluster = ClusterConfig::load(cluster_file);
  if (!cluster) {
    return fail(cluster.error().code,
                "config " + cluster_file.string() + ": " + cluster.error().message);
  }
  auto impl = open_impl(std::move(*cluster), cluster_file.string(), std::move(options),
                        std::move(executor));
  if (!impl) return std::unexpected(std::move(impl.error()));
  return std::unique_ptr<Replica>(new Replica(std::move(*impl)));
}

Result<std::unique_ptr<Replica>> Replica::open(ClusterConfig cluster, ReplicaOptions options,
                                               boost::asio::any_io_executor executor) {
  auto impl = open_impl(std::move(cluster), "the cluster", std::move(options), std::move(executor));
  if (!impl) return std::unexpected(std::move(impl.error()));
  return std::unique_ptr<Replica>(new Replica(std::move(*impl)));
}

Replica::Replica(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Replica::~Replica() { stop(); }

Result<ReplicaPorts> Replica::start() {
  Impl& r = *impl_;
  auto raft_port = r.raft.start();
  if (!raft_port) {
    return fail(raft_port.error().code,
                "raft port: " + raft_port.error().message + " (is another replica running?)");
  }
  auto client_port = r.clients.start();
  if (!client_port) {
    r.raft.stop();
    return fail(client_port.error().code,
                "client port: " + client_port.error().message + " (is another replica running?)");
  }
  std::uint16_t http_port = 0;
  if (r.http) {
    auto bound = r.http->start();
    if (!bound) {
      r.clients.stop();
      r.raft.stop();
      return fail(bound.error().code, "http port: " + bound.error().message);
    }
    http_port = *bound;
  }
  r.ports = ReplicaPorts{*client_port, *raft_port, http_port};
  return r.ports;
}

void Replica::stop() {
  Impl& r = *impl_;
  if (std::exchange(r.is_stopped, true)) return;
  if (r.http) r.http->stop();
  r.service.stop();
  r.clients.stop();
  r.raft.stop();
}

boost::asio::awaitable<Result<void>> Replica::async_hand_over() {
  if (impl_->is_stopped) co_return fail(code::unavailable, "the replica is stopped");
  co_return co_await impl_->raft.async_hand_over();
}

std::uint64_t Replica::id() const { return impl_->self.id; }

const std::filesystem::path& Replica::data_dir() const { return impl_->options.data_dir; }

const std::string& Replica::listen_address() const { return impl_->options.listen_address; }

bool Replica::is_client_port_plain() const { return impl_->is_client_port_plain; }

const RecoveredLog& Replica::recovered() const { return impl_->recovered; }

ReplicaPorts Replica::ports() const { return impl_->ports; }

}  // namespace auction::platform

// Replica: one member of the platform's Raft cluster, assembled -- what the `replica`
// executable runs, for any program that wants to run one.
//
// It owns everything a replica is made of, and wires it the one way it must be wired:
//   the write-ahead log    raft::FileStorage in the data directory (locked while open),
//   the state              platform::StateMachine, empty at open: raft applies every
//                          committed entry again from index 1 (no snapshots yet),
//   Raft                   raft::Server, serving the raft port (raft_port of the cluster file)
//                          over mutual TLS with the replica's credentials
//                          (cluster_credentials.hpp),
//   the platform ops       ReplicaService on a wire::Server, serving the client port over
//                          TLS with the same certificate (plain TCP where the cluster
//                          file says "client_port": "plain").
// open() reads and checks everything that can be checked before binding (the cluster file,
// the id, the credentials, the data directory and its log) and binds nothing; start() binds both
// ports. Each refusal is an Error whose message is one line saying what to fix (the `replica`
// executable prints it after "cannot start: ").
//
// Threading: every call on the executor's thread, which must not run handlers concurrently
// (an io_context run by one thread); open() and start() may run before the executor runs.
// The WAL's disk thread inside raft::Server is the only other thread.
// Never: serves a port before every check of open() passed, or leaves a port bound after
// stop().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "auction/base/error.hpp"
#include "auction/base/tls_credentials.hpp"
#include "auction/platform/chain_check.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/raft/snapshot.hpp"
#include "auction/raft/types.hpp"

namespace auction::platform {

struct ReplicaOptions {
  std::uint64_t id = 0;  // this replica's id in the cluster file
  // The write-ahead log's directory (created if missing). Empty: data/replica-<id>.
  std::filesystem::path data_dir;
  // The IP address both ports bind to. Empty: the replica's host in the cluster file when
  // that is an IP literal, else 0.0.0.0 (a host name may not resolve to this machine).
  std::string listen_address;
  // The raft port's credentials. Empty: read from the cluster file's tls.dir
  // (load_replica_credentials). Given: used instead (a program that keeps them elsewhere).
  std::optional<TlsCredentials> credentials;
  // The cluster's id, which scopes users' proofs (cluster_credentials.hpp). Empty: read from
  // the cluster file's tls.dir/cluster-id.
  std::string cluster_id;
  // What the leader asks of a seller's chain before it proposes an update or a result
  // (chain_check.hpp); the replica program gives market::check_chain_claim. Required:
  // without it a replica would record results nobody checked.
  ChainCheck chain_check;
  // This replica joins a running cluster (`replica --join`): it starts outside the
  // configuration, never campaigns, and waits until an operator adds it (`replica member
  // add`); the cluster file's other replicas are only where it finds them. A replica whose
  // data directory already holds a configuration takes that one either way.
  bool join = false;
  // Where to serve the monitoring port (`replica --http ADDR`): "IP:PORT" (port 0: any free
  // one), serving /metrics, /status and /healthz over plain HTTP to whoever reaches it, so
  // bind it to loopback or a management network (docs/operations.md, "Watching the
  // replicas"). Empty: no monitoring port.
  std::string http_address;
};

// What the write-ahead log held when open() recovered it.
struct RecoveredLog {
  raft::LogIndex last_index;    // entries in the log
  raft::Term term;              // the term recorded in its hard state
  raft::LogIndex first_index;   // the first entry still held (1 unless compacted)
  raft::SnapshotMeta snapshot;  // the latest snapshot ({0, 0}: none)
};

// The ports a started replica serves.
struct ReplicaPorts {
  std::uint16_t client = 0;  // the platform ops (wire protocol)
  std::uint16_t raft = 0;    // the other replicas
  std::uint16_t http = 0;    // the monitoring port (0: none)
};

class Replica {
 public:
  // Reads the cluster file at `cluster_file`, then as open(ClusterConfig, ...).
  // Errors (the message names the file): config_unreadable, config_invalid, and those of
  // the other open().
  static Result<std::unique_ptr<Replica>> open(const std::filesystem::path& cluster_file,
                                               ReplicaOptions options,
                                               boost::asio::any_io_executor executor);

  // Opens replica `options.id` of `cluster`: locks the data directory and recovers its log.
  // Nothing is bound or served until start(). Errors:
  //   config_invalid        the id is not in the cluster (the message lists the ids there)
  //   credentials_invalid   the raft port's credentials are missing, do not load, do not
  //                         name this replica, are not signed by the CA, or the key file is
  //                         readable by other users (the message names the file)
  //   storage_locked        another process holds the data directory
  //   storage_corrupt       the log is damaged beyond a torn tail (the message says how
  //                         to recover: wipe the data dir, the leader sends it all again)
  //   storage_unavailable   the data directory cannot be created, opened or written
  //   invalid_argument      http_address is not an IP address and a port
  static Result<std::unique_ptr<Replica>> open(ClusterConfig cluster, ReplicaOptions options,
                                               boost::asio::any_io_executor executor);

  // stop(), then releases the data directory. Handlers still queued on the executor
  // are harmless afterwards, but the executor must outlive the replica.
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Binds the raft port, then the client port (and the monitoring port if asked for), and
  // starts serving them. Errors (nothing is left bound): address_in_use, bind_failed, each
  // message naming the port ("raft port: ...", "client port: ..." or "http port: ...").
  // Precondition: called once.
  Result<ReplicaPorts> start();

  // Stops serving clients, then Raft (waiting proposals and reads fail with
  // `unavailable`; a write in progress on the disk thread finishes). Idempotent.
  void stop();

  // Before a planned stop: if this replica leads, it hands leadership to its most
  // up-to-date follower (raft::Server::async_hand_over), so that the cluster does not wait
  // out an election timeout for a new leader; it keeps serving meanwhile (writes are
  // answered not_leader). Completes when it no longer leads. Errors: not_leader (it did not
  // lead: nothing to do), timeout (it still leads after two election timeouts),
  // unavailable (stopped meanwhile).
  boost::asio::awaitable<Result<void>> async_hand_over();

  std::uint64_t id() const;
  const std::filesystem::path& data_dir() const;
  const std::string& listen_address() const;  // the address both ports bind to
  // The client port speaks plain TCP (the cluster file's "client_port": "plain").
  bool is_client_port_plain() const;
  const RecoveredLog& recovered() const;
  ReplicaPorts ports() const;  // bound ports; zeros before start()

  struct Impl;

 private:
  explicit Replica(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace auction::platform

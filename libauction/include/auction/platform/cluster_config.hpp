// ClusterConfig: the cluster file that tells every process where the replicas are.
//
// One JSON file (configs/local-3.json is an example) read by `replica`, `seller`, `buyer`
// and `bench`:
//
//   {
//     "replicas": [
//       {"id": 1, "host": "127.0.0.1", "client_port": 7100, "raft_port": 7200}, ...
//     ],
//     "timing": {"tick_ms": 10, "election_ticks": 30, "heartbeat_ticks": 3},
//     "tls": {"dir": "certs"},
//     "limits": {"connections_max": 1024, "connections_per_address_max": 64,
//                "idle_timeout_ms": 60000, "registrations_per_s": 20,
//                "registrations_burst": 100, "writes_per_s": 5000, "writes_burst": 10000},
//     "snapshots": {"entries": 100000, "log_bytes": 268435456, "keep_entries": 10000}
//   }
//
// Replica ids are 1..1,000,000 (0 is reserved: Raft uses it for "no node").
// `client_port` answers users (the platform ops); `raft_port` carries replica-to-replica
// traffic. `timing` is optional; every replica of a cluster must use the same values.
// `tls.dir` is where the cluster's credentials are (cluster_credentials.hpp: the CA
// certificates every process trusts, and each replica's certificate and key); a relative
// path is relative to the cluster file. A replica refuses to start without it: the raft
// port speaks only mutually authenticated TLS, and the client port TLS with the replica's
// certificate (clients check it against tls.dir/ca.crt) unless `"client_port": "plain"`
// says otherwise. `replica init-certs` creates the files and adds the section.
// `limits` is optional, and so is each of its keys: what the client port grants one source
// address (docs/protocol.md, "Limits"; docs/operations.md says how to tune them).
// `snapshots` is optional too: when each replica snapshots its state and discards its log
// (docs/raft.md, "Snapshots"); replicas may differ here.
// Parsing is strict: unknown keys, duplicate ids or addresses, and out-of-range values are
// errors that name the offending field, because a typo in a cluster file should stop a
// replica at start, not split a cluster at run time.
// Pure: no I/O except load(), which reads one file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auction/base/error.hpp"

namespace auction::platform {

struct ReplicaAddress {
  std::uint64_t id = 0;  // >= 1
  std::string host;
  std::uint16_t client_port = 0;
  std::uint16_t raft_port = 0;

  std::string client_endpoint() const;  // "host:client_port"
  std::string raft_endpoint() const;    // "host:raft_port"
};

struct ClusterTiming {
  std::uint32_t tick_ms = 10;         // one Raft tick
  std::uint32_t election_ticks = 30;  // base election timeout (randomized up to 2x)
  std::uint32_t heartbeat_ticks = 3;  // leader heartbeat interval; < election_ticks
};

struct ClusterTls {
  std::filesystem::path dir;  // the credentials directory (cluster_credentials.hpp)
  // "client_port": "plain" -- the client port speaks plain TCP instead of TLS. Only for
  // loopback experiments: a replica warns at start.
  bool is_client_port_plain = false;
};

// The client port's limits on what one source address (an IPv4 address, or an IPv6 /64)
// may take. A rate of 0 means no limit of that kind.
struct ClusterLimits {
  std::uint32_t connections_max = 1024;            // all sources together
  std::uint32_t connections_per_address_max = 64;  // <= connections_max
  std::uint32_t idle_timeout_ms = 60'000;          // a connection that sends nothing
  // Registrations: logins of a username that is not a user yet.
  std::uint32_t registrations_per_s = 20;
  std::uint32_t registrations_burst = 100;
  // Writes (every op that is proposed to the log, logins included).
  std::uint32_t writes_per_s = 5'000;
  std::uint32_t writes_burst = 10'000;
};

// When a replica takes a snapshot of its state machine and discards the log before it
// (raft::Config::snapshot_entries, snapshot_log_bytes, snapshot_keep_entries). Both
// triggers 0: never (the log then grows for ever).
struct ClusterSnapshots {
  std::uint64_t entries = 100'000;                   // entries applied since the last one
  std::uint64_t log_bytes = std::uint64_t{256} << 20;  // or their data reached this
  std::uint64_t keep_entries = 10'000;  // kept behind a snapshot for followers that lag
};

struct ClusterConfig {
  static constexpr std::size_t replicas_max = 9;
  static constexpr std::size_t config_bytes_max = 1 << 20;

  std::vector<ReplicaAddress> replicas;  // sorted by id, ids unique
  ClusterTiming timing;
  std::optional<ClusterTls> tls;  // absent: no credentials yet (a replica will not start)
  ClusterLimits limits;
  ClusterSnapshots snapshots;

  // Parses and validates a cluster file's text. Errors: "config_invalid", naming the field.
  static Result<ClusterConfig> parse(std::string_view text);

  // Reads and parses a file; a relative tls.dir becomes relative to the file's directory.
  // Errors: "config_unreadable" (with the OS reason),
  // "config_invalid".
  static Result<ClusterConfig> load(const std::filesystem::path& path);

  // The replica with this id, if any.
  const ReplicaAddress* find(std::uint64_t id) const;
};

}  // namespace auction::platform

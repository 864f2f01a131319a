// Cluster credentials: the cluster's own certificate authority, and a certificate and key per
// replica, which the raft port's mutual TLS checks (raft::ServerOptions::tls).
//
// The credentials directory (the cluster file's tls.dir) holds
//   ca.crt             the CA certificates every process of the cluster trusts (PEM; two
//                      side by side while the CA is rotated, docs/operations.md)
//   ca.key             the CA's private key: needed only to issue certificates; keep it
//                      off the replicas' machines once they have theirs
//   replica-<id>.crt   replica <id>'s certificate: common name "replica-<id>"
//                      (raft/member_certificate.hpp), signed by
//                      the CA, for TLS clients and servers, naming the replica's host too
//   replica-<id>.key   its private key
//   admin.crt          the operators' certificate: common name "admin", signed by the CA;
//                      it opens the admin ops of the client port (membership changes,
//                      leadership transfer: `replica member`, docs/operations.md)
//   admin.key          its private key: keep it with the operators, off the replicas
//   cluster-id         the cluster's id: 32 lowercase hex digits and a newline, drawn once.
//                      Not secret. Every signature a user makes is scoped to it, so none
//                      counts in another cluster (docs/identity.md); it never changes, not
//                      even when the CA is rotated
// Every file is created 0600 in a 0700 directory, and a replica refuses a key file other
// users can read. Keys are ECDSA P-256; certificates are X.509 v3 signed with SHA-256.
// create_cluster_credentials() is `replica init-certs`; load_replica_credentials() is what
// a replica reads at start, checking everything a handshake would check, so that a wrong
// file stops the replica with a clear line instead of failing every connection later.
// I/O: reads and writes only the files above. Never overwrites a file that exists.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/base/tls_credentials.hpp"
#include "auction/platform/cluster_config.hpp"

namespace auction::platform {

struct CreatedCredentials {
  bool created_ca = false;                 // false: an existing ca.crt + ca.key was used
  bool created_cluster_id = false;         // false: cluster-id existed
  std::vector<std::uint64_t> created_ids;  // replicas whose certificate was issued now
  std::vector<std::uint64_t> kept_ids;     // replicas that already had one (left as is)
  bool created_admin = false;              // false: admin.crt and admin.key existed
};

// The common name of the operators' certificate (admin.crt).
inline constexpr char admin_certificate_name[] = "admin";
std::filesystem::path admin_certificate_file(const std::filesystem::path& tls_dir);
std::filesystem::path admin_key_file(const std::filesystem::path& tls_dir);

// Creates `dir` (0700) if missing, cluster-id if missing, the CA if ca.crt and ca.key are
// both missing, and a
// certificate and key for every replica of `cluster` that has neither, and the operators'
// (admin.crt, admin.key) if neither exists, signed by the CA.
// Running it again after adding a replica to the cluster file issues only the new one's.
// Errors: credentials_exist (only one of a pair exists, or ca.crt exists without ca.key
// while certificates are still to be issued), credentials_invalid (the existing CA does not
// load), storage_unavailable (a file cannot be written), storage_unsafe (`dir` is writable
// by other users or owned by another).
Result<CreatedCredentials> create_cluster_credentials(const ClusterConfig& cluster,
                                                      const std::filesystem::path& dir);

// Reads replica `id`'s credentials from the cluster's tls.dir and checks them: the key
// matches the certificate, the certificate names replica `id`, is signed by a CA of ca.crt
// and is valid now, and the key file is readable by its owner only.
// Errors: credentials_invalid, with the file and what to do.
Result<TlsCredentials> load_replica_credentials(const ClusterConfig& cluster, std::uint64_t id);

// The same checks on credentials in memory (`id` 0: any replica name).
Result<void> check_replica_credentials(const TlsCredentials& credentials, std::uint64_t id);

inline constexpr std::size_t cluster_id_hex_digits = 32;

// The cluster's id from `tls_dir`/cluster-id. Errors: credentials_invalid (missing,
// unreadable, or not 32 lowercase hex digits and a newline; the message says to run
// `replica init-certs` again, which adds a missing one).
Result<std::string> load_cluster_id(const std::filesystem::path& tls_dir);

// Writes `tls_dir`/cluster-id with `cluster_id` (for tests that make credentials in
// memory). Errors: credentials_exist, storage_unavailable.
Result<void> write_cluster_id(const std::filesystem::path& tls_dir, const std::string& cluster_id);

// In memory, for tests and tools that need no files: a fresh CA, and credentials for each
// of `ids` signed by it (hosts: 127.0.0.1).
struct MemoryCredentials {
  std::string cluster_id;  // a fresh one
  std::string ca_certificate_pem;
  std::string ca_private_key_pem;
  std::vector<TlsCredentials> replicas;  // in the order of `ids`
};
MemoryCredentials make_memory_credentials(const std::vector<std::uint64_t>& ids);

}  // namespace auction::platform

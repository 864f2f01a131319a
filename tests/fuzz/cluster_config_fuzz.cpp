// Fuzz target: the cluster file parser, and the parser of the member name a raft-port
// certificate carries (both are what a replica reads before it trusts anyone). Whatever the
// bytes, parse() returns a config or an error value; it never crashes, hangs or throws, and
// what it accepts satisfies the invariants the replica relies on. A certificate name parses
// only if it is exactly the name of the id it gives.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "auction/platform/cluster_config.hpp"
#include "auction/raft/member_certificate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto member = auction::raft::member_of_certificate_name(text)) {
    if (auction::raft::member_certificate_name(*member) != text || member->value == 0) {
      std::abort();
    }
  }
  auto config = auction::platform::ClusterConfig::parse(text);
  if (!config) {
    if (config.error().code != "config_invalid" || config.error().message.empty()) std::abort();
    return 0;
  }
  if (config->replicas.empty() || config->replicas.size() > 9) std::abort();
  std::set<std::uint64_t> ids;
  for (const auto& replica : config->replicas) {
    if (!ids.insert(replica.id).second) std::abort();
    if (replica.client_port == 0 || replica.raft_port == 0 || replica.host.empty()) std::abort();
  }
  if (config->timing.heartbeat_ticks >= config->timing.election_ticks) std::abort();
  if (config->tls && config->tls->dir.empty()) std::abort();
  if (config->limits.connections_per_address_max > config->limits.connections_max) std::abort();
  return 0;
}

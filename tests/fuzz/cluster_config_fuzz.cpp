// Fuzz target: the cluster file parser. Whatever the bytes, parse() returns a config or an
// error value; it never crashes, hangs or throws, and what it accepts satisfies the
// invariants the replica relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "auction/platform/cluster_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
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
  return 0;
}

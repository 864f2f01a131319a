// The leader hint of a replica's refusals: see leader_hint.hpp.
#include "platform/leader_hint.hpp"

#include <optional>

namespace auction::platform {

wire::Reply failure_with_leader_hint(const raft::Server& raft, const ClusterConfig& cluster,
                                     const std::string& code, const std::string& why) {
  // A leader handing over points at the node taking over: it will lead in a moment.
  const raft::NodeId transferee = raft.transferee();
  const bool is_handing_over = transferee.value != 0;
  const raft::NodeId leader = is_handing_over ? transferee : raft.leader();
  const raft::MembershipStatus configuration = raft.membership();
  std::optional<std::string> address;
  if (const raft::Member* member = configuration.membership.find(leader);
      member != nullptr && !member->client_address.empty()) {
    address = member->client_address;
  } else if (const ReplicaAddress* where =
                 leader.value == 0 ? nullptr : cluster.find(leader.value)) {
    address = where->client_endpoint();
  }
  if (!address) {
    return wire::Reply::failure(Error{code, why + "; no leader is known yet"},
                                wire::Json{{"leader", nullptr}});
  }
  const std::string named = "replica " + std::to_string(leader.value) + " at " + *address;
  return wire::Reply::failure(
      Error{code,
            why + (is_handing_over ? "; " + named + " takes over" : "; the leader is " + named)},
      wire::Json{{"leader", {{"id", leader.value}, {"address", *address}}}});
}

}  // namespace auction::platform

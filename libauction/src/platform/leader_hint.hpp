// The `leader` hint a replica adds to not_leader and leadership_lost: where the client finds
// the node that leads (docs/protocol.md, "Replica").
//
// Private to the replica's services (ReplicaService, AdminService). Reads the raft node's
// status and configuration on the executor's thread; never blocks.
#pragma once

#include <string>

#include "auction/platform/cluster_config.hpp"
#include "auction/raft/server.hpp"
#include "wire/envelope.hpp"

namespace auction::platform {

// A failure with `code`, `why` for a person, and {"leader": {"id", "address"}} (the
// leader's client endpoint: from the configuration when the member named it, else from the
// cluster file), or {"leader": null} when no leader is known. A leader handing over names
// the node taking over.
wire::Reply failure_with_leader_hint(const raft::Server& raft, const ClusterConfig& cluster,
                                     const std::string& code, const std::string& why);

}  // namespace auction::platform

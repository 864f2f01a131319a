// The name a member's certificate carries on the raft port: "replica-<id>".
//
// The raft port's mutual TLS proves that the other end holds a certificate of the cluster's
// CA; this is how that certificate says WHICH member it is. A connection is served only
// when the name parses to a member of the configuration, and then every message on it must
// come from that member. Pure functions; one definition of the name, used where
// certificates are issued (platform/cluster_credentials.hpp) and where they are checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auction/raft/types.hpp"

namespace auction::raft {

// "replica-<id>".
std::string member_certificate_name(NodeId id);

// The id in a name of that form: decimal, no sign, no leading zero, 1..2^63; nullopt for
// anything else.
std::optional<NodeId> member_of_certificate_name(std::string_view name);

}  // namespace auction::raft

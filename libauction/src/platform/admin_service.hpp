// AdminService: the operator's ops a replica serves on its client port -- membership changes
// and leadership transfer (docs/operations.md, "Changing the members"; docs/protocol.md,
// "Admin ops").
//
//   member_list          the configuration the leader holds: each member's id, role and
//                        addresses, how far its log is (`match`), and whether the last change
//                        is committed
//   member_add           adds {"member", "raft_address", "client_address"} as a learner: it
//                        receives the log (a snapshot first when the leader compacted what it
//                        lacks) without voting
//   member_promote       makes learner {"member"} a voter, once it caught up (not_caught_up
//                        before)
//   member_remove        removes {"member"}; asked of the leader itself, the leader first
//                        hands leadership over and answers not_leader naming the new leader
//                        (nothing was removed yet: send it there)
//   transfer_leadership  the leader hands over to {"to"} (or its most up-to-date voter)
// One change at a time (raft::Core::propose_membership): a second one before the first is
// committed is answered change_in_progress. The answers' codes say what happened: not_leader,
// change_in_progress, not_caught_up, invalid_argument and unauthenticated mean nothing was
// proposed; leadership_lost and timeout mean it may still take effect (member_list tells).
// Only an operator may call them: on a TLS client port, a connection that presented the
// operators' certificate of the cluster's CA (admin.crt from `replica init-certs`; a
// replica's certificate is not one); on a plain port (loopback experiments), a connection
// from 127.0.0.1. Anyone else is answered `unauthenticated` and nothing happens.
// Threading: handlers run on the raft::Server's executor (as ReplicaService's).
// Never: acts for a connection that is not an operator's, or proposes a change the core
// would refuse without saying which rule refused it.
#pragma once

#include "auction/platform/cluster_config.hpp"
#include "auction/raft/server.hpp"
#include "wire/server.hpp"

namespace auction::platform {

// nullopt when `request` comes from an operator: the operators' certificate (admin.crt) on a
// TLS client port, or the loopback address on a plain one (`is_plain`: plain TCP proves
// nobody). Else the `unauthenticated` reply, saying that `what` ("the admin ops") needs it.
std::optional<wire::Reply> refusal_unless_operator(const wire::Request& request, bool is_plain,
                                                   std::string_view what);

class AdminService {
 public:
  // `raft` must outlive every request; `cluster` names members' client endpoints in hints.
  // `is_plain`: the client port speaks plain TCP (operators are then the loopback address).
  AdminService(raft::Server& raft, ClusterConfig cluster, bool is_plain);

  // Registers the admin ops on `server`. Precondition: before server.start().
  void register_ops(wire::Server& server);

 private:
  // nullopt when the request comes from an operator; else the `unauthenticated` reply.
  std::optional<wire::Reply> refusal(const wire::Request& request) const;
  boost::asio::awaitable<wire::Reply> async_list();
  boost::asio::awaitable<wire::Reply> async_change(raft::MembershipChange change);
  boost::asio::awaitable<wire::Reply> async_transfer(raft::NodeId target);
  wire::Reply not_leader() const;
  wire::Reply failure(const Error& error) const;  // with the leader hint where it helps
  // not_leader after this leader handed over so that `removed` (itself) can be removed.
  wire::Reply handed_over(raft::NodeId removed) const;

  raft::Server& raft_;
  ClusterConfig cluster_;
  bool is_plain_;
};

}  // namespace auction::platform

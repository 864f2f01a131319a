// ReplicaService: the platform ops a replica serves on its client port.
//
// It sits between the wire layer (a wire::Server on the replica's client_port) and Raft
// (raft::Server) with the platform StateMachine behind it. Every request is decoded and
// checked with the platform codec (commands.hpp) first, then against the rules for new
// requests (check_new_request(): free text without control or bidirectional formatting
// characters), so a bad request is answered `bad_request` / `invalid_argument` and never
// reaches the log; apply checks neither again. Then:
//   writes  the canonical command, with the client's client_id/seq when given, is proposed
//           to Raft, with the decoded Request attached so that applying it here takes that
//           instead of parsing the bytes again (src/platform/entry_applier.hpp); the answer
//           is the state machine's answer text for that log entry (answer_text.hpp);
//   reads   (fetch_auctions, get_user_address) wait for a ReadIndex barrier and are
//           answered by StateMachine::query(), never written to the log;
//   status  is answered by every replica from its own Raft state.
// A replica that does not lead answers every platform op with `not_leader` and a `leader`
// hint: the known leader's CLIENT endpoint ({"id":1,"address":"127.0.0.1:7100"}) or null
// (docs/protocol.md, "Replica").
// Threading: handlers run on the wire server's executor, which must be the raft::Server's
// executor, so the state machine is only ever touched on that one thread.
// Never: writes a request it could not decode or that check_new_request() refuses, serves a read
// without a barrier, or answers a platform op from a replica that does not lead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "auction/platform/cluster_config.hpp"
#include "auction/platform/state_machine.hpp"
#include "auction/raft/server.hpp"
#include "wire/server.hpp"

namespace auction::platform {

class ReplicaService {
 public:
  // `raft` and `machine` (the one raft applies to, through an EntryApplier) must outlive
  // every request this service handles: stop the wire server and let its executor finish
  // before destroying them. platform::Replica assembles all of them.
  // `cluster` names the leader's client endpoint in not_leader hints.
  ReplicaService(raft::Server& raft, StateMachine& machine, ClusterConfig cluster);

  // Registers `status` and every platform op (docs/platform.md) on `server`.
  // Precondition: before server.start().
  void register_ops(wire::Server& server);

 private:
  boost::asio::awaitable<wire::Reply> async_serve(wire::Request request);
  boost::asio::awaitable<wire::Reply> async_write(Request request);
  boost::asio::awaitable<wire::Reply> async_read(const Request& request);
  wire::Reply status() const;
  // not_leader with the leader hint; `why` explains for a person.
  wire::Reply not_leader(const std::string& why) const;

  raft::Server& raft_;
  StateMachine& machine_;
  // digest() of the state at digest_index_, kept for `status` (see digest()).
  const std::string& digest() const;
  mutable std::optional<raft::LogIndex> digest_index_;
  mutable std::string digest_;
  ClusterConfig cluster_;
};

}  // namespace auction::platform

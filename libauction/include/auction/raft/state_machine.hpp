// StateMachine: what Raft replicates commands into. Raft knows nothing of auctions.
//
// apply() is called for every committed normal entry, exactly once, in log order, on every
// replica; it must be deterministic (no clock, no randomness, no I/O whose result can
// differ between replicas). Its return value is the answer handed back to the client that
// proposed the command (on the leader; followers discard it).
// An entry this node proposed itself, while that proposal is still pending here, is applied
// with apply_proposed() instead, which also receives what the proposer attached to the
// proposal (Driver::propose, Server::async_propose): a state machine can take the command as
// its proposer already decoded it instead of decoding the bytes again.
// snapshot() and restore() let a node discard its log (Raft paper §7): the driver saves a
// snapshot every so often and discards the entries it covers, and a follower too far behind
// receives the leader's snapshot and restores it instead of applying those entries.
// Threading: called from the driver's thread only.
#pragma once

#include <any>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // Applies the command committed at `index` and returns its answer bytes.
  virtual std::string apply(LogIndex index, std::string_view command) = 0;

  // Applies the command committed at `index` that this node proposed; `proposed` is what
  // its proposer attached (never empty here). It must change the state and answer exactly
  // as apply(index, command) would: the other replicas apply the same bytes without it.
  // The default ignores `proposed`.
  virtual std::string apply_proposed(LogIndex index, std::string_view command,
                                     const std::any& proposed) {
    (void)proposed;
    return apply(index, command);
  }

  // The whole state as of the last entry applied, as bytes restore() takes back.
  // Deterministic: two replicas that applied the same entries give the same bytes (a
  // follower resumes a transfer from a new leader only when the bytes match; the checksum
  // decides).
  virtual std::string snapshot() const = 0;

  // Replaces the whole state with the one `snapshot` describes (made by snapshot() on this
  // or any replica). All or nothing: on an error the state is unchanged.
  // Errors: "bad_snapshot" naming what is wrong.
  virtual Result<void> restore(std::string_view snapshot) = 0;
};

}  // namespace auction::raft

// StateMachine: what Raft replicates commands into. Raft knows nothing of auctions.
//
// apply() is called for every committed normal entry, exactly once, in log order, on every
// replica; it must be deterministic (no clock, no randomness, no I/O whose result can
// differ between replicas). Its return value is the answer handed back to the client that
// proposed the command (on the leader; followers discard it).
// Threading: called from the driver's thread only.
// Later: snapshot() and restore() for log compaction.
#pragma once

#include <string>
#include <string_view>

#include "auction/raft/types.hpp"

namespace auction::raft {

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // Applies the command committed at `index` and returns its answer bytes.
  virtual std::string apply(LogIndex index, std::string_view command) = 0;
};

}  // namespace auction::raft

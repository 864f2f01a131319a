// The vocabulary of Raft shared by the pure core, the log storage and the runtime:
// terms, log indexes, node ids, log entries and the hard state (Raft paper, Figure 2).
//
// Plain values only: no I/O, no clocks, no Asio. Strong types keep a Term from being
// passed where a LogIndex is expected.
#pragma once

#include <cstdint>
#include <string>

#include "auction/base/strong_id.hpp"

namespace auction::raft {

using Term = StrongId<struct TermTag>;
using LogIndex = StrongId<struct LogIndexTag>;
using NodeId = StrongId<struct NodeIdTag>;

// The largest term and the largest log index that a node holds, writes or accepts from a
// peer: 2^48, far below what the u64 fields of the wire and the WAL could carry. At one
// election (or one entry) per millisecond, reaching it takes about 8,900 years, so a node
// can always campaign for term + 1 and always append at last index + 1 in any real life of
// a cluster. A bound near the edge of the encoding would not leave that room: a single
// forged message with a term there, once adopted and persisted, would leave no term to
// campaign for. decode() (message.hpp) refuses a message carrying a term or index above
// these; FileStorage::open() refuses a data directory holding one; the core never
// campaigns past term_max nor appends past log_index_max.
inline constexpr std::uint64_t term_max = std::uint64_t{1} << 48;
inline constexpr std::uint64_t log_index_max = std::uint64_t{1} << 48;

// What an entry carries. `noop` is the entry a new leader appends at the start of its term
// (§5.4.2, and §6.4 of the dissertation for reads). `config` is reserved for membership
// changes (not yet implemented); a core that meets one today treats it as a bug.
enum class EntryType : std::uint8_t { normal = 0, noop = 1, config = 2 };

struct Entry {
  Term term;
  LogIndex index;
  EntryType type = EntryType::normal;
  std::string data;  // opaque command bytes for the state machine; empty for noop

  friend bool operator==(const Entry&, const Entry&) = default;
};

// The state that must be on stable storage before a node answers any RPC (Figure 2).
// Invariant: commit never moves backwards while term stays the same.
struct HardState {
  Term term;    // latest term this node has seen
  NodeId vote;  // candidate voted for in `term`; valid only if has_vote
  bool has_vote = false;
  LogIndex commit;  // highest index known committed (an optimisation, not a promise)

  friend bool operator==(const HardState&, const HardState&) = default;
};

}  // namespace auction::raft

// StrongId: an integer id with a type of its own.
//
// Sits in base/, below every layer: raft's Term, LogIndex and NodeId and the platform's
// AuctionId are StrongIds with different tags, so passing one where another is expected
// does not compile. Plain value: no I/O, safe from any thread, never throws.
#pragma once

#include <compare>
#include <cstdint>

namespace auction {

// Explicit construction, ordering and equality; no arithmetic, no implicit conversion.
template <class Tag>
struct StrongId {
  std::uint64_t value = 0;

  constexpr StrongId() = default;
  constexpr explicit StrongId(std::uint64_t v) : value(v) {}
  friend constexpr auto operator<=>(StrongId, StrongId) = default;
};

}  // namespace auction

// The platform's value types: auction ids, prices in cents, and the one place where price
// arithmetic happens.
//
// Sits under the platform state machine and the auction rules; plain values, no I/O, no
// clock, never throws. Strong types keep an AuctionId from being passed where a price is
// expected and keep prices from being mixed with raw integers by accident.
#pragma once

#include <compare>
#include <cstdint>

#include "auction/raft/types.hpp"
#include "auction/base/error.hpp"

namespace auction::platform {

// Auction ids are assigned by the state machine in log order: 1, 2, 3, ... (0 is never an
// auction).
using AuctionId = raft::StrongId<struct AuctionIdTag>;

// A price or a price step, in integer cents. Signed so that a negative value sent by a peer
// can be seen and rejected (instead of wrapping to a huge unsigned one); every valid price
// is >= 0.
struct Cents {
  std::int64_t value = 0;

  constexpr Cents() = default;
  constexpr explicit Cents(std::int64_t v) : value(v) {}
  friend constexpr auto operator<=>(Cents, Cents) = default;
};

// The clock price after `rounds` raises: base + rounds * increment, computed without
// overflow. Every price the platform derives goes through here.
// Preconditions: base >= 0, increment >= 1 (checked by the command codec; violating them
//   is a bug and aborts).
// Errors: "invalid_argument" when the result would pass INT64_MAX cents.
Result<Cents> price_at_round(Cents base, Cents increment, std::uint64_t rounds);

}  // namespace auction::platform

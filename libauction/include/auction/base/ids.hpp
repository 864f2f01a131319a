// The ids every layer above raft shares: auctions and their rounds.
//
// Sits in base/. One definition each, so the platform, the market and the front ends mean
// the same thing by an auction id. Plain values; safe from any thread.
#pragma once

#include <cstdint>

#include "auction/base/strong_id.hpp"

namespace auction {

// Auction ids are assigned by the platform's state machine in log order: 1, 2, 3, ...
// (0 is never an auction; in a paged read, "after 0" means from the first).
using AuctionId = StrongId<struct AuctionIdTag>;

// Round 0 is announced when an auction starts; round ids only move forward (a logical
// clock: a message carrying an older round than the receiver knows is stale).
using RoundId = std::uint64_t;

}  // namespace auction

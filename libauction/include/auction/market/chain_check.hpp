// The platform's chain check (platform/chain_check.hpp), answered with the auction rules:
// what a replica runs before it proposes a seller's update_auction or finish_auction.
//
// For an update: the chain as the push leaves it (the links held, then the new ones) replays
// from the auction's opening (the seller, its prices, the buyers who joined), every new
// withdrawal the buyer asked for carries that buyer's signature (the links held were checked
// when they were stored), and the push's round is not before the last link's. For a result:
// the same, and the result is the one the chain ends with, names its head, and is signed by
// the seller (verify_recorded_result). Keys are the ones the auction recorded at its start.
//
// Pure (market/): no I/O, no clock; safe from any thread (the replica runs it on a worker).
#pragma once

#include "auction/base/error.hpp"
#include "auction/platform/chain_check.hpp"

namespace auction::market {

// Errors: those of decode_chain_links (bad_request / invalid_argument naming the link),
// replay_chain and verify_recorded_result (transcript_invalid, bad_signature), and
// transcript_invalid when a push's round is before its chain's last link.
Result<void> check_chain_claim(const platform::ChainClaim& claim);

}  // namespace auction::market

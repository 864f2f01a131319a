// Checking a finished auction from what the platform keeps, as `buyer verify ID` and `seller
// verify ID` do: the platform's transcript (get_transcript) replayed with the pure auction
// rules, and a report of every step, for a person or a script.
//
// What it proves: the result follows, by the rules, from the seller's chain; each withdrawal
// a buyer asked for is signed by that buyer's key; the seller signed the result and the head
// of its chain; every signature in this cluster. The keys are those the platform recorded
// when the auction started, and the user running the check sees whether its own key is
// among them (a platform that swapped a key shows up there). Withdrawals for silence are the
// seller's claim and are reported as such.
//
// Pure (market/): no I/O, no clock; safe from any thread; never throws but for memory.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/market/transcript.hpp"
#include "auction/platform/answers.hpp"

namespace auction::market {

// An auction as the platform's transcript gives it: the opening, the chain's links as the
// seller last pushed them, and the keys recorded at the start. A seller resuming its auction
// replays these; check_transcript below checks them.
struct TranscriptParts {
  ChainOpening opening;
  std::vector<ChainLink> links;
  TranscriptKeys keys;
};

// Errors: those of decode_chain_links and transcript_keys, naming the field.
Result<TranscriptParts> transcript_parts(const platform::AuctionTranscript& transcript);

// The report of a transcript that checks:
//   {"auction_id", "seller", "base_price", "increment", "buyers": [names],
//    "withdrawals": [{"round_id", "price", "username", "reason",
//                     "signed": {"round_id", "price"}   (absent: the seller's claim)}],
//    "winner" (absent when unsold), "round_id", "price", "chain_head",
//    "own_key": "matches" | "differs" | "not a participant",
//    the terms' keys where they are not the defaults (write_sale_terms()),
//    "reserve_not_met": true (only when unsold for that reason)}
// Errors: wrong_stage (not finished yet), the parts' decoding errors, and those of
// verify_recorded_result (transcript_invalid, bad_signature) naming the first mismatch.
// `viewer` and `viewer_key` (hex) are the user running the check.
Result<nlohmann::json> check_transcript(const platform::AuctionTranscript& transcript,
                                        std::string_view cluster_id, std::string_view viewer,
                                        std::string_view viewer_key);

}  // namespace auction::market

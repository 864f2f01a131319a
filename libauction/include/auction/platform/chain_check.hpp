// The chain check: what the leader asks before it proposes a seller's update_auction or
// finish_auction, and the seam through which it asks it.
//
// A seller pushes the links of its announcement chain the platform lacks with its updates and
// ends the chain with its result (commands.hpp). Whether those links are a chain the auction rules
// allow, whether each withdrawal the chain claims was signed by its buyer, and whether the result
// follows from the chain and was signed by the seller are questions of the auction's rules, which
// sit above the platform (market/transcript.hpp). So the platform does not answer them itself: the
// program that assembles a replica hands it a ChainCheck (the replica program uses
// market::check_chain_claim), and the leader runs it, on its worker thread, before it
// proposes the write. apply() then only checks what needs the order of entries: that the
// links extend the ones stored.
//
// Pure data and a function type; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/auction_record.hpp"
#include "auction/platform/commands.hpp"

namespace auction::platform {

// What a seller claims, with what the platform holds to judge it by.
struct ChainClaim {
  // The auction as the platform holds it now: a started auction, with its keys, and the links
  // it holds. A leader checked those, signatures and all, when they were stored, so only the
  // rules are replayed over them (a push costs the signature checks of its new links only,
  // however long the chain).
  AuctionRecord auction;
  // The links the push or the result adds after those: the chain it would leave is
  // auction.links, then these.
  nlohmann::json new_links = nlohmann::json::array();
  std::uint64_t round_id = 0;           // the round the push or the result reports
  std::optional<FinishAuction> finish;  // set for finish_auction
  std::string cluster_id;               // the scope of every signature
};

// Errors (nothing is proposed): transcript_invalid, bad_signature, invalid_argument or
// bad_request naming what does not hold.
using ChainCheck = std::function<Result<void>(const ChainClaim&)>;

}  // namespace auction::platform

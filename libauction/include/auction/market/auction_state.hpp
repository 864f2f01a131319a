// A running auction's whole state as the seller pushes it to the platform (update_auction)
// and restores it after a restart.
//
// The platform keeps the newest push (round ids only move forward), so a seller that crashes
// resumes from the last pushed round: anything after that push is lost and replayed. Plain
// value with a JSON codec; pure (market/), safe from any thread, never throws.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/base/sale_terms.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

// Invariants (AuctionRules only makes states that hold them; AuctionRules::restore checks them):
//   - base_price, increment and terms pass price_schedule_of() (base/sale_terms.hpp);
//   - price == the price of round_id;
//   - buyers are unique valid usernames, at most limits::buyers_per_auction_max;
//   - stage == running: at least two buyers are active, or one below the reserve;
//   - stage == finished: the `winner` is the only active buyer, at or above the reserve; or
//     there is none and nobody is active (nobody joined, or the last one left below the
//     reserve).
struct AuctionState {
  AuctionId auction_id;
  Stage stage = Stage::not_started;
  RoundId round_id = 0;
  Cents base_price;
  Cents increment;
  Cents price;
  std::vector<BuyerEntry> buyers;
  std::optional<std::string> winner;
  SaleTerms terms{};

  friend bool operator==(const AuctionState&, const AuctionState&) = default;
};

// {"auction_id":7,"stage":"running","round_id":3,"base_price":1000,"increment":100,
//  "price":1300,"buyers":[{"username":"amy","active":true}, ...]}   ("winner" once finished;
//  the terms' keys, as create_auction's, where they are not the defaults)
nlohmann::json encode(const AuctionState& state);

// Checks types and bounds of every field (bad_request / invalid_argument naming the field);
// the cross-field invariants are AuctionRules::restore's to check.
Result<AuctionState> decode_auction_state(const nlohmann::json& j);

}  // namespace auction::market

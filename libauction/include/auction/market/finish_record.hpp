// The result of one auction: who won, at which round and price, and every buyer's status.
//
// One record serves three readers, so there is one format: the seller's journal (kept until
// the platform acknowledges it), the platform's finish command, and the `auction_finished`
// message each buyer receives. Plain value with a JSON codec; pure (market/), safe from any thread,
// never throws.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

// Invariants (checked by decode_finish_record and by AuctionRules, which makes them):
//   - `winner`, when present, is the one and only active entry of `buyers`;
//   - without a winner nobody is active: nobody joined, or the last buyer left below the
//     reserve (reserve_not_met());
//   - `price` >= 0 is the price of round `round_id`.
struct FinishRecord {
  AuctionId auction_id;
  RoundId round_id = 0;
  std::optional<std::string> winner;
  Cents price;
  std::vector<BuyerEntry> buyers;

  // No winner although buyers joined: the last one left below the reserve.
  bool reserve_not_met() const noexcept { return !winner && !buyers.empty(); }

  friend bool operator==(const FinishRecord&, const FinishRecord&) = default;
};

// {"auction_id":7,"round_id":12,"winner":"bob","price":2200,
//  "buyers":[{"username":"bob","active":true},{"username":"amy","active":false,"reason":"silent"}]}
// `winner` is omitted for an unsold auction (nobody joined, or the reserve was not met).
nlohmann::json encode(const FinishRecord& record);

// Errors: bad_request for a missing or ill-typed field, invalid_argument for a value out of
// range or an inconsistent winner; the message names the field.
Result<FinishRecord> decode_finish_record(const nlohmann::json& j);

}  // namespace auction::market

// Checked reading of JSON fields for the market layer's peer codecs (private to src/market/).
//
// Every reader checks the type before it reads, so nlohmann never throws here; a missing or
// ill-typed field is bad_request, a value out of range is invalid_argument, and the message
// names the field as "<context>.<field>" (e.g. "announce_price.buyers[3].username").
// Pure, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/market/types.hpp"

namespace auction::market::json_fields {

// Precondition-free: `j` may be anything a peer sent.
Result<void> require_object(const nlohmann::json& j, std::string_view context);

// A non-negative integer that fits in uint64.
Result<std::uint64_t> read_u64(const nlohmann::json& object, std::string_view field,
                               std::string_view context);
// An auction id: a non-negative integer that fits in uint64 (a JSON integer on the wire).
Result<AuctionId> read_auction_id(const nlohmann::json& object, std::string_view field,
                                  std::string_view context);
// A non-negative integer that fits in int64 cents.
Result<Cents> read_cents(const nlohmann::json& object, std::string_view field,
                         std::string_view context);
// A string of at most `chars_max` characters.
Result<std::string> read_string(const nlohmann::json& object, std::string_view field,
                                std::string_view context, std::size_t chars_max);
Result<std::string> read_username(const nlohmann::json& object, std::string_view field,
                                  std::string_view context);
Result<bool> read_bool(const nlohmann::json& object, std::string_view field,
                       std::string_view context);
// Whether `field` is present (and not null).
bool has(const nlohmann::json& object, std::string_view field);

// [{"username":"amy","active":true},{"username":"bob","active":false,"reason":"silent"}]:
// at most limits::buyers_per_auction_max entries, usernames unique.
Result<std::vector<BuyerEntry>> read_buyers(const nlohmann::json& object, std::string_view field,
                                            std::string_view context);
nlohmann::json encode_buyers(const std::vector<BuyerEntry>& buyers);

}  // namespace auction::market::json_fields

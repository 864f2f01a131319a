// SaleTerms: what a seller sets for an auction beyond its start price, first increment and
// period -- the increment table, the reserve and the grace for missed rounds -- as one value
// that the platform's create_auction, records, views and transcripts and the market's rules
// and chain all carry (docs/auction.md, "Terms").
//
// Sits in base/ beside PriceSchedule (the platform keeps the terms; the market runs them).
// Plain value and its JSON keys; pure; never throws but for memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/money.hpp"
#include "auction/base/price_schedule.hpp"

namespace auction {

// A hidden reserve's salt: 16 bytes, as lowercase hex digits.
inline constexpr std::size_t reserve_salt_hex_digits = 32;
// The latest scheduled start: 9999-12-31T23:59:59.999Z, in milliseconds since the Unix epoch.
inline constexpr std::int64_t start_at_ms_max = 253'402'300'799'999;

struct SaleTerms {
  // The increment table: from each step's from_price on, the price rises by its increment
  // (PriceSchedule); none: by the first increment throughout.
  std::vector<IncrementStep> increment_steps{};
  // Below it nothing is sold; above the start price. nullopt: no reserve.
  std::optional<Cents> reserve{};
  // A hidden reserve is told to the seller alone until the auction ends; the seller's chain
  // commits to it with `reserve_salt` (16 bytes as 32 lowercase hex digits, present exactly
  // when hidden), so no one can change it afterwards and no one can guess it before.
  bool reserve_hidden = false;
  std::string reserve_salt{};
  // How many acknowledgements in a row a buyer may miss before it is withdrawn for silence:
  // 1 (the first missed one, the original rule) .. limits::grace_rounds_max.
  std::uint32_t grace_rounds = 1;
  // A scheduled start, in milliseconds since the Unix epoch (UTC): the seller's program starts
  // the auction then by itself, and not before; buyers see when. nullopt: its seller starts
  // it. Not a rule of the clock, so the chain's opening leaves it out.
  std::optional<std::int64_t> start_at_ms{};

  friend bool operator==(const SaleTerms&, const SaleTerms&) = default;
};

// The clock's prices of an auction starting at `base_price` and rising by `increment`, after
// checking every rule of its terms: the schedule (PriceSchedule::create) lets the price rise
// at least once; a reserve is above the start price (one at or below it is always met); a
// hidden reserve is there, with its salt, and a salt comes only with one; grace_rounds is in
// 1..limits::grace_rounds_max; start_at_ms in 1..start_at_ms_max. Errors: invalid_argument
// naming the field.
Result<PriceSchedule> price_schedule_of(Cents base_price, Cents increment, const SaleTerms& terms);

// The terms as JSON keys of `out` (an object), each only where it differs from its default:
// "increment_steps": [{"from_price":..,"increment":..}], "reserve", "reserve_hidden",
// "reserve_salt", "grace_rounds", "start_at_ms" -- the same keys in every message that
// carries terms.
void write_sale_terms(nlohmann::json& out, const SaleTerms& terms);

// Reads those keys of `object` (absent: the default); the other keys are the caller's. Checks
// types and ranges (not price_schedule_of()'s rules). Errors: bad_request for a wrong type,
// invalid_argument for a value out of range, naming "<context>.<key>".
Result<SaleTerms> read_sale_terms(const nlohmann::json& object, std::string_view context);

}  // namespace auction

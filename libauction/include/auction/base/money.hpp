// Money: integer cents, the one checked price formula, and money as people type it.
//
// Sits in base/, below every layer: the platform checks the prices sellers report with the
// same formula the auction rules use to raise the clock, and both front ends read and print
// amounts the same way. Pure functions, safe from any thread, never throw.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction {

// A price or a price step, in integer cents. Signed so that a negative value sent by a peer
// can be seen and rejected (instead of wrapping to a huge unsigned one); every valid price
// is >= 0. A strong type, so a price is never mixed up with a round id or a count.
struct Cents {
  std::int64_t value = 0;

  constexpr Cents() = default;
  constexpr explicit Cents(std::int64_t v) : value(v) {}
  friend constexpr auto operator<=>(Cents, Cents) = default;
};

// The clock price after `rounds` raises: base + rounds * increment, computed without
// overflow. Every clock price in the system comes from here.
// Errors: invalid_argument ("base_price: must not be negative", "increment: must be
//   positive"); price_overflow when the result would pass INT64_MAX cents.
Result<Cents> price_at_round(Cents base, Cents increment, std::uint64_t rounds);

// Whether `price` is exactly the price of round `rounds` (false when that price overflows):
// how a peer's claim "round r at price p" is checked.
bool is_price_at_round(Cents base, Cents increment, std::uint64_t rounds, Cents price);

// "12.50" for Cents{1250}, "0.05" for Cents{5}, "-3.00" for Cents{-300}. Always two decimals,
// no thousands separators, so the output parses back with parse_cents (for non-negative
// values).
std::string format_cents(Cents amount);

// Parses a non-negative amount: digits, optionally followed by '.' and one or two digits
// ("12", "12.5", "12.50"). No sign, no spaces, no exponent, no third decimal (money is never
// rounded silently), no ".5" or "12.".
// Errors: invalid_argument (naming the problem) for anything else; out_of_range when the
// amount does not fit in int64 cents.
Result<Cents> parse_cents(std::string_view text);

}  // namespace auction

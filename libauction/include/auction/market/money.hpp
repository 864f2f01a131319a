// Money as people type and read it: "12.50" <-> Cents{1250}.
//
// Used by the command-line and web front ends to turn what a user typed into cents and back;
// inside the system every amount is integer cents. Pure functions, safe from any thread,
// never throw.
#pragma once

#include <string>
#include <string_view>

#include "auction/market/types.hpp"
#include "auction/base/error.hpp"

namespace auction::market {

// "12.50" for Cents{1250}, "0.05" for Cents{5}, "-3.00" for Cents{-300}. Always two decimals,
// no thousands separators, so the output parses back with parse_cents (for non-negative values).
std::string format_cents(Cents amount);

// Parses a non-negative amount: digits, optionally followed by '.' and one or two digits
// ("12", "12.5", "12.50"). No sign, no spaces, no exponent, no third decimal (we do not round
// money silently), no ".5" or "12.".
// Errors: invalid_argument (naming the problem) for anything else; out_of_range when the
// amount does not fit in int64 cents.
Result<Cents> parse_cents(std::string_view text);

}  // namespace auction::market

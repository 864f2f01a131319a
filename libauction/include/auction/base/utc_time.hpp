// Wall-clock times as people read and type them: milliseconds since the Unix epoch (UTC), as
// an auction's scheduled start is kept, to and from "2026-12-08 01:00:00 UTC".
//
// Pure: converts the values it is given, reads no clock; never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction {

// "2026-12-08 01:00:00 UTC" (the seconds of `ms`, which is >= 0).
std::string format_utc_time(std::int64_t ms);

// "2026-12-08T01:00:00Z" or "2026-12-08 01:00:00" (UTC; years 1970..9999) as milliseconds.
// Errors: invalid_argument saying the form expected.
Result<std::int64_t> parse_utc_time(std::string_view text);

}  // namespace auction

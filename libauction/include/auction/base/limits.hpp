// The limits of the shared vocabulary: how long a name, an address or a text may be, and how
// many buyers one auction may hold. One set, used by the platform, the market and the front
// ends alike.
//
// Part of the protocol and of the replicated state machine's contract: every replica and
// every peer must be built with the same values (changing one is a protocol change).
// docs/platform.md and docs/auction.md list them. The platform's capacity limits (how many
// users and auctions its state holds, and its page sizes) are its own:
// auction/platform/limits.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace auction::limits {

// Usernames and client ids: characters [A-Za-z0-9_.-].
inline constexpr std::size_t username_bytes_max = 32;
inline constexpr std::size_t client_id_bytes_max = 64;

// A peer address, "host:port" (see endpoint.hpp).
inline constexpr std::size_t address_bytes_max = 128;

// Free text (UTF-8). Names must not be empty; the description may be.
inline constexpr std::size_t auction_name_bytes_max = 100;
inline constexpr std::size_t item_name_bytes_max = 100;
inline constexpr std::size_t item_description_bytes_max = 2000;

// The round period a seller may choose.
inline constexpr std::int64_t period_ms_min = 10;
inline constexpr std::int64_t period_ms_max = 3'600'000;

// The grace for missed rounds a seller may give: how many acknowledgements in a row a buyer
// may miss before it is withdrawn as silent (1, the original rule: the first missed one).
inline constexpr std::uint32_t grace_rounds_max = 100;

// How deep objects and arrays may nest in any JSON text read from outside: a request or
// response frame, a log entry or a snapshot in JSON form. Checked before parsing
// (is_nesting_within in text_rules.hpp).
inline constexpr std::size_t json_depth_max = 32;

// Buyers one auction may hold: how many may join it on the platform, and the bound on every
// list of buyers a peer or a seller sends (announcements, results) and on the withdrawals of
// one chain. The one definition for platform and market alike: the platform's answers page an
// auction's buyers (platform::limits::buyers_page_max) and a seller pushes only the links the
// platform lacks, so no message has to hold them all at once (docs/platform.md).
inline constexpr std::size_t buyers_per_auction_max = 10'000;

}  // namespace auction::limits

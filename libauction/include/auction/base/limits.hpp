// The limits of the shared vocabulary: how long a name, an address or a text may be, and how
// many buyers one auction may hold. One set, used by the platform, the market and the front
// ends alike.
//
// Part of the protocol and of the replicated state machine's contract: every replica and
// every peer must be built with the same values (changing one is a protocol change).
// docs/platform.md and docs/auction.md list them. The platform's capacity limits (how many
// users and auctions its state holds) are its own: auction/platform/limits.hpp.
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

// Buyers one auction may list: the bound on every list of buyers a peer or a seller sends
// (announcements, pushes, results). The platform lets fewer join for now, because its
// answers are not yet paged by buyer (platform::limits::joined_buyers_max).
inline constexpr std::size_t buyers_per_auction_max = 10'000;

}  // namespace auction::limits

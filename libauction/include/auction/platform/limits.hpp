// Every bound the platform puts on what a peer controls, in one place.
//
// Part of the replicated state machine's contract: all replicas must be built with the same
// values, because they decide which commands succeed (changing one is a protocol change).
// docs/platform.md lists them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace auction::platform::limits {

// Usernames and client ids: characters [A-Za-z0-9_.-].
inline constexpr std::size_t username_bytes_max = 32;
inline constexpr std::size_t client_id_bytes_max = 64;

// "host:port"; host is a name/IPv4 ([A-Za-z0-9.-]) or a bracketed IPv6 literal.
inline constexpr std::size_t address_bytes_max = 128;

// Free text (UTF-8). Names must not be empty; the description may be.
inline constexpr std::size_t auction_name_bytes_max = 100;
inline constexpr std::size_t item_name_bytes_max = 100;
inline constexpr std::size_t item_description_bytes_max = 2000;

// The round period a seller may choose.
inline constexpr std::int64_t period_ms_min = 10;
inline constexpr std::int64_t period_ms_max = 3'600'000;

// Size of the replicated state.
inline constexpr std::size_t users_max = 100'000;
inline constexpr std::size_t auctions_max = 100'000;
inline constexpr std::size_t buyers_per_auction_max = 100;

// One fetch_auctions answer holds at most this many auctions (a client pages with after_id).
inline constexpr std::size_t fetch_page_max = 100;

// Exactly-once sessions (see session_table.hpp): at most this many are kept, and one not
// used for more than this many log indexes is dropped.
inline constexpr std::size_t sessions_max = 1024;
inline constexpr std::uint64_t session_idle_entries_max = 100'000;

}  // namespace auction::platform::limits

// The platform's own bounds: how much its replicated state holds, how large one answer is,
// how many exactly-once sessions it keeps.
//
// Part of the replicated state machine's contract: all replicas must be built with the same
// values, because they decide which commands succeed (changing one is a protocol change).
// The limits every layer shares (names, addresses, texts, periods, buyers in a list) are
// base's: auction/base/limits.hpp. docs/platform.md lists both.
#pragma once

#include <cstddef>
#include <cstdint>

namespace auction::platform::limits {

// Size of the replicated state.
inline constexpr std::size_t users_max = 100'000;
inline constexpr std::size_t auctions_max = 100'000;
// Buyers who may join one auction. Below auction::limits::buyers_per_auction_max because
// the platform's answers list an auction's buyers whole (they are not paged by buyer).
inline constexpr std::size_t joined_buyers_max = 100;

// One fetch_auctions answer holds at most this many auctions (a client pages with after_id).
inline constexpr std::size_t fetch_page_max = 100;

// Exactly-once sessions (see detail/session_table.hpp): at most this many per user; a user's
// new client beyond it ends that user's session used longest ago. Memory for sessions is
// bounded by users_max times this.
inline constexpr std::size_t sessions_per_user_max = 8;

}  // namespace auction::platform::limits

// The platform's own bounds: how much its replicated state holds, how large one answer is,
// how many exactly-once sessions it keeps.
//
// Part of the replicated state machine's contract: all replicas must be built with the same
// values, because they decide which commands succeed (changing one is a protocol change).
// Never lower one under a running cluster: a state that holds more than a bound allows no
// longer restores from its snapshot.
// The limits every layer shares (names, addresses, texts, periods, and the buyers one
// auction holds: auction::limits::buyers_per_auction_max) are base's:
// auction/base/limits.hpp. docs/platform.md lists both, with what each costs in memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace auction::platform::limits {

// Size of the replicated state: users ever registered (never removed) and auctions ever
// created, in every stage (never removed either). docs/performance.md, "Capacity", has the
// memory each costs.
inline constexpr std::size_t users_max = 10'000'000;
inline constexpr std::size_t auctions_max = 1'000'000;

// No answer lists a whole registry or a whole auction: each list is a page, bounded here, and
// a client asks for the next one with a cursor. Each page stays far below the 1 MiB a frame
// may hold (docs/protocol.md).
// One fetch_auctions answer: at most this many auctions (the next page starts after_id the
// last one).
inline constexpr std::size_t fetch_page_max = 100;
// One fetch_buyers answer: at most this many of an auction's buyers (the next page starts
// after the last username).
inline constexpr std::size_t buyers_page_max = 1'000;
// One fetch_links answer: links of an auction's chain holding at most this many withdrawals
// in all, but always at least one link (every stored link came in one entry, so one link
// always fits a frame; the next page starts at `from` plus the links received).
inline constexpr std::size_t link_withdrawals_page_max = 1'000;

// One watch answer: at most this many events; and the longest a watch waits for its first
// event before it answers none (the watcher asks again at once).
inline constexpr std::size_t watch_page_max = 100;
inline constexpr std::uint64_t watch_wait_ms_max = 30'000;

// Exactly-once sessions (see detail/session_table.hpp): at most this many per user; a user's
// new client beyond it ends that user's session used longest ago. Memory for sessions is
// bounded by users_max times this.
inline constexpr std::size_t sessions_per_user_max = 8;

}  // namespace auction::platform::limits

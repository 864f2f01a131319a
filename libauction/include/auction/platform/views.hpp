// Views: what one user may see of an auction (the visibility rules of docs/platform.md).
//
// Everyone sees what an auction is (names, item, seller, prices, period, stage) and, once
// it is finished, its outcome (winner and price). Only the auction's participants -- its
// seller and its joined buyers -- see who else takes part and how the clock stands (buyers
// and their status, round, current price); only the seller also sees the buyers' addresses,
// which it needs to run (or resume) the auction peer to peer.
//
// Pure functions of the state; no I/O.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/platform/auction_record.hpp"

namespace auction::platform {

enum class Role : std::uint8_t { none, buyer, seller };

Role role_of(const AuctionRecord& auction, std::string_view username);

using Addresses = std::map<std::string, std::string, std::less<>>;  // username -> address

// The auction as `viewer` may see it. `addresses` maps every user to their address;
// every buyer of `auction` must be in it (users are never removed).
nlohmann::json auction_view(const AuctionRecord& auction, std::string_view viewer,
                            const Addresses& addresses);

// The auction as any viewer with `role` sees it (the same for every buyer, and for every
// user who takes no part). `addresses` is read only for Role::seller.
nlohmann::json auction_view(const AuctionRecord& auction, Role role, const Addresses& addresses);

}  // namespace auction::platform

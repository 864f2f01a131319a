// AuctionListPage: one page of the auctions a seller's or a buyer's runtime lists (`list` in
// the CLIs), as the platform's views of them in their JSON (platform::encode_auction_view).
//
// A page, never the whole registry: the platform may hold a million auctions, and a front end
// asks for the next page after the last id it printed (platform::limits::fetch_page_max
// auctions a page). Plain data; no I/O.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/ids.hpp"

namespace auction::market {

struct AuctionListPage {
  std::vector<nlohmann::json> views;  // in id order
  bool more = false;                  // auctions follow the last one
};

// Which page: the auctions after `after` (AuctionId{0}: from the first); with `mine`, only
// those the user sells or has joined.
struct AuctionListRequest {
  AuctionId after{0};
  bool mine = false;
};

}  // namespace auction::market

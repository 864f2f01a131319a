// What the seller's and the buyer's runtimes answer for `list`, `show` and `verify` (private to
// src/market/runtime/): the platform's views of auctions, as one user sees them, in the JSON
// the platform writes them in (platform::encode_auction_view), for a front end to print.
//
// Every answer is bounded the way the platform's are: `list` is one page of auctions, `show`
// one auction with its buyers (page after page: at most auction::limits::buyers_per_auction_max).
// Runs on the platform client's executor. Never throws; errors are the platform client's.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/market/runtime/auction_list.hpp"

namespace auction::platform {
class Client;
}

namespace auction::market::detail {

// One page of the auctions `username` sees (fetch_auctions). `platform` must outlive the
// call.
boost::asio::awaitable<Result<AuctionListPage>> async_list_auction_views(
    platform::Client& platform, std::string username, AuctionListRequest request);

// One auction as `username` sees it; when it takes part and `with_buyers`, with "buyers":
// [{username, active, address (the seller's view only)}], every page of fetch_buyers.
// Errors: unknown_auction, the platform's.
boost::asio::awaitable<Result<nlohmann::json>> async_show_auction_view(platform::Client& platform,
                                                                       std::string username,
                                                                       AuctionId auction_id,
                                                                       bool with_buyers);

// The check of a finished auction's transcript by `username` (transcript_report.hpp), gathered
// page by page (platform::Client::async_fetch_transcript).
// Errors: the platform's, and check_transcript's.
boost::asio::awaitable<Result<nlohmann::json>> async_verify_transcript(platform::Client& platform,
                                                                       std::string username,
                                                                       AuctionId auction_id);

}  // namespace auction::market::detail

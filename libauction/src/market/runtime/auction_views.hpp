// What the seller's and the buyer's runtimes answer for `list`, `show` and `verify` (private to
// src/market/runtime/): the platform's views of auctions, as one user sees them, in the JSON
// the platform writes them in (platform::encode_auction_view), for a front end to print.
//
// Runs on the platform client's executor. Never throws; errors are the platform client's.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"

namespace auction::platform {
class Client;
}

namespace auction::market::detail {

// Every auction on the platform as `username` sees it (all pages). `platform` must outlive
// the call.
boost::asio::awaitable<Result<std::vector<nlohmann::json>>> async_list_auction_views(
    platform::Client& platform, std::string username);

// One auction as `username` sees it. Errors: unknown_auction, the platform's.
boost::asio::awaitable<Result<nlohmann::json>> async_show_auction_view(platform::Client& platform,
                                                                       std::string username,
                                                                       AuctionId auction_id);

// The check of a finished auction's transcript by `username` (transcript_report.hpp).
// Errors: the platform's, and check_transcript's.
boost::asio::awaitable<Result<nlohmann::json>> async_verify_transcript(platform::Client& platform,
                                                                       std::string username,
                                                                       AuctionId auction_id);

}  // namespace auction::market::detail

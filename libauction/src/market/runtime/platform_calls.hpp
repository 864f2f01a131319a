// The platform reads both runtimes make (private to src/market/runtime/): every auction a user may
// see (all pages of fetch_auctions) and one auction by id. Runs on the caller's executor;
// errors are the platform client's.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/platform/client.hpp"

namespace auction::market::detail {

// At most this many pages of 100 (the platform's own auction limit is 100,000).
inline constexpr int fetch_pages_max = 1000;

inline boost::asio::awaitable<Result<std::vector<nlohmann::json>>> async_fetch_all(
    platform::Client& platform, std::string username) {
  std::vector<nlohmann::json> auctions;
  std::uint64_t after_id = 0;
  for (int page = 0; page < fetch_pages_max; ++page) {
    // (Fields are built before co_await: g++ 12 mis-compiles braced lists inside it.)
    nlohmann::json fields = {{"username", username}, {"after_id", after_id}, {"limit", 100}};
    auto result = co_await platform.async_call("fetch_auctions", std::move(fields));
    if (!result) co_return std::unexpected(result.error());
    const nlohmann::json& list = (*result)["auctions"];
    if (!list.is_array()) co_return fail(code::bad_response, "fetch_auctions: no auctions array");
    for (const nlohmann::json& a : list) {
      if (!a.is_object() || !a.contains("auction_id") || !a["auction_id"].is_number_unsigned()) {
        co_return fail(code::bad_response, "fetch_auctions: an auction without an id");
      }
      after_id = a["auction_id"].get<std::uint64_t>();
      auctions.push_back(a);
    }
    if (!result->value("more", false) || list.empty()) break;
  }
  co_return auctions;
}

inline boost::asio::awaitable<Result<nlohmann::json>> async_fetch_one(platform::Client& platform,
                                                                      std::string username,
                                                                      AuctionId auction_id) {
  nlohmann::json fields = {
      {"username", username},
      {"after_id", auction_id.value == 0 ? 0 : auction_id.value - 1},
      {"limit", 1}};
  auto result = co_await platform.async_call("fetch_auctions", std::move(fields));
  if (!result) co_return std::unexpected(result.error());
  const nlohmann::json& list = (*result)["auctions"];
  if (list.is_array() && !list.empty() && list[0].is_object() &&
      list[0].value("auction_id", std::uint64_t{0}) == auction_id.value) {
    co_return list[0];
  }
  co_return fail(code::unknown_auction, "no auction " + std::to_string(auction_id.value));
}

// The address a user's program answers at, from the directory.
inline boost::asio::awaitable<Result<std::string>> async_address_of(platform::Client& platform,
                                                                    std::string username) {
  nlohmann::json fields = {{"username", username}};
  auto result = co_await platform.async_call("get_user_address", std::move(fields));
  if (!result) co_return std::unexpected(result.error());
  if (!result->contains("address") || !(*result)["address"].is_string()) {
    co_return fail(code::bad_response, "get_user_address: no address");
  }
  co_return (*result)["address"].get<std::string>();
}

// Whether an error is the platform being out of reach (worth retrying later), as opposed to
// an answer it gave.
inline bool is_unreachable(const Error& error) {
  return error.code == code::unavailable || error.code == code::timeout || error.code == code::overloaded ||
         error.code == code::not_leader;
}

}  // namespace auction::market::detail

// The views both runtimes list and show; see market/runtime/auction_views.hpp.
#include "market/runtime/auction_views.hpp"

#include <utility>

#include "auction/market/transcript_report.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/limits.hpp"
#include "auction/platform/views.hpp"

namespace auction::market::detail {

namespace asio = boost::asio;
using nlohmann::json;

asio::awaitable<Result<AuctionListPage>> async_list_auction_views(platform::Client& platform,
                                                                  std::string username,
                                                                  AuctionListRequest request) {
  platform::FetchAuctions fetch{std::move(username), request.after,
                                platform::limits::fetch_page_max, request.mine};
  auto page = co_await platform.async_fetch_auctions(std::move(fetch));
  if (!page) co_return std::unexpected(page.error());
  AuctionListPage list;
  list.more = page->more;
  list.views.reserve(page->auctions.size());
  for (const platform::AuctionView& view : page->auctions) {
    list.views.push_back(platform::encode_auction_view(view));
  }
  co_return list;
}

asio::awaitable<Result<json>> async_show_auction_view(platform::Client& platform,
                                                      std::string username, AuctionId auction_id,
                                                      bool with_buyers) {
  auto view = co_await platform.async_fetch_auction(username, auction_id);
  if (!view) co_return std::unexpected(view.error());
  json shown = platform::encode_auction_view(*view);
  if (!with_buyers || view->role == platform::Role::none) co_return shown;
  auto buyers = co_await platform.async_fetch_all_buyers(std::move(username), auction_id);
  if (!buyers) co_return std::unexpected(buyers.error());
  json list = json::array();
  for (const platform::BuyerView& b : *buyers) {
    json item = {{"username", b.username}, {"active", b.active}};
    if (b.address) item["address"] = *b.address;
    list.push_back(std::move(item));
  }
  shown["buyers"] = std::move(list);
  co_return shown;
}

asio::awaitable<Result<json>> async_verify_transcript(platform::Client& platform,
                                                      std::string username, AuctionId auction_id) {
  auto transcript = co_await platform.async_fetch_transcript(username, auction_id);
  if (!transcript) co_return std::unexpected(transcript.error());
  co_return check_transcript(*transcript, platform.cluster_id(), username,
                             platform.user_public_key());
}

}  // namespace auction::market::detail

// The views both runtimes list and show; see market/runtime/auction_views.hpp.
#include "market/runtime/auction_views.hpp"

#include <utility>

#include "auction/market/transcript_report.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/views.hpp"

namespace auction::market::detail {

namespace asio = boost::asio;
using nlohmann::json;

asio::awaitable<Result<std::vector<json>>> async_list_auction_views(platform::Client& platform,
                                                                    std::string username) {
  auto views = co_await platform.async_fetch_all_auctions(std::move(username));
  if (!views) co_return std::unexpected(views.error());
  std::vector<json> list;
  list.reserve(views->size());
  for (const platform::AuctionView& view : *views) {
    list.push_back(platform::encode_auction_view(view));
  }
  co_return list;
}

asio::awaitable<Result<json>> async_show_auction_view(platform::Client& platform,
                                                      std::string username, AuctionId auction_id) {
  auto view = co_await platform.async_fetch_auction(std::move(username), auction_id);
  if (!view) co_return std::unexpected(view.error());
  co_return platform::encode_auction_view(*view);
}

asio::awaitable<Result<json>> async_verify_transcript(platform::Client& platform,
                                                      std::string username, AuctionId auction_id) {
  platform::GetTranscript get{username, auction_id};
  auto transcript = co_await platform.async_get_transcript(std::move(get));
  if (!transcript) co_return std::unexpected(transcript.error());
  co_return check_transcript(*transcript, platform.cluster_id(), username,
                             platform.user_public_key());
}

}  // namespace auction::market::detail

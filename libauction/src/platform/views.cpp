// Views (see auction/platform/views.hpp). Pure.
#include "auction/platform/views.hpp"

#include "auction/base/assert.hpp"

namespace auction::platform {

Role role_of(const AuctionRecord& auction, std::string_view username) {
  if (auction.seller == username) return Role::seller;
  if (auction.has_buyer(username)) return Role::buyer;
  return Role::none;
}

nlohmann::json auction_view(const AuctionRecord& a, std::string_view viewer,
                            const Addresses& addresses) {
  return auction_view(a, role_of(a, viewer), addresses);
}

nlohmann::json auction_view(const AuctionRecord& a, Role role, const Addresses& addresses) {
  nlohmann::json view = {{"auction_id", a.id.value},
                         {"auction_name", a.auction_name},
                         {"item_name", a.item_name},
                         {"item_description", a.item_description},
                         {"seller", a.seller},
                         {"base_price", a.base_price.value},
                         {"increment", a.increment.value},
                         {"period_ms", a.period_ms},
                         {"stage", stage_name(a.stage)},
                         {"role", role == Role::seller  ? "seller"
                                  : role == Role::buyer ? "buyer"
                                                        : "none"}};
  if (a.stage == Stage::finished) {
    view["winner"] = a.winner ? nlohmann::json(*a.winner) : nlohmann::json(nullptr);
    view["price"] = a.current_price.value;
  }
  if (role == Role::none) return view;

  view["round_id"] = a.round_id;
  view["current_price"] = a.current_price.value;
  nlohmann::json buyers = nlohmann::json::array();
  for (const auto& [username, active] : a.buyers) {
    nlohmann::json b = {{"username", username}, {"active", active}};
    if (role == Role::seller) {
      const auto it = addresses.find(username);
      AUCTION_ASSERT(it != addresses.end(), "a buyer is not a user");
      b["address"] = it->second;
    }
    buyers.push_back(std::move(b));
  }
  view["buyers"] = std::move(buyers);
  return view;
}

}  // namespace auction::platform

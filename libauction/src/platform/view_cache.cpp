// ViewCache: see auction/platform/view_cache.hpp.
#include "auction/platform/detail/view_cache.hpp"

namespace auction::platform {

const std::string& ViewCache::text(const AuctionRecord& auction, Role role) {
  const auto key = std::make_pair(auction.id, role);
  if (const auto it = texts_.find(key); it != texts_.end()) return it->second;
  if (texts_.size() >= entries_max) texts_.clear();
  return texts_.emplace(key, auction_view(auction, role).dump()).first->second;
}

void ViewCache::forget(AuctionId id) {
  for (const Role role : {Role::none, Role::buyer, Role::seller}) texts_.erase({id, role});
}

}  // namespace auction::platform

// ViewCache: see auction/platform/view_cache.hpp.
#include "auction/platform/detail/view_cache.hpp"

#include "auction/base/assert.hpp"

namespace auction::platform {

const std::string& ViewCache::text(const AuctionRecord& auction, Role role) {
  AUCTION_ASSERT(role != Role::seller, "a seller's view is not cached");
  const auto key = std::make_pair(auction.id, role);
  if (const auto it = texts_.find(key); it != texts_.end()) return it->second;
  if (texts_.size() >= entries_max) texts_.clear();
  static const Addresses no_addresses;  // only a seller's view reads them
  return texts_.emplace(key, auction_view(auction, role, no_addresses).dump()).first->second;
}

void ViewCache::forget(AuctionId id) {
  texts_.erase({id, Role::none});
  texts_.erase({id, Role::buyer});
}

}  // namespace auction::platform

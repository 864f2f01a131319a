// ViewCache: auctions' views kept serialized between reads.
//
// fetch_auctions is the platform's hot read, and building a hundred JSON views and dumping
// them was nearly all of its cost, though auctions rarely change between two reads. So the
// state machine keeps here the view text of each auction for each role (a view depends on
// nothing but the auction and the role: it lists no buyers, so no address either), and
// forgets an auction's texts whenever the auction may change: StateMachine::edit(), the only
// way to a mutable record, calls forget().
// Not replicated state: the cache never changes what a replica answers, only how fast.
// Bounded: beyond entries_max texts it starts over empty.
// Threading: single-threaded, like the state machine that owns it.
// Never: holds a text for a state the auction has left.
// Not public API: in detail/ only because platform::StateMachine holds one by value.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>

#include "auction/platform/auction_record.hpp"
#include "auction/platform/views.hpp"

namespace auction::platform {

class ViewCache {
 public:
  static constexpr std::size_t entries_max = 20'000;

  // The compact JSON text of auction_view(auction, role), made now if not kept.
  const std::string& text(const AuctionRecord& auction, Role role);
  // The auction may change: drop its texts.
  void forget(AuctionId id);

 private:
  std::map<std::pair<AuctionId, Role>, std::string> texts_;
};

}  // namespace auction::platform

// The platform's chain check; see auction/market/chain_check.hpp.
#include "auction/market/chain_check.hpp"

#include <string>

#include "auction/market/transcript.hpp"

namespace auction::market {

Result<void> check_chain_claim(const platform::ChainClaim& claim) {
  const platform::AuctionRecord& a = claim.auction;
  const std::string op = claim.finish ? "finish_auction" : "update_auction";
  ChainOpening opening{a.id, a.seller, a.base_price, a.increment, {}};
  for (const auto& [username, active] : a.buyers) opening.buyers.push_back(username);
  auto links = decode_chain_links(claim.links, op + ".links");
  if (!links) return std::unexpected(links.error());
  auto keys = transcript_keys(a.seller, a.keys);
  if (!keys) return std::unexpected(keys.error());

  if (claim.finish) {
    const platform::FinishAuction& finish = *claim.finish;
    std::map<std::string, bool, std::less<>> active;
    for (const platform::BuyerStatus& b : finish.buyers) active.emplace(b.username, b.active);
    auto result = recorded_result(finish.round_id, finish.winner, finish.price, std::move(active),
                                  finish.chain_head, finish.signature);
    if (!result) return std::unexpected(result.error());
    auto verified = verify_recorded_result(opening, *links, *result, *keys, claim.cluster_id);
    if (!verified) return std::unexpected(verified.error());
    return {};
  }

  auto replay = replay_chain(opening, *links, *keys, claim.cluster_id);
  if (!replay) return std::unexpected(replay.error());
  for (const platform::BuyerStatus& b : claim.buyers) {
    const BuyerEntry* entry = replay->rules.find(b.username);
    if (entry == nullptr || entry->is_active() != b.active) {
      return fail(code::transcript_invalid, op + ".buyers: " + b.username + " is " +
                                                (b.active ? "active" : "out") +
                                                " here, but not in the chain pushed with it");
    }
  }
  if (!links->empty() && claim.round_id < links->back().round_id) {
    return fail(code::transcript_invalid, op +
                                              ".round_id: before the chain's last link, in round " +
                                              std::to_string(links->back().round_id));
  }
  return {};
}

}  // namespace auction::market

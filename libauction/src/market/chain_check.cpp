// The platform's chain check; see auction/market/chain_check.hpp.
#include "auction/market/chain_check.hpp"

#include <string>

#include "auction/market/transcript.hpp"

namespace auction::market {

Result<void> check_chain_claim(const platform::ChainClaim& claim) {
  const platform::AuctionRecord& a = claim.auction;
  const std::string op = claim.finish ? "finish_auction" : "update_auction";
  ChainOpening opening{a.id, a.seller, a.base_price, a.increment, {}, a.terms};
  for (const auto& [username, active] : a.buyers) opening.buyers.push_back(username);
  // The chain as the claim leaves it: the links held, then the new ones.
  nlohmann::json chain = nlohmann::json::array();
  for (const std::string& held : a.links) chain.push_back(platform::link_json(held));
  for (const nlohmann::json& link : claim.new_links) chain.push_back(link);
  auto links = decode_chain_links(chain, op + ".links");
  if (!links) return std::unexpected(links.error());
  auto keys = transcript_keys(a.seller, a.keys);
  if (!keys) return std::unexpected(keys.error());
  const ReplayOptions options{.links_checked = a.links.size()};

  if (claim.finish) {
    const platform::FinishAuction& finish = *claim.finish;
    // The platform keeps no statuses of its own to compare: they are the chain's.
    auto result = recorded_result(finish.round_id, finish.winner, finish.price, std::nullopt,
                                  finish.chain_head, finish.signature);
    if (!result) return std::unexpected(result.error());
    auto verified =
        verify_recorded_result(opening, *links, *result, *keys, claim.cluster_id, options);
    if (!verified) return std::unexpected(verified.error());
    return {};
  }

  auto replay = replay_chain(opening, *links, *keys, claim.cluster_id, options);
  if (!replay) return std::unexpected(replay.error());
  // A lone buyer's clock stops at the round reaching the reserve: a push past it claims
  // rounds that were never run.
  if (replay->rules.is_running() && claim.round_id > replay->rules.round_id()) {
    (void)replay->rules.advance_to(claim.round_id);
    if (replay->rules.round_id() < claim.round_id) {
      return fail(code::transcript_invalid,
                  op + ".round_id: past round " + std::to_string(replay->rules.round_id()) +
                      ", where the clock of its last buyer reached the reserve");
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

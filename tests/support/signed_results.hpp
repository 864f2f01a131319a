// Sellers' results as the platform checks them, made with the test keys (test_keys.hpp): the
// fields of a finish_auction whose chain says which buyers left, in which round, each with
// its own signed request, and which is signed by the seller. For tests that send results by
// hand, the way a seller's program makes them.
// Header-only. Threading: any.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/assert.hpp"
#include "auction/market/auction_chain.hpp"
#include "auction/market/auction_rules.hpp"
#include "auction/market/peer_signatures.hpp"
#include "support/test_keys.hpp"

namespace auction::test {

struct TestAuction {
  std::string cluster_id;
  std::uint64_t auction_id = 0;
  std::string seller;
  std::int64_t base_price = 0;
  std::int64_t increment = 1;
  std::vector<std::string> buyers;  // every buyer who joined
};

// The finish_auction fields of `auction` when `leaving` (in that order) ask to leave in
// round `round`, by request, and the last buyer wins. Precondition: leaving all but one buyer.
inline nlohmann::json signed_finish(const TestAuction& auction, std::uint64_t round,
                                    const std::vector<std::string>& leaving) {
  const AuctionId id{auction.auction_id};
  auto rules = market::AuctionRules::create(id, Cents(auction.base_price), Cents(auction.increment),
                                            auction.buyers);
  AUCTION_ASSERT(rules.has_value(), "an auction the rules accept");
  const auto started = rules->start();
  const auto advanced = rules->advance_to(round);
  AUCTION_ASSERT(started && advanced, "a round the auction can reach");
  market::AuctionChain chain(market::ChainOpening{id, auction.seller, Cents(auction.base_price),
                                                  Cents(auction.increment), auction.buyers});
  market::ChainLink link{round, {}};
  for (const std::string& buyer : leaving) {
    const market::PeerSigner signer{buyer, test_keys(buyer), auction.cluster_id};
    const auto signature = market::sign_statement(
        signer, identity::SigningPurpose::withdraw,
        market::withdraw_statement(id, buyer, market::WithdrawReason::by_request, round,
                                   rules->price()));
    rules->withdraw(buyer, market::BuyerStatus::withdrawn_by_request);
    link.withdrawals.push_back(
        market::ChainWithdrawal{buyer, market::BuyerStatus::withdrawn_by_request,
                                market::WithdrawProof{round, rules->price(), signature}});
  }
  if (!link.withdrawals.empty()) chain.append(link);
  AUCTION_ASSERT(rules->is_finished(), "all but one buyer left");
  const market::FinishRecord record = rules->finish_record();
  const market::PeerSigner seller{auction.seller, test_keys(auction.seller), auction.cluster_id};
  const auto signature = market::sign_statement(seller, identity::SigningPurpose::auction_finished,
                                                market::finished_statement(record, chain.head()));
  return {{"seller", auction.seller},
          {"auction_id", auction.auction_id},
          {"winner", *record.winner},
          {"price", record.price.value},
          {"round_id", record.round_id},
          {"links_from", 0},
          {"links", market::encode_links(chain.links())},
          {"chain_head", chain.head().to_text()},
          {"signature", signature.to_text()}};
}

}  // namespace auction::test

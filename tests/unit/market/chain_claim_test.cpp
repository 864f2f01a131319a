// Tests of the platform's chain check as the market answers it (market/chain_check.hpp): a
// push or a result is judged as the whole chain it leaves, the links the platform held first,
// whose signatures are not checked again, then the new ones, whose are.
// Must never depend on timing.
#include <catch2/catch.hpp>

#include <string>

#include "auction/market/chain_check.hpp"
#include "signed_chain_fixture.hpp"

namespace {

using namespace auction::market;
using namespace auction::market::chain_test;
using auction::RoundId;
using auction::platform::ChainClaim;

// The honest auction (signed_chain_fixture.hpp) as the platform holds it once started, with
// the first `held` of `links` held already and the others new in the push.
ChainClaim claim_of(const std::vector<ChainLink>& links, std::size_t held, RoundId round) {
  ChainClaim claim;
  auction::platform::AuctionRecord& a = claim.auction;
  a.id = the_auction;
  a.seller = "sam";
  a.base_price = base_price;
  a.increment = increment;
  a.stage = auction::platform::Stage::started;
  a.current_price = base_price;
  for (const char* name : {"amy", "bob", "cat", "dan"}) {
    a.buyers.emplace(name, true);
    a.keys.emplace(name, keys_of(name)->public_key().to_text());
  }
  a.keys.emplace("sam", keys_of("sam")->public_key().to_text());
  for (std::size_t i = 0; i < links.size(); ++i) {
    if (i < held) {
      a.links.push_back(auction::platform::link_text(encode(links[i])));
    } else {
      claim.new_links.push_back(encode(links[i]));
    }
  }
  claim.round_id = round;
  claim.cluster_id = std::string(cluster);
  return claim;
}

// honest_links() with amy's proof signed by someone else (a forgery).
std::vector<ChainLink> forged_links() {
  std::vector<ChainLink> links = honest_links();
  links[0].withdrawals[0].proof =
      signed_proof("amy", WithdrawReason::by_request, 2, price_of(2), signer_of("mallory"));
  return links;
}

}  // namespace

TEST_CASE("chain check: a push's new links are checked, signatures and all", "[market][chain]") {
  CHECK(code_of(check_chain_claim(claim_of(honest_links(), 0, 5))) == "ok");
  CHECK(code_of(check_chain_claim(claim_of(honest_links(), 2, 5))) == "ok");
  // A forged proof among the new links is refused.
  check_refused(check_chain_claim(claim_of(forged_links(), 0, 5)), "bad_signature", "links[0]");
  // The round a push reports is not before its chain's last link.
  check_refused(check_chain_claim(claim_of(honest_links(), 1, 4)), "transcript_invalid",
                "round_id");
}

TEST_CASE("chain check: the links the platform held are replayed by the rules, not re-verified",
          "[market][chain]") {
  // A held link was checked when it was stored (docs/platform.md, "The chain check"): its
  // signature is not checked again, so a push costs the signatures of its new links only.
  CHECK(code_of(check_chain_claim(claim_of(forged_links(), 1, 5))) == "ok");
  // The rules still replay every link: a held chain that withdraws someone twice fails.
  std::vector<ChainLink> twice = honest_links();
  twice.push_back(
      ChainLink{5, {ChainWithdrawal{"bob", BuyerStatus::withdrawn_silent, std::nullopt}}});
  check_refused(check_chain_claim(claim_of(twice, 3, 5)), "transcript_invalid", "links[3]");
}

TEST_CASE("chain check: a result is checked against the whole chain, held links and new ones",
          "[market][chain]") {
  const std::vector<ChainLink> links = honest_links();
  const SignedFinish sealed = signed_finish(honest_record(), head_of(honest_opening(), links));
  ChainClaim claim = claim_of(links, 2, 5);
  claim.finish = auction::platform::FinishAuction{"sam",
                                                  the_auction,
                                                  "dan",
                                                  price_of(5),
                                                  5,
                                                  2,
                                                  encode_links({links[2]}),
                                                  sealed.chain_head.to_text(),
                                                  sealed.signature.to_text()};
  CHECK(code_of(check_chain_claim(claim)) == "ok");
  // Another winner, or a result sealed over another head, is not what the chain ends with.
  ChainClaim other = claim;
  other.finish->winner = "cat";
  check_refused(check_chain_claim(other), "transcript_invalid", "finish");
  ChainClaim short_chain = claim_of({links[0], links[1]}, 2, 5);
  short_chain.finish = claim.finish;
  check_refused(check_chain_claim(short_chain), "transcript_invalid", "finish");
}

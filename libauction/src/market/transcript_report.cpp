// Checking a finished auction's transcript; see auction/market/transcript_report.hpp.
#include "auction/market/transcript_report.hpp"

#include <string>

#include "auction/market/transcript.hpp"

namespace auction::market {

Result<nlohmann::json> check_transcript(const platform::AuctionTranscript& t,
                                        std::string_view cluster_id, std::string_view viewer,
                                        std::string_view viewer_key) {
  if (t.stage != platform::Stage::finished) {
    return fail(code::wrong_stage, "auction " + std::to_string(t.auction_id.value) + " is " +
                                       std::string(platform::stage_name(t.stage)) +
                                       ": only a finished auction has a result to check");
  }
  ChainOpening opening{t.auction_id, t.seller, t.base_price, t.increment, {}};
  std::map<std::string, std::string, std::less<>> keys_hex{{t.seller, t.seller_key}};
  RecordedResult result{t.round_id, t.winner, t.price, {}, {}, {}};
  for (const platform::TranscriptBuyer& b : t.buyers) {
    opening.buyers.push_back(b.username);
    keys_hex.emplace(b.username, b.public_key);
    result.active.emplace(b.username, b.active);
  }
  auto links = decode_chain_links(t.links, "transcript.links");
  if (!links) return std::unexpected(links.error());
  auto keys = transcript_keys(t.seller, keys_hex);
  if (!keys) return std::unexpected(keys.error());
  auto head = identity::sha256_digest_from_text(t.chain_head);
  auto signature = identity::signature_from_text(t.signature);
  if (!head || !signature) {
    return fail(code::transcript_invalid,
                "the result carries no chain head and signature: nothing proves it");
  }
  result.chain_head = *head;
  result.signature = *signature;
  auto replay = verify_recorded_result(opening, *links, result, *keys, cluster_id);
  if (!replay) return std::unexpected(replay.error());

  nlohmann::json withdrawals = nlohmann::json::array();
  for (const ReplayedWithdrawal& w : replay->withdrawals) {
    nlohmann::json item = {{"round_id", w.round_id},
                           {"price", w.price.value},
                           {"username", w.username},
                           {"reason", std::string(reason_name(w.status))}};
    if (w.proof) {
      item["signed"] = {{"round_id", w.proof->round_id}, {"price", w.proof->price.value}};
    }
    withdrawals.push_back(std::move(item));
  }
  const auto own = keys_hex.find(viewer);
  nlohmann::json report = {{"auction_id", t.auction_id.value},
                           {"seller", t.seller},
                           {"base_price", t.base_price.value},
                           {"increment", t.increment.value},
                           {"buyers", opening.buyers},
                           {"withdrawals", std::move(withdrawals)},
                           {"round_id", t.round_id},
                           {"price", t.price.value},
                           {"chain_head", t.chain_head},
                           {"own_key", own == keys_hex.end()       ? "not a participant"
                                       : own->second == viewer_key ? "matches"
                                                                   : "differs"}};
  if (t.winner) report["winner"] = *t.winner;
  return report;
}

}  // namespace auction::market

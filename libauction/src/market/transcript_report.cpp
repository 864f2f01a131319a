// Checking a finished auction's transcript; see auction/market/transcript_report.hpp.
#include "auction/market/transcript_report.hpp"

#include <string>

#include "auction/market/transcript.hpp"

namespace auction::market {

Result<TranscriptParts> transcript_parts(const platform::AuctionTranscript& t) {
  ChainOpening opening{t.auction_id, t.seller, t.base_price, t.increment, {}, t.terms};
  std::map<std::string, std::string, std::less<>> keys_hex{{t.seller, t.seller_key}};
  for (const platform::TranscriptBuyer& b : t.buyers) {
    opening.buyers.push_back(b.username);
    keys_hex.emplace(b.username, b.public_key);
  }
  auto links = decode_chain_links(t.links, "transcript.links");
  if (!links) return std::unexpected(links.error());
  auto keys = transcript_keys(t.seller, keys_hex);
  if (!keys) return std::unexpected(keys.error());
  return TranscriptParts{std::move(opening), std::move(*links), std::move(*keys)};
}

namespace {

// Whether `viewer`'s key, as this transcript recorded it, is `viewer_key` (hex).
const char* own_key_status(const TranscriptKeys& keys, std::string_view seller,
                           std::string_view viewer, std::string_view viewer_key) {
  const identity::PublicKey* recorded = nullptr;
  if (viewer == seller) {
    recorded = &keys.seller;
  } else if (auto found = keys.buyers.find(viewer); found != keys.buyers.end()) {
    recorded = &found->second;
  }
  if (recorded == nullptr) return "not a participant";
  return recorded->to_text() == viewer_key ? "matches" : "differs";
}

}  // namespace

Result<nlohmann::json> check_transcript(const platform::AuctionTranscript& t,
                                        std::string_view cluster_id, std::string_view viewer,
                                        std::string_view viewer_key) {
  if (t.stage != platform::Stage::finished) {
    return fail(code::wrong_stage, "auction " + std::to_string(t.auction_id.value) + " is " +
                                       std::string(platform::stage_name(t.stage)) +
                                       ": only a finished auction has a result to check");
  }
  auto parts = transcript_parts(t);
  if (!parts) return std::unexpected(parts.error());
  std::map<std::string, bool, std::less<>> active;
  for (const platform::TranscriptBuyer& b : t.buyers) active.emplace(b.username, b.active);
  auto result =
      recorded_result(t.round_id, t.winner, t.price, std::move(active), t.chain_head, t.signature);
  if (!result) return std::unexpected(result.error());
  auto replay =
      verify_recorded_result(parts->opening, parts->links, *result, parts->keys, cluster_id);
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
  nlohmann::json report = {{"auction_id", t.auction_id.value},
                           {"seller", t.seller},
                           {"base_price", t.base_price.value},
                           {"increment", t.increment.value},
                           {"buyers", parts->opening.buyers},
                           {"withdrawals", std::move(withdrawals)},
                           {"round_id", t.round_id},
                           {"price", t.price.value},
                           {"chain_head", t.chain_head},
                           {"own_key", own_key_status(parts->keys, t.seller, viewer, viewer_key)}};
  if (t.winner) report["winner"] = *t.winner;
  write_sale_terms(report, t.terms);
  if (replay->rules.reserve_not_met()) report["reserve_not_met"] = true;
  return report;
}

}  // namespace auction::market

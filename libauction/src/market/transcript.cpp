// Checking an auction's transcript; see auction/market/transcript.hpp.
#include "auction/market/transcript.hpp"

#include <algorithm>
#include <utility>

#include "auction/market/peer_signatures.hpp"

namespace auction::market {

namespace {

Error invalid(std::string message) { return Error{code::transcript_invalid, std::move(message)}; }

std::string at(std::size_t link, std::size_t withdrawal) {
  return "links[" + std::to_string(link) + "].withdrawn[" + std::to_string(withdrawal) + "]";
}

// Checks one withdrawal the buyer asked for: its proof names a round whose price it states,
// and its buyer signed it.
Result<void> check_proof(const ChainOpening& opening, const PriceSchedule& prices,
                         const ChainWithdrawal& w, const TranscriptKeys& keys,
                         std::string_view cluster_id, const std::string& where) {
  const WithdrawProof& proof = *w.proof;
  if (!prices.is_price_at(proof.round_id, proof.price)) {
    return std::unexpected(invalid(where + ".proof: price " + format_cents(proof.price) +
                                   " is not the price of round " + std::to_string(proof.round_id)));
  }
  auto key = keys.buyers.find(w.username);
  const WithdrawReason reason = w.status == BuyerStatus::withdrawn_max_price
                                    ? WithdrawReason::max_price
                                    : WithdrawReason::by_request;
  const WithdrawRequest request{opening.auction_id, w.username,  reason,
                                proof.round_id,     proof.price, proof.signature};
  if (key == keys.buyers.end() || !is_signed_withdrawal(key->second, cluster_id, request)) {
    return fail(code::bad_signature,
                where + ": the withdrawal is not signed by " + w.username + "'s key");
  }
  return {};
}

std::vector<BuyerEntry> sorted(std::vector<BuyerEntry> buyers) {
  std::sort(buyers.begin(), buyers.end(),
            [](const BuyerEntry& a, const BuyerEntry& b) { return a.username < b.username; });
  return buyers;
}

}  // namespace

Result<ChainReplay> replay_chain(const ChainOpening& opening, const std::vector<ChainLink>& links,
                                 const TranscriptKeys& keys, std::string_view cluster_id,
                                 ReplayOptions options) {
  auto rules = AuctionRules::create(opening.auction_id, opening.base_price, opening.increment,
                                    opening.buyers, opening.terms);
  if (!rules) return std::unexpected(invalid("opening: " + rules.error().message));
  if (auto started = rules->start(); !started) {
    return std::unexpected(invalid("opening: " + started.error().message));
  }
  ChainReplay replay{std::move(*rules), chain_opening_digest(opening), {}};
  for (std::size_t i = 0; i < links.size(); ++i) {
    const ChainLink& link = links[i];
    const std::string where = "links[" + std::to_string(i) + "]";
    if (!replay.rules.is_running()) {
      return std::unexpected(invalid(where + ": the auction was already over"));
    }
    if (auto advanced = replay.rules.advance_to(link.round_id); !advanced) {
      return std::unexpected(invalid(where + ".round_id: " + advanced.error().message));
    }
    if (replay.rules.round_id() != link.round_id) {
      // A lone buyer's clock reached the reserve before: it won there, staying in.
      return std::unexpected(invalid(where + ": the auction was over in round " +
                                     std::to_string(replay.rules.round_id()) +
                                     ", where its last buyer's clock reached the reserve"));
    }
    if (link.withdrawals.empty()) {
      return std::unexpected(invalid(where + ": a link records at least one withdrawal"));
    }
    for (std::size_t k = 0; k < link.withdrawals.size(); ++k) {
      const ChainWithdrawal& w = link.withdrawals[k];
      const bool is_silent = w.status == BuyerStatus::withdrawn_silent;
      if (w.status == BuyerStatus::active || is_silent == w.proof.has_value()) {
        return std::unexpected(invalid(at(i, k) + ": a withdrawal the buyer asked for carries "
                                                  "its proof, and only such a one"));
      }
      if (!is_silent && i >= options.links_checked) {
        if (auto checked =
                check_proof(opening, replay.rules.prices(), w, keys, cluster_id, at(i, k));
            !checked) {
          return std::unexpected(checked.error());
        }
      }
      const WithdrawOutcome outcome = replay.rules.withdraw(w.username, w.status);
      if (outcome != WithdrawOutcome::withdrawn) {
        return std::unexpected(invalid(at(i, k) + ": the rules refuse to withdraw " + w.username +
                                       " (" + std::string(to_string(outcome)) + ")"));
      }
      replay.withdrawals.push_back(
          {link.round_id, replay.rules.price(), w.username, w.status, w.proof});
    }
    replay.head = chain_next_digest(replay.head, link);
  }
  return replay;
}

namespace {

// After the last link, a lone buyer below the reserve may still have won: the clock ran on
// for it, with no link, to the first round reaching the reserve, which closed with it in.
// Nothing happens for an auction the links already finished; a result of another round
// than the one the clock stops at stays unfinished (check_result then refuses it).
void run_clock_to(AuctionRules& rules, RoundId round_id) {
  if (!rules.is_running() || round_id <= rules.round_id()) return;
  if (auto advanced = rules.advance_to(round_id); !advanced) return;
  if (rules.round_id() == round_id) rules.on_round_closed();
}

// The end of a replay against a signed result: the rules finished there, exactly as the
// result says, and the seller signed it over the chain's head.
Result<void> check_result(const ChainReplay& replay, const SignedFinish& finish,
                          const std::string& seller, const TranscriptKeys& keys,
                          std::string_view cluster_id) {
  if (!replay.rules.is_finished()) {
    return std::unexpected(invalid("finish: the chain leaves " +
                                   std::to_string(replay.rules.active_count()) +
                                   " buyers active, so the auction is not over"));
  }
  const FinishRecord expected = replay.rules.finish_record();
  const FinishRecord& claimed = finish.record;
  if (claimed.auction_id != expected.auction_id || claimed.round_id != expected.round_id ||
      claimed.price != expected.price || claimed.winner != expected.winner ||
      sorted(claimed.buyers) != sorted(expected.buyers)) {
    return std::unexpected(invalid(
        "finish: the result claims " + claimed.winner.value_or("no winner") + " at round " +
        std::to_string(claimed.round_id) + " for " + format_cents(claimed.price) +
        ", but the chain ends with " + expected.winner.value_or("no winner") + " at round " +
        std::to_string(expected.round_id) + " for " + format_cents(expected.price)));
  }
  if (finish.chain_head != replay.head) {
    return std::unexpected(invalid("finish.chain_head: names " + finish.chain_head.to_text() +
                                   ", but the chain's head is " + replay.head.to_text()));
  }
  if (!verify_statement(keys.seller, cluster_id, identity::SigningPurpose::auction_finished,
                        finished_statement(claimed, finish.chain_head), finish.signature)) {
    return fail(code::bad_signature,
                "finish.signature: the result is not signed by " + seller + "'s key");
  }
  return {};
}

}  // namespace

Result<ChainReplay> verify_transcript(const Transcript& transcript, const TranscriptKeys& keys,
                                      std::string_view cluster_id) {
  auto replay = replay_chain(transcript.opening, transcript.links, keys, cluster_id);
  if (!replay) return replay;
  run_clock_to(replay->rules, transcript.finish.record.round_id);
  if (auto ok =
          check_result(*replay, transcript.finish, transcript.opening.seller, keys, cluster_id);
      !ok) {
    return std::unexpected(ok.error());
  }
  return replay;
}

Result<ChainReplay> verify_recorded_result(const ChainOpening& opening,
                                           const std::vector<ChainLink>& links,
                                           const RecordedResult& result, const TranscriptKeys& keys,
                                           std::string_view cluster_id, ReplayOptions options) {
  auto replay = replay_chain(opening, links, keys, cluster_id, options);
  if (!replay) return replay;
  run_clock_to(replay->rules, result.round_id);
  // The record keeps no reasons: its statuses, when it lists them, must be the replay's
  // active flags, and the result the seller signed carries the replay's reasons.
  const std::vector<BuyerEntry>& replayed = replay->rules.buyers();
  bool same_buyers = true;
  if (result.active) {
    const auto& active = *result.active;
    same_buyers = active.size() == replayed.size();
    for (const BuyerEntry& b : replayed) {
      const auto it = active.find(b.username);
      same_buyers = same_buyers && it != active.end() && it->second == b.is_active();
    }
  }
  if (replay->rules.is_finished() && !same_buyers) {
    return std::unexpected(
        invalid("finish.buyers: the result's active buyers are not the chain's"));
  }
  const SignedFinish finish{
      FinishRecord{opening.auction_id, result.round_id, result.winner, result.price, replayed},
      result.chain_head, result.signature};
  if (auto ok = check_result(*replay, finish, opening.seller, keys, cluster_id); !ok) {
    return std::unexpected(ok.error());
  }
  return replay;
}

Result<RecordedResult> recorded_result(
    RoundId round_id, std::optional<std::string> winner, Cents price,
    std::optional<std::map<std::string, bool, std::less<>>> active, std::string_view chain_head_hex,
    std::string_view signature_hex) {
  auto head = identity::sha256_digest_from_text(chain_head_hex);
  auto signature = identity::signature_from_text(signature_hex);
  if (!head || !signature) {
    return std::unexpected(
        invalid("the result carries no chain head and signature: nothing proves it"));
  }
  return RecordedResult{round_id, std::move(winner), price, std::move(active), *head, *signature};
}

Result<TranscriptKeys> transcript_keys(
    std::string_view seller, const std::map<std::string, std::string, std::less<>>& keys_hex) {
  TranscriptKeys keys;
  bool has_seller = false;
  for (const auto& [username, hex] : keys_hex) {
    auto key = identity::public_key_from_text(hex);
    if (!key) return fail(code::invalid_argument, "keys." + username + ": not a public key");
    if (username == seller) {
      keys.seller = *key;
      has_seller = true;
    } else {
      keys.buyers.emplace(username, *key);
    }
  }
  if (!has_seller) {
    return fail(code::invalid_argument, "keys: none for the seller " + std::string(seller));
  }
  return keys;
}

nlohmann::json encode(const Transcript& transcript) {
  return {{"opening", encode(transcript.opening)},
          {"links", encode_links(transcript.links)},
          {"finish", encode(transcript.finish)}};
}

Result<Transcript> decode_transcript(const nlohmann::json& j) {
  if (!j.is_object()) return fail(code::bad_request, "transcript: must be an object");
  for (const char* field : {"opening", "links", "finish"}) {
    if (!j.contains(field)) {
      return fail(code::bad_request, std::string("transcript.") + field + ": missing");
    }
  }
  auto opening = decode_chain_opening(j["opening"], "transcript.opening");
  if (!opening) return std::unexpected(opening.error());
  auto links = decode_chain_links(j["links"], "transcript.links");
  if (!links) return std::unexpected(links.error());
  auto finish = decode_signed_finish(j["finish"]);
  if (!finish) return std::unexpected(finish.error());
  if (finish->record.auction_id != opening->auction_id) {
    return fail(code::invalid_argument,
                "transcript.finish.auction_id: not the auction of transcript.opening");
  }
  return Transcript{std::move(*opening), std::move(*links), std::move(*finish)};
}

}  // namespace auction::market

// The announcement chain; see auction/market/auction_chain.hpp.
#include "auction/market/auction_chain.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "auction/base/assert.hpp"
#include "auction/base/limits.hpp"
#include "market/json_fields.hpp"
#include "market/statement_writer.hpp"

namespace auction::market {

identity::Sha256Digest chain_opening_digest(const ChainOpening& opening) {
  std::vector<std::string> buyers = opening.buyers;
  std::sort(buyers.begin(), buyers.end());
  detail::StatementWriter w("ppapd/v1/chain-opening");
  w.u64(opening.auction_id.value);
  w.text(opening.seller);
  w.i64(opening.base_price.value);
  w.i64(opening.increment.value);
  w.u64(buyers.size());
  for (const std::string& name : buyers) w.text(name);
  // Terms of the rules other than the defaults follow; with the defaults the bytes are those
  // of an opening made before terms existed, so its digest is unchanged. (A scheduled start
  // is not a rule of the clock: it is left out.)
  const SaleTerms& terms = opening.terms;
  const bool has_rules = !terms.increment_steps.empty() || terms.reserve || terms.grace_rounds != 1;
  if (has_rules) {
    w.u64(terms.increment_steps.size());
    for (const IncrementStep& step : terms.increment_steps) {
      w.i64(step.from_price.value);
      w.i64(step.increment.value);
    }
    if (!terms.reserve) {
      w.code(0);
    } else if (!terms.reserve_hidden) {
      w.code(1);
      w.i64(terms.reserve->value);
    } else {
      w.code(2);
      w.digest(hidden_reserve_commitment(opening.auction_id, *terms.reserve, terms.reserve_salt));
    }
    w.u64(terms.grace_rounds);
  }
  return identity::sha256(w.bytes());
}

identity::Sha256Digest hidden_reserve_commitment(AuctionId auction_id, Cents reserve,
                                                 std::string_view salt) {
  detail::StatementWriter w("ppapd/v1/hidden-reserve");
  w.u64(auction_id.value);
  w.i64(reserve.value);
  w.text(salt);
  return identity::sha256(w.bytes());
}

identity::Sha256Digest chain_next_digest(const identity::Sha256Digest& head,
                                         const ChainLink& link) {
  detail::StatementWriter w("ppapd/v1/chain-link");
  w.digest(head);
  w.u64(link.round_id);
  w.u64(link.withdrawals.size());
  for (const ChainWithdrawal& withdrawal : link.withdrawals) {
    w.text(withdrawal.username);
    w.code(detail::status_code(withdrawal.status));
    w.code(withdrawal.proof ? 1 : 0);
    if (withdrawal.proof) {
      w.u64(withdrawal.proof->round_id);
      w.i64(withdrawal.proof->price.value);
      w.signature(withdrawal.proof->signature);
    }
  }
  return identity::sha256(w.bytes());
}

AuctionChain::AuctionChain(ChainOpening opening)
    : opening_(std::move(opening)), head_(chain_opening_digest(opening_)) {}

AuctionChain::AuctionChain(ChainOpening opening, std::vector<ChainLink> links)
    : AuctionChain(std::move(opening)) {
  for (ChainLink& link : links) append(std::move(link));
}

void AuctionChain::append(ChainLink link) {
  AUCTION_ASSERT(!link.withdrawals.empty(), "a chain link records at least one withdrawal");
  head_ = chain_next_digest(head_, link);
  links_.push_back(std::move(link));
}

nlohmann::json encode(const ChainOpening& opening) {
  nlohmann::json j = {{"auction_id", opening.auction_id.value},
                      {"seller", opening.seller},
                      {"base_price", opening.base_price.value},
                      {"increment", opening.increment.value},
                      {"buyers", opening.buyers}};
  write_sale_terms(j, opening.terms);
  return j;
}

nlohmann::json encode(const ChainLink& link) {
  nlohmann::json withdrawn = nlohmann::json::array();
  for (const ChainWithdrawal& w : link.withdrawals) {
    nlohmann::json item = {{"username", w.username},
                           {"reason", std::string(reason_name(w.status))}};
    if (w.proof) {
      item["proof"] = {{"round_id", w.proof->round_id},
                       {"price", w.proof->price.value},
                       {"signature", w.proof->signature.to_text()}};
    }
    withdrawn.push_back(std::move(item));
  }
  return {{"round_id", link.round_id}, {"withdrawn", std::move(withdrawn)}};
}

nlohmann::json encode_links(const std::vector<ChainLink>& links) {
  nlohmann::json list = nlohmann::json::array();
  for (const ChainLink& link : links) list.push_back(encode(link));
  return list;
}

std::size_t links_fitting(const std::vector<ChainLink>& links, std::size_t from,
                          std::size_t bytes_max) {
  AUCTION_ASSERT(from <= links.size(), "links_fitting from past the end");
  std::size_t end = from;
  std::size_t bytes = 2;  // the array's brackets
  while (end < links.size()) {
    const std::size_t link_bytes = encode(links[end]).dump().size() + (end > from ? 1 : 0);
    if (end > from && bytes + link_bytes > bytes_max) break;
    bytes += link_bytes;
    ++end;
  }
  return end;
}

Result<ChainOpening> decode_chain_opening(const nlohmann::json& j, std::string context) {
  json_fields::Reader r(j, context);
  ChainOpening opening;
  r.auction_id("auction_id", opening.auction_id);
  r.username("seller", opening.seller);
  r.cents("base_price", opening.base_price);
  r.cents("increment", opening.increment);
  const nlohmann::json* buyers = r.array("buyers", limits::buyers_per_auction_max);
  if (!r.ok()) return std::unexpected(r.error());
  if (opening.increment.value < 1) {
    return fail(code::invalid_argument, context + ".increment: must be at least 1");
  }
  auto terms = read_sale_terms(j, context);
  if (!terms) return std::unexpected(terms.error());
  if (auto prices = price_schedule_of(opening.base_price, opening.increment, *terms); !prices) {
    return fail(code::invalid_argument, context + "." + prices.error().message);
  }
  opening.terms = std::move(*terms);
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < buyers->size(); ++i) {
    const nlohmann::json& name = (*buyers)[i];
    const std::string path = r.item_path("buyers", i);
    if (!name.is_string()) return fail(code::bad_request, path + ": must be a string");
    const auto& text = name.get_ref<const std::string&>();
    if (!is_valid_username(text)) return fail(code::invalid_argument, path + ": not a username");
    if (text == opening.seller) {
      return fail(code::invalid_argument, path + ": the seller is not one of its buyers");
    }
    if (!seen.insert(text).second) return fail(code::invalid_argument, path + ": repeated");
    opening.buyers.push_back(text);
  }
  return opening;
}

Result<ChainLink> decode_chain_link(const nlohmann::json& j, std::string context) {
  json_fields::Reader r(j, context);
  ChainLink link;
  r.u64("round_id", link.round_id);
  const nlohmann::json* withdrawn = r.array("withdrawn", limits::buyers_per_auction_max);
  if (!r.ok()) return std::unexpected(r.error());
  if (withdrawn->empty()) {
    return fail(code::invalid_argument, context + ".withdrawn: a link records at least one");
  }
  for (std::size_t i = 0; i < withdrawn->size(); ++i) {
    json_fields::Reader item((*withdrawn)[i], r.item_path("withdrawn", i));
    ChainWithdrawal w;
    item.username("username", w.username);
    item.name("reason", w.status, withdrawn_status_from_name, 16,
              "must be by_request, silent or max_price");
    if (!item.ok()) return std::unexpected(item.error());
    const bool is_silent = w.status == BuyerStatus::withdrawn_silent;
    if (is_silent == item.has("proof")) {
      return fail(code::invalid_argument,
                  r.item_path("withdrawn", i) +
                      ".proof: required for a withdrawal the buyer asked for, and only then");
    }
    if (!is_silent) {
      json_fields::Reader proof((*withdrawn)[i]["proof"], r.item_path("withdrawn", i) + ".proof");
      WithdrawProof p;
      proof.u64("round_id", p.round_id);
      proof.cents("price", p.price);
      proof.signature("signature", p.signature);
      if (!proof.ok()) return std::unexpected(proof.error());
      w.proof = p;
    }
    link.withdrawals.push_back(std::move(w));
  }
  return link;
}

Result<std::vector<ChainLink>> decode_chain_links(const nlohmann::json& j, std::string context) {
  if (!j.is_array()) return fail(code::bad_request, context + ": must be an array");
  if (j.size() > limits::buyers_per_auction_max) {
    return fail(
        code::invalid_argument,
        context + ": more than " + std::to_string(limits::buyers_per_auction_max) + " links");
  }
  std::vector<ChainLink> links;
  std::size_t withdrawals = 0;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto link = decode_chain_link(j[i], context + "[" + std::to_string(i) + "]");
    if (!link) return std::unexpected(link.error());
    withdrawals += link->withdrawals.size();
    if (withdrawals > limits::buyers_per_auction_max) {
      return fail(code::invalid_argument,
                  context + ": more withdrawals than an auction has buyers");
    }
    links.push_back(std::move(*link));
  }
  return links;
}

}  // namespace auction::market

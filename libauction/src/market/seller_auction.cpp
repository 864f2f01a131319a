// The seller's pure engine of one running auction; see auction/market/seller_auction.hpp.
#include "auction/market/seller_auction.hpp"

#include <algorithm>

#include "auction/base/assert.hpp"
#include "auction/identity/sha256.hpp"

namespace auction::market {
namespace {

bool in_range(std::int64_t v, std::int64_t lo, std::int64_t hi) { return v >= lo && v <= hi; }

}  // namespace

Result<void> validate(const SellerConfig& c) {
  if (!in_range(c.period_ms, 1, duration_ms_max)) {
    return fail(code::invalid_argument, "period_ms: must be 1..86400000");
  }
  if (!in_range(c.ack_deadline_ms, 1, c.period_ms - 1)) {
    return fail(code::invalid_argument,
                "ack_deadline_ms: must be positive and shorter than period_ms");
  }
  if (!in_range(c.push_period_ms, 1, duration_ms_max)) {
    return fail(code::invalid_argument, "push_period_ms: must be 1..86400000");
  }
  if (!in_range(c.pause_retry_ms_max, c.period_ms, duration_ms_max)) {
    return fail(code::invalid_argument, "pause_retry_ms_max: must be period_ms..86400000");
  }
  return {};
}

namespace {

ChainOpening opening_of(const AuctionRules& rules, const std::string& seller) {
  ChainOpening opening{rules.auction_id(), seller, rules.base_price(),
                       rules.increment(),  {},     rules.terms()};
  opening.buyers.reserve(rules.buyers().size());
  for (const BuyerEntry& b : rules.buyers()) opening.buyers.push_back(b.username);
  return opening;
}

}  // namespace

SellerAuction::SellerAuction(AuctionRules rules, SellerConfig config, SellerKeys keys,
                             std::vector<ChainLink> links)
    : rules_(std::move(rules)),
      config_(config),
      keys_(std::move(keys)),
      chain_(opening_of(rules_, keys_.signer.username), std::move(links)),
      retry_ms_(config.period_ms) {}

Result<SellerAuction> SellerAuction::create(AuctionRules rules, SellerConfig config,
                                            SellerKeys keys, std::vector<ChainLink> links) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  if (!can_sign(keys.signer)) {
    return fail(code::invalid_argument,
                "keys.signer: a seller signs with its own key pair in a cluster");
  }
  return SellerAuction(std::move(rules), config, std::move(keys), std::move(links));
}

SellerBack SellerAuction::seller_back(std::string address) const {
  SellerBack message{
      rules_.auction_id(), keys_.signer.username, std::move(address), rules_.round_id(), {}};
  message.signature = sign_statement(keys_.signer, identity::SigningPurpose::seller_back,
                                     seller_back_statement(message));
  return message;
}

bool SellerAuction::is_signed_ack(std::string_view username, const PeerAck& ack) const {
  return ack.round_id == announced_round_ && is_signed_ack(username, ack, announced_digest_);
}

bool SellerAuction::is_signed_ack(std::string_view username, const PeerAck& ack,
                                  const AnnouncePrice& message) const {
  return ack.round_id == message.round_id &&
         is_signed_ack(username, ack, identity::sha256(announcement_statement(message)));
}

bool SellerAuction::is_signed_ack(std::string_view username, const PeerAck& ack,
                                  const identity::Sha256Digest& acknowledged) const {
  if (ack.auction_id != rules_.auction_id()) return false;
  auto key = keys_.buyers.find(username);
  return key != keys_.buyers.end() &&
         verify_statement(key->second, keys_.signer.cluster_id, identity::SigningPurpose::ack,
                          ack_statement(ack.auction_id, username, ack.round_id, acknowledged),
                          ack.signature);
}

AnnouncePrice SellerAuction::introduction() const { return signed_announcement().first; }

std::pair<AnnouncePrice, identity::Sha256Digest> SellerAuction::signed_announcement() const {
  AnnouncePrice message{rules_.auction_id(),
                        rules_.round_id(),
                        rules_.price(),
                        rules_.buyers(),
                        false,
                        chain_.head(),
                        {}};
  const std::string statement = announcement_statement(message);
  message.signature =
      sign_statement(keys_.signer, identity::SigningPurpose::announcement, statement);
  return {std::move(message), identity::sha256(statement)};
}

Result<std::vector<SellerAction>> SellerAuction::start(std::int64_t now_ms) {
  if (started_) return fail(code::wrong_stage, "this auction is already being driven");
  started_ = true;
  if (rules_.stage() == Stage::not_started) {
    auto ok = rules_.start();
    AUCTION_ASSERT(ok.has_value(), "not started rules can start");
  }
  std::vector<SellerAction> actions;
  if (rules_.is_running()) {
    announce(now_ms, actions);
    push(now_ms, actions);
  }
  finish_if_done(actions);
  return actions;
}

std::vector<SellerAction> SellerAuction::on_tick(std::int64_t now_ms) {
  std::vector<SellerAction> actions;
  if (!started_ || !rules_.is_running()) return actions;
  if (round_open_ && now_ms >= deadline_ms_) close_round(now_ms, actions);
  if (rules_.is_running() && !round_open_ && now_ms >= next_announce_at_ms_) {
    // A paused round is announced again as it was. A price that would overflow stays at its
    // cap and the capped round is announced again: buyers still leave, the auction still ends.
    if (!paused_) (void)rules_.next_round();
    announce(now_ms, actions);
  }
  if (rules_.is_running() && now_ms >= next_push_at_ms_) push(now_ms, actions);
  return actions;
}

std::vector<SellerAction> SellerAuction::on_ack(std::string_view username, RoundId round_id,
                                                std::int64_t now_ms) {
  std::vector<SellerAction> actions;
  if (!round_open_ || round_id != rules_.round_id()) return actions;
  const BuyerEntry* buyer = rules_.find(username);
  if (buyer == nullptr || !buyer->is_active()) return actions;
  acked_.emplace(username);
  if (auto it = failed_.find(username); it != failed_.end()) failed_.erase(it);
  close_round_if_answered(now_ms, actions);
  return actions;
}

std::vector<SellerAction> SellerAuction::on_send_failed(std::string_view username, RoundId round_id,
                                                        std::int64_t now_ms) {
  std::vector<SellerAction> actions;
  if (!round_open_ || round_id != rules_.round_id()) return actions;
  const BuyerEntry* buyer = rules_.find(username);
  if (buyer == nullptr || !buyer->is_active() || acked_.contains(username)) return actions;
  failed_.emplace(username);
  close_round_if_answered(now_ms, actions);
  return actions;
}

Result<SellerAuction::WithdrawResponse> SellerAuction::on_withdraw_request(
    const WithdrawRequest& request, std::int64_t now_ms) {
  auto key = keys_.buyers.find(request.username);
  if (request.auction_id != rules_.auction_id() || key == keys_.buyers.end() ||
      !is_signed_withdrawal(key->second, keys_.signer.cluster_id, request)) {
    return fail(code::bad_signature,
                "withdraw: not signed by " + request.username + "'s key for this auction");
  }
  if (!rules_.prices().is_price_at(request.round_id, request.price)) {
    return fail(code::implausible_round, "withdraw: " + format_cents(request.price) +
                                             " is not the price of round " +
                                             std::to_string(request.round_id));
  }
  WithdrawResponse response;
  const BuyerStatus status = status_for(request.reason);
  response.reply.outcome = rules_.withdraw(request.username, status);
  if (response.reply.outcome == WithdrawOutcome::withdrawn) {
    chain_.append(ChainLink{
        rules_.round_id(),
        {ChainWithdrawal{request.username, status,
                         WithdrawProof{request.round_id, request.price, request.signature}}}});
    response.actions.push_back(
        seller_action::BuyerWithdrawn{request.username, status, rules_.round_id()});
    finish_if_done(response.actions);
    if (rules_.is_running()) close_round_if_answered(now_ms, response.actions);
  }
  return response;
}

std::optional<std::int64_t> SellerAuction::next_tick_due_ms() const noexcept {
  if (!started_ || !rules_.is_running()) return std::nullopt;
  return std::min(round_open_ ? deadline_ms_ : next_announce_at_ms_, next_push_at_ms_);
}

void SellerAuction::announce(std::int64_t now_ms, std::vector<SellerAction>& actions) {
  AUCTION_ASSERT(rules_.is_running(), "only a running auction announces");
  round_open_ = true;
  deadline_ms_ = now_ms + config_.ack_deadline_ms;
  next_announce_at_ms_ = now_ms + config_.period_ms;
  acked_.clear();
  failed_.clear();
  seller_action::Announce a;
  std::tie(a.message, a.digest) = signed_announcement();
  announced_round_ = a.message.round_id;
  announced_digest_ = a.digest;
  a.recipients.reserve(rules_.active_count());
  for (const BuyerEntry& b : rules_.buyers()) {
    if (b.is_active()) a.recipients.push_back(b.username);
  }
  a.deadline_ms = deadline_ms_;
  actions.push_back(std::move(a));
}

void SellerAuction::close_round_if_answered(std::int64_t now_ms,
                                            std::vector<SellerAction>& actions) {
  if (!round_open_ || acked_.size() + failed_.size() < rules_.active_count()) return;
  for (const BuyerEntry& b : rules_.buyers()) {
    if (b.is_active() && !acked_.contains(b.username) && !failed_.contains(b.username)) return;
  }
  close_round(now_ms, actions);
}

void SellerAuction::close_round(std::int64_t now_ms, std::vector<SellerAction>& actions) {
  AUCTION_ASSERT(round_open_ && rules_.is_running(),
                 "only an open round of a running auction closes");
  round_open_ = false;
  std::vector<std::string> silent;
  for (const BuyerEntry& b : rules_.buyers()) {
    if (b.is_active() && !acked_.contains(b.username)) silent.push_back(b.username);
  }
  if (silent.size() == rules_.active_count() && rules_.active_count() > 1) {
    // Everybody quiet at once: the seller's own link is failing. Withdraw nobody, try the
    // same round again after a backoff (docs/auction.md, "The pause rule"). A lone buyer
    // below the reserve is no such proof, and its silence counts as anyone's.
    next_announce_at_ms_ = now_ms + retry_ms_;
    if (!paused_) {
      paused_ = true;
      actions.push_back(seller_action::Paused{rules_.round_id(), next_announce_at_ms_});
    }
    retry_ms_ = std::min(retry_ms_ * 2, config_.pause_retry_ms_max);
    return;
  }
  if (paused_) {
    paused_ = false;
    retry_ms_ = config_.period_ms;
    actions.push_back(seller_action::Resumed{rules_.round_id()});
  }
  // Those who answered start again from none missed; the silent have missed one more, and
  // leave once they have missed as many in a row as the grace allows.
  for (const std::string& name : acked_) missed_.erase(name);
  ChainLink link{rules_.round_id(), {}};
  for (const std::string& name : silent) {
    if (++missed_[name] < rules_.terms().grace_rounds) continue;
    missed_.erase(name);
    const WithdrawOutcome outcome = rules_.withdraw(name, BuyerStatus::withdrawn_silent);
    AUCTION_ASSERT(outcome == WithdrawOutcome::withdrawn,
                   "a silent buyer leaves while someone who acked remains");
    link.withdrawals.push_back(ChainWithdrawal{name, BuyerStatus::withdrawn_silent, {}});
    actions.push_back(
        seller_action::BuyerWithdrawn{name, BuyerStatus::withdrawn_silent, rules_.round_id()});
  }
  if (!link.withdrawals.empty()) chain_.append(std::move(link));
  // A lone buyer who acknowledged the round that reached the reserve wins (within its grace
  // but silent, it has not said it would pay that price).
  if (rules_.active_count() == 1) {
    for (const BuyerEntry& b : rules_.buyers()) {
      if (b.is_active() && acked_.contains(b.username)) rules_.on_round_closed();
    }
  }
  finish_if_done(actions);
}

void SellerAuction::push(std::int64_t now_ms, std::vector<SellerAction>& actions) {
  actions.push_back(seller_action::PushUpdate{rules_.state(), chain_.links()});
  next_push_at_ms_ = now_ms + config_.push_period_ms;
}

void SellerAuction::finish_if_done(std::vector<SellerAction>& actions) {
  if (!rules_.is_finished() || finish_emitted_) return;
  finish_emitted_ = true;
  round_open_ = false;
  paused_ = false;
  SignedFinish finish{rules_.finish_record(), chain_.head(), {}};
  finish.signature = sign_statement(keys_.signer, identity::SigningPurpose::auction_finished,
                                    finished_statement(finish.record, finish.chain_head));
  actions.push_back(seller_action::Finish{std::move(finish), chain_.links()});
}

}  // namespace auction::market

// A buyer's pure engine of one running auction; see auction/market/buyer_auction.hpp.
#include "auction/market/buyer_auction.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "auction/base/assert.hpp"
#include "auction/identity/sha256.hpp"

namespace auction::market {
namespace {

constexpr std::uint32_t pause_after_periods_max = 1000;

bool is_listed_active(const AnnouncePrice& message, std::string_view username) {
  const auto& buyers = message.buyers;
  if (message.is_compact) {  // everyone not listed as withdrawn is active
    return std::none_of(buyers.begin(), buyers.end(),
                        [&](const BuyerEntry& b) { return b.username == username; });
  }
  return std::any_of(buyers.begin(), buyers.end(),
                     [&](const BuyerEntry& b) { return b.username == username && b.is_active(); });
}

}  // namespace

Result<void> validate(const BuyerConfig& c) {
  if (!is_valid_username(c.username)) {
    return fail(code::invalid_argument, "username: must be 1..32 characters of [A-Za-z0-9_.-]");
  }
  if (c.period_ms < 1 || c.period_ms > duration_ms_max) {
    return fail(code::invalid_argument, "period_ms: must be 1..86400000");
  }
  if (c.pause_after_periods < 1 || c.pause_after_periods > pause_after_periods_max) {
    return fail(code::invalid_argument, "pause_after_periods: must be 1..1000");
  }
  if (c.max_price && c.max_price->value < 0) {
    return fail(code::invalid_argument, "max_price: must not be negative");
  }
  if (!is_valid_username(c.seller)) {
    return fail(code::invalid_argument, "seller: must be 1..32 characters of [A-Za-z0-9_.-]");
  }
  if (auto prices = PriceSchedule::create(c.base_price, c.increment, c.increment_steps); !prices) {
    return std::unexpected(prices.error());
  }
  if (!can_sign(c.signer) || c.signer.username != c.username) {
    return fail(code::invalid_argument, "signer: must hold this buyer's key pair and a cluster id");
  }
  return {};
}

BuyerAuction::BuyerAuction(BuyerConfig config, PriceSchedule prices, std::int64_t now_ms)
    : config_(std::move(config)),
      prices_(std::move(prices)),
      last_heard_ms_(now_ms),
      anchor_round_(config_.known_round),
      anchor_ms_(config_.known_at_ms) {}

Result<BuyerAuction> BuyerAuction::create(BuyerConfig config, std::int64_t now_ms) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  auto prices = PriceSchedule::create(config.base_price, config.increment, config.increment_steps);
  return BuyerAuction(std::move(config), *std::move(prices), now_ms);
}

Result<void> BuyerAuction::check_seller_signature(identity::SigningPurpose purpose,
                                                  std::string_view statement,
                                                  const identity::Signature& signature) const {
  if (!verify_statement(config_.seller_key, config_.signer.cluster_id, purpose, statement,
                        signature)) {
    return fail(code::bad_signature,
                std::string(purpose.tag()) + ": not signed by the seller " + config_.seller);
  }
  return {};
}

bool BuyerAuction::is_plausible(RoundId round_id, std::int64_t now_ms) const {
  if (round_id <= anchor_round_) return true;
  // One round per period since the anchor, one more for the round under way, and one for
  // the two clocks' skew and the network's delay.
  const std::int64_t elapsed_ms = std::max<std::int64_t>(0, now_ms - anchor_ms_);
  const auto periods = static_cast<RoundId>(elapsed_ms / config_.period_ms);
  return round_id - anchor_round_ <= periods + 2;
}

PeerAck BuyerAuction::ack(RoundId round_id, std::string_view statement) const {
  PeerAck ack{config_.auction_id, round_id, !buyers_.empty(), {}};
  ack.signature = sign_statement(
      config_.signer, identity::SigningPurpose::ack,
      ack_statement(config_.auction_id, config_.username, round_id, identity::sha256(statement)));
  return ack;
}

Result<BuyerAuction::Step> BuyerAuction::on_announce(const AnnouncePrice& message,
                                                     std::int64_t now_ms) {
  AUCTION_ASSERT(message.auction_id == config_.auction_id,
                 "announcement routed to the wrong auction");
  AnnouncePrice full = message;
  if (message.is_compact) {
    if (buyers_.empty()) {
      return fail(code::buyers_unknown,
                  "this buyer does not hold the list of buyers yet: send the full announcement");
    }
    std::vector<std::string> joined;
    joined.reserve(buyers_.size());
    for (const auto& [username, status] : buyers_) joined.push_back(username);
    auto expanded = expand_compact(message, joined);
    if (!expanded) return std::unexpected(expanded.error());
    full = std::move(*expanded);
  }
  const std::string statement = announcement_statement(full);
  if (auto checked = check_seller_signature(identity::SigningPurpose::announcement, statement,
                                            message.signature);
      !checked) {
    return std::unexpected(checked.error());
  }
  if (!prices_.is_price_at(message.round_id, message.price)) {
    return fail(code::implausible_round, "round " + std::to_string(message.round_id) +
                                             " does not cost " + format_cents(message.price));
  }
  if (!finished_ && !is_plausible(message.round_id, now_ms)) {
    return fail(code::implausible_round,
                "round " + std::to_string(message.round_id) + " is further ahead of round " +
                    std::to_string(anchor_round_) + " than the time since allows");
  }
  Step step{ack(message.round_id, statement), {}};
  if (finished_) return step;
  last_heard_ms_ = now_ms;
  if (paused_) {
    paused_ = false;
    step.events.push_back(buyer_event::Resumed{message.round_id});
  }
  if (!round_id_ || message.round_id > *round_id_) {
    const std::optional<RoundId> previous = round_id_;
    round_id_ = message.round_id;
    price_ = message.price;
    // The anchor only moves forward: a round below the one known at the start (a seller
    // resumed from an older push) does not lower what later rounds are measured from.
    if (message.round_id >= anchor_round_) {
      anchor_round_ = message.round_id;
      anchor_ms_ = now_ms;
    }
    step.events.push_back(buyer_event::PriceChanged{message.round_id, message.price});
    take_buyers(full, previous, step.events);
    // The proxy: the first price above the buyer's max sends the withdrawal.
    if (config_.max_price && price_ > *config_.max_price && is_active() && !wants_out_) {
      wants_out_ = WithdrawReason::max_price;
    }
  }
  // Still listed active although we asked to leave: the request crossed this announcement,
  // was lost, or the seller restarted from an older push. Ask again; withdrawal is idempotent.
  if (wants_out_ && is_listed_active(full, config_.username)) send_withdraw(step.events);
  step.ack.has_buyers = !buyers_.empty();
  return step;
}

void BuyerAuction::take_buyers(const AnnouncePrice& full, std::optional<RoundId> previous,
                               std::vector<BuyerEvent>& events) {
  // The seller takes a withdrawal during a round and shows it from the next announcement on.
  const RoundId taken_in = full.round_id == 0 ? 0 : full.round_id - 1;
  const bool is_exact = full.round_id > 0 && previous == taken_in;
  std::map<std::string, BuyerStatus, std::less<>> next;
  for (const BuyerEntry& b : full.buyers) {
    auto it = buyers_.find(b.username);
    const bool was_out = it != buyers_.end() && it->second != BuyerStatus::active;
    if (!b.is_active() && !was_out) {
      events.push_back(buyer_event::BuyerWithdrew{b.username, b.status, taken_in, is_exact});
    }
    next.emplace(b.username, b.status);
  }
  buyers_ = std::move(next);
}

Result<BuyerAuction::Step> BuyerAuction::on_finished(const SignedFinish& message,
                                                     std::int64_t now_ms) {
  const FinishRecord& record = message.record;
  AUCTION_ASSERT(record.auction_id == config_.auction_id, "result routed to the wrong auction");
  const std::string statement = finished_statement(record, message.chain_head);
  if (auto checked = check_seller_signature(identity::SigningPurpose::auction_finished, statement,
                                            message.signature);
      !checked) {
    return std::unexpected(checked.error());
  }
  Step step{ack(record.round_id, statement), {}};
  last_heard_ms_ = now_ms;
  if (finished_) return step;
  finished_ = true;
  paused_ = false;
  round_id_ = record.round_id;
  price_ = record.price;
  buyers_.clear();
  for (const BuyerEntry& b : record.buyers) buyers_.emplace(b.username, b.status);
  step.events.push_back(buyer_event::Finished{record, record.winner == config_.username});
  return step;
}

Result<BuyerAuction::Step> BuyerAuction::on_seller_back(const SellerBack& message,
                                                        std::int64_t now_ms) {
  AUCTION_ASSERT(message.auction_id == config_.auction_id,
                 "seller_back routed to the wrong auction");
  const std::string statement = seller_back_statement(message);
  if (auto checked = check_seller_signature(identity::SigningPurpose::seller_back, statement,
                                            message.signature);
      !checked) {
    return std::unexpected(checked.error());
  }
  if (message.seller != config_.seller) {
    return fail(code::invalid_argument,
                "seller_back.seller: this auction's seller is " + config_.seller);
  }
  if (!is_plausible(message.round_id, now_ms)) {
    return fail(code::implausible_round, "seller_back: round " + std::to_string(message.round_id) +
                                             " is further ahead than the time since allows");
  }
  Step step{ack(round_id_.value_or(0), statement), {}};
  // An older one than we took is a replay of the seller's past: not taken.
  if (seller_back_round_ && message.round_id < *seller_back_round_) return step;
  seller_back_round_ = message.round_id;
  // Not a resume: the seller is reachable again, but the auction goes on only when it
  // announces a round, so a pause stays a pause until then.
  step.events.push_back(buyer_event::SellerBack{message.seller, message.address});
  return step;
}

std::vector<BuyerEvent> BuyerAuction::on_tick(std::int64_t now_ms) {
  std::vector<BuyerEvent> events;
  if (finished_ || paused_) return events;
  const std::int64_t silence_ms_max =
      static_cast<std::int64_t>(config_.pause_after_periods) * config_.period_ms;
  if (now_ms - last_heard_ms_ >= silence_ms_max) {
    paused_ = true;
    events.push_back(buyer_event::Paused{round_id_});
  }
  return events;
}

std::vector<BuyerEvent> BuyerAuction::request_withdraw() {
  std::vector<BuyerEvent> events;
  if (finished_ || (round_id_ && !is_active())) return events;
  if (!wants_out_) wants_out_ = WithdrawReason::by_request;
  send_withdraw(events);
  return events;
}

std::vector<BuyerEvent> BuyerAuction::set_max_price(std::optional<Cents> max_price) {
  AUCTION_ASSERT(!max_price || max_price->value >= 0, "a max price is not negative");
  config_.max_price = max_price;
  std::vector<BuyerEvent> events;
  if (max_price && !finished_ && round_id_ && price_ > *max_price && is_active() && !wants_out_) {
    wants_out_ = WithdrawReason::max_price;
    send_withdraw(events);
  }
  return events;
}

bool BuyerAuction::is_active() const {
  auto it = buyers_.find(config_.username);
  return it != buyers_.end() && it->second == BuyerStatus::active;
}

std::size_t BuyerAuction::active_count() const {
  return static_cast<std::size_t>(std::count_if(buyers_.begin(), buyers_.end(), [](const auto& b) {
    return b.second == BuyerStatus::active;
  }));
}

void BuyerAuction::send_withdraw(std::vector<BuyerEvent>& events) const {
  AUCTION_ASSERT(wants_out_.has_value(), "a withdrawal needs a reason");
  // The round and price this buyer had seen (the base price before any round): the request
  // is signed over them, so it is the buyer's own statement of when it asked.
  const RoundId round_id = round_id_.value_or(0);
  const Cents price = round_id_ ? price_ : config_.base_price;
  WithdrawRequest request{config_.auction_id, config_.username, *wants_out_, round_id, price, {}};
  request.signature = sign_statement(
      config_.signer, identity::SigningPurpose::withdraw,
      withdraw_statement(config_.auction_id, config_.username, *wants_out_, round_id, price));
  events.push_back(buyer_event::SendWithdraw{std::move(request)});
}

}  // namespace auction::market

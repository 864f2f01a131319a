// A buyer's pure engine of one running auction; see auction/market/buyer_auction.hpp.
#include "auction/market/buyer_auction.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "auction/base/assert.hpp"

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
  return {};
}

BuyerAuction::BuyerAuction(BuyerConfig config, std::int64_t now_ms)
    : config_(std::move(config)), last_heard_ms_(now_ms) {}

Result<BuyerAuction> BuyerAuction::create(BuyerConfig config, std::int64_t now_ms) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  return BuyerAuction(std::move(config), now_ms);
}

BuyerAuction::Step BuyerAuction::on_announce(const AnnouncePrice& message, std::int64_t now_ms) {
  AUCTION_ASSERT(message.auction_id == config_.auction_id,
                 "announcement routed to the wrong auction");
  Step step{PeerAck{config_.auction_id, message.round_id, !buyers_.empty(), {}}, {}};
  if (finished_) return step;
  last_heard_ms_ = now_ms;
  if (paused_) {
    paused_ = false;
    step.events.push_back(buyer_event::Resumed{message.round_id});
  }
  const bool can_take = !message.is_compact || !buyers_.empty();
  if (can_take && (!round_id_ || message.round_id > *round_id_)) {
    round_id_ = message.round_id;
    price_ = message.price;
    step.events.push_back(buyer_event::PriceChanged{message.round_id, message.price});
    if (message.is_compact) {
      take_withdrawn(message, step.events);
    } else {
      take_buyers(message, step.events);
    }
    // The proxy: the first price above the buyer's max sends the withdrawal.
    if (config_.max_price && price_ > *config_.max_price && is_active() && !wants_out_) {
      wants_out_ = WithdrawReason::max_price;
    }
  }
  // Still listed active although we asked to leave: the request crossed this announcement,
  // was lost, or the seller restarted from an older push. Ask again; withdrawal is idempotent.
  if (wants_out_ && is_listed_active(message, config_.username)) send_withdraw(step.events);
  step.ack.has_buyers = !buyers_.empty();
  return step;
}

void BuyerAuction::take_buyers(const AnnouncePrice& message, std::vector<BuyerEvent>& events) {
  std::map<std::string, BuyerStatus, std::less<>> next;
  withdrawn_count_ = 0;
  for (const BuyerEntry& b : message.buyers) {
    auto it = buyers_.find(b.username);
    const bool was_out = it != buyers_.end() && it->second != BuyerStatus::active;
    if (!b.is_active() && !was_out) {
      events.push_back(buyer_event::BuyerWithdrew{b.username, b.status, message.round_id});
    }
    if (!b.is_active()) ++withdrawn_count_;
    next.emplace(b.username, b.status);
  }
  buyers_ = std::move(next);
}

void BuyerAuction::take_withdrawn(const AnnouncePrice& message, std::vector<BuyerEvent>& events) {
  // Costs per listed buyer, not per joined buyer: that is the point of the compact form.
  std::size_t listed_out = 0;  // listed buyers we hold, all withdrawn once this loop is done
  for (const BuyerEntry& b : message.buyers) {
    auto it = buyers_.find(b.username);
    if (it == buyers_.end()) continue;  // not a buyer of the list we hold: nothing to show
    if (it->second == BuyerStatus::active) {
      events.push_back(buyer_event::BuyerWithdrew{b.username, b.status, message.round_id});
      ++withdrawn_count_;
    }
    it->second = b.status;
    ++listed_out;
  }
  if (withdrawn_count_ == listed_out) return;
  // We hold withdrawn buyers the seller does not list: it restarted from a push older than
  // what we saw, and they are active again, as the full list would show them. Rare.
  std::set<std::string_view> listed;
  for (const BuyerEntry& b : message.buyers) listed.insert(b.username);
  for (auto& [username, status] : buyers_) {
    if (status != BuyerStatus::active && !listed.contains(username)) {
      status = BuyerStatus::active;
      --withdrawn_count_;
    }
  }
}

BuyerAuction::Step BuyerAuction::on_finished(const FinishRecord& record, std::int64_t now_ms) {
  AUCTION_ASSERT(record.auction_id == config_.auction_id, "result routed to the wrong auction");
  Step step{PeerAck{config_.auction_id, record.round_id, false, {}}, {}};
  last_heard_ms_ = now_ms;
  if (finished_) return step;
  finished_ = true;
  paused_ = false;
  round_id_ = record.round_id;
  price_ = record.price;
  buyers_.clear();
  withdrawn_count_ = 0;
  for (const BuyerEntry& b : record.buyers) {
    buyers_.emplace(b.username, b.status);
    if (!b.is_active()) ++withdrawn_count_;
  }
  step.events.push_back(buyer_event::Finished{record, record.winner == config_.username});
  return step;
}

BuyerAuction::Step BuyerAuction::on_seller_back(const SellerBack& message, std::int64_t) {
  AUCTION_ASSERT(message.auction_id == config_.auction_id,
                 "seller_back routed to the wrong auction");
  // Not a resume: the seller is reachable again, but the auction goes on only when it
  // announces a round, so a pause stays a pause until then.
  Step step{PeerAck{config_.auction_id, round_id_.value_or(0), false, {}}, {}};
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

void BuyerAuction::send_withdraw(std::vector<BuyerEvent>& events) const {
  AUCTION_ASSERT(wants_out_.has_value(), "a withdrawal needs a reason");
  events.push_back(buyer_event::SendWithdraw{
      WithdrawRequest{config_.auction_id, config_.username, *wants_out_, 0, {}, {}}});
}

}  // namespace auction::market

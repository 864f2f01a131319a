// The clock auction's rules; see auction/market/auction_rules.hpp.
#include "auction/market/auction_rules.hpp"

#include <limits>
#include <set>

#include "auction/base/assert.hpp"

namespace auction::market {
namespace {

Result<void> check_buyers(const std::vector<BuyerEntry>& buyers) {
  if (buyers.size() > limits::buyers_per_auction_max) {
    return fail(code::invalid_argument,
                "buyers: more than " + std::to_string(limits::buyers_per_auction_max) + " buyers");
  }
  std::set<std::string_view> seen;
  for (const BuyerEntry& b : buyers) {
    if (!is_valid_username(b.username)) {
      return fail(code::invalid_argument, "buyers: invalid username \"" +
                                          b.username.substr(0, limits::username_bytes_max) + "\"");
    }
    if (!seen.insert(b.username).second) {
      return fail(code::invalid_argument, "buyers: \"" + b.username + "\" joined twice");
    }
  }
  return {};
}

}  // namespace

Result<AuctionRules> AuctionRules::create(AuctionId auction_id, Cents base_price,
                                          Cents increment, std::vector<std::string> buyers) {
  auto price = price_at_round(base_price, increment, 0);
  if (!price) return std::unexpected(price.error());
  AuctionRules c;
  c.auction_id_ = auction_id;
  c.base_price_ = base_price;
  c.increment_ = increment;
  c.price_ = *price;
  c.buyers_.reserve(buyers.size());
  for (std::string& name : buyers) c.buyers_.push_back({std::move(name), BuyerStatus::active});
  if (auto ok = check_buyers(c.buyers_); !ok) return std::unexpected(ok.error());
  for (std::size_t i = 0; i < c.buyers_.size(); ++i) c.index_.emplace(c.buyers_[i].username, i);
  c.active_count_ = c.buyers_.size();
  return c;
}

Result<AuctionRules> AuctionRules::restore(const AuctionState& state) {
  auto price = price_at_round(state.base_price, state.increment, state.round_id);
  if (!price) return std::unexpected(price.error());
  if (*price != state.price) {
    return fail(code::invalid_argument, "price: is not base_price + round_id * increment");
  }
  if (auto ok = check_buyers(state.buyers); !ok) return std::unexpected(ok.error());
  AuctionRules c;
  c.auction_id_ = state.auction_id;
  c.stage_ = state.stage;
  c.round_id_ = state.round_id;
  c.base_price_ = state.base_price;
  c.increment_ = state.increment;
  c.price_ = state.price;
  c.buyers_ = state.buyers;
  for (std::size_t i = 0; i < c.buyers_.size(); ++i) {
    c.index_.emplace(c.buyers_[i].username, i);
    if (c.buyers_[i].is_active()) ++c.active_count_;
  }
  switch (state.stage) {
    case Stage::not_started:
      if (state.round_id != 0 || c.active_count_ != c.buyers_.size() || state.winner) {
        return fail(code::invalid_argument,
                    "stage: a not started auction is at round 0, all active, no winner");
      }
      break;
    case Stage::running:
      if (c.active_count_ < 2 || state.winner) {
        return fail(code::invalid_argument,
                    "stage: a running auction has at least two active buyers and no winner");
      }
      break;
    case Stage::finished: {
      const bool consistent =
          state.buyers.empty()
              ? !state.winner
              : (state.winner && c.active_count_ == 1 && c.find(*state.winner) != nullptr &&
                 c.find(*state.winner)->is_active());
      if (!consistent) {
        return fail(code::invalid_argument,
                    "winner: a finished auction's winner is its only active buyer");
      }
      c.winner_ = state.winner;
      break;
    }
  }
  return c;
}

Result<void> AuctionRules::start() {
  if (stage_ != Stage::not_started) {
    return fail(code::wrong_stage, "auction " + std::to_string(auction_id_.value) + " is " +
                                   std::string(to_string(stage_)) + ", not not_started");
  }
  stage_ = Stage::running;
  if (active_count_ <= 1) {
    // One buyer wins at the base price; nobody means unsold. Either way no round is run.
    stage_ = Stage::finished;
    if (active_count_ == 1) winner_ = buyers_.front().username;
  }
  return {};
}

Result<RoundId> AuctionRules::next_round() {
  if (stage_ != Stage::running) {
    return fail(code::wrong_stage, "auction " + std::to_string(auction_id_.value) + " is " +
                                   std::string(to_string(stage_)) + ", not running");
  }
  auto price = price_at_round(base_price_, increment_, round_id_ + 1);
  if (!price) return std::unexpected(price.error());
  ++round_id_;
  price_ = *price;
  return round_id_;
}

WithdrawOutcome AuctionRules::withdraw(std::string_view username, BuyerStatus withdrawn_status) {
  AUCTION_ASSERT(withdrawn_status != BuyerStatus::active, "withdraw needs a withdrawn status");
  auto it = index_.find(username);
  if (it == index_.end()) return WithdrawOutcome::not_joined;
  if (stage_ == Stage::not_started) return WithdrawOutcome::not_started;
  BuyerEntry& buyer = buyers_[it->second];
  if (!buyer.is_active()) return WithdrawOutcome::already_withdrawn;
  // A running auction always has two active buyers or more (it finishes when one is left),
  // so the last active buyer is always the winner of a finished auction: the race between
  // the two last buyers ends here for the one applied second.
  if (winner_ == username) return WithdrawOutcome::you_are_the_winner;
  if (stage_ == Stage::finished) return WithdrawOutcome::already_finished;
  buyer.status = withdrawn_status;
  --active_count_;
  finish_if_one_left();
  return WithdrawOutcome::withdrawn;
}

void AuctionRules::finish_if_one_left() {
  AUCTION_ASSERT(active_count_ >= 1, "a running auction never loses its last buyer");
  if (active_count_ != 1) return;
  for (const BuyerEntry& b : buyers_) {
    if (b.is_active()) winner_ = b.username;
  }
  stage_ = Stage::finished;
}

const BuyerEntry* AuctionRules::find(std::string_view username) const {
  auto it = index_.find(username);
  return it == index_.end() ? nullptr : &buyers_[it->second];
}

AuctionState AuctionRules::state() const {
  return AuctionState{auction_id_, stage_, round_id_, base_price_, increment_,
                      price_,      buyers_, winner_};
}

FinishRecord AuctionRules::finish_record() const {
  AUCTION_ASSERT(stage_ == Stage::finished, "finish_record needs a finished auction");
  return FinishRecord{auction_id_, round_id_, winner_, price_, buyers_};
}

}  // namespace auction::market

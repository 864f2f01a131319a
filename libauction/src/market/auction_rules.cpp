// The clock auction's rules; see auction/market/auction_rules.hpp.
#include "auction/market/auction_rules.hpp"

#include <algorithm>
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
      return fail(
          code::invalid_argument,
          "buyers: invalid username \"" + b.username.substr(0, limits::username_bytes_max) + "\"");
    }
    if (!seen.insert(b.username).second) {
      return fail(code::invalid_argument, "buyers: \"" + b.username + "\" joined twice");
    }
  }
  return {};
}

}  // namespace

Result<AuctionRules> AuctionRules::create(AuctionId auction_id, Cents base_price, Cents increment,
                                          std::vector<std::string> buyers, SaleTerms terms) {
  auto prices = price_schedule_of(base_price, increment, terms);
  if (!prices) return std::unexpected(prices.error());
  AuctionRules c(std::move(*prices));
  AuctionState& s = c.state_;
  s.auction_id = auction_id;
  s.base_price = base_price;
  s.increment = increment;
  s.terms = std::move(terms);
  s.price = base_price;
  s.buyers.reserve(buyers.size());
  for (std::string& name : buyers) s.buyers.push_back({std::move(name), BuyerStatus::active});
  if (auto ok = check_buyers(s.buyers); !ok) return std::unexpected(ok.error());
  for (std::size_t i = 0; i < s.buyers.size(); ++i) c.index_.emplace(s.buyers[i].username, i);
  c.active_count_ = s.buyers.size();
  return c;
}

Result<AuctionRules> AuctionRules::restore(const AuctionState& state) {
  auto prices = price_schedule_of(state.base_price, state.increment, state.terms);
  if (!prices) return std::unexpected(prices.error());
  auto price = prices->price_at(state.round_id);
  if (!price) return std::unexpected(price.error());
  if (*price != state.price) {
    return fail(code::invalid_argument, "price: is not the price of round_id");
  }
  if (auto ok = check_buyers(state.buyers); !ok) return std::unexpected(ok.error());
  AuctionRules c(std::move(*prices));
  c.state_ = state;  // checked below; a winner is kept only where the stage allows one
  const std::vector<BuyerEntry>& buyers = c.state_.buyers;
  for (std::size_t i = 0; i < buyers.size(); ++i) {
    c.index_.emplace(buyers[i].username, i);
    if (buyers[i].is_active()) ++c.active_count_;
  }
  switch (state.stage) {
    case Stage::not_started:
      if (state.round_id != 0 || c.active_count_ != buyers.size() || state.winner) {
        return fail(code::invalid_argument,
                    "stage: a not started auction is at round 0, all active, no winner");
      }
      break;
    case Stage::running:
      if (c.active_count_ < (c.is_lone_clock() ? 1 : 2) || state.winner) {
        return fail(code::invalid_argument,
                    "stage: a running auction has at least two active buyers (one whose clock "
                    "has not passed the reserve) and no winner");
      }
      break;
    case Stage::finished: {
      const bool consistent = state.winner
                                  ? c.active_count_ == 1 && c.find(*state.winner) != nullptr &&
                                        c.find(*state.winner)->is_active() && !c.is_below_reserve()
                                  : c.active_count_ == 0 && (buyers.empty() || c.is_lone_clock());
      if (!consistent) {
        return fail(code::invalid_argument,
                    "winner: a finished auction's winner is its only active buyer, at or above "
                    "the reserve; without one, nobody is active (nobody joined, or the last "
                    "one left below the reserve)");
      }
      break;
    }
  }
  return c;
}

Result<void> AuctionRules::start() {
  if (state_.stage != Stage::not_started) {
    return fail(code::wrong_stage, "auction " + std::to_string(state_.auction_id.value) + " is " +
                                       std::string(to_string(state_.stage)) + ", not not_started");
  }
  state_.stage = Stage::running;
  settle();  // nobody: unsold; one buyer at or above the reserve: it wins at once
  return {};
}

Result<RoundId> AuctionRules::next_round() {
  if (state_.round_id == std::numeric_limits<RoundId>::max()) {
    return fail(code::price_overflow, "no round follows round " + std::to_string(state_.round_id));
  }
  auto advanced = advance_to(state_.round_id + 1);
  if (!advanced) return std::unexpected(advanced.error());
  return state_.round_id;
}

Result<void> AuctionRules::advance_to(RoundId round_id) {
  if (state_.stage != Stage::running) {
    return fail(code::wrong_stage, "auction " + std::to_string(state_.auction_id.value) + " is " +
                                       std::string(to_string(state_.stage)) + ", not running");
  }
  if (round_id < state_.round_id) {
    return fail(code::invalid_argument, "round " + std::to_string(round_id) + " is before round " +
                                            std::to_string(state_.round_id));
  }
  // A lone buyer below the reserve is announced the first round that reaches it, and wins
  // when that round closes with it still in (on_round_closed()): the clock does not pass it.
  if (active_count_ == 1 && state_.terms.reserve) {
    const auto reaching = prices_.first_round_reaching(*state_.terms.reserve);
    if (reaching) round_id = std::min(round_id, *reaching);
  }
  auto price = prices_.price_at(round_id);
  if (!price) return std::unexpected(price.error());
  state_.round_id = round_id;
  state_.price = *price;
  return {};
}

WithdrawOutcome AuctionRules::withdraw(std::string_view username, BuyerStatus withdrawn_status) {
  AUCTION_ASSERT(withdrawn_status != BuyerStatus::active, "withdraw needs a withdrawn status");
  auto it = index_.find(username);
  if (it == index_.end()) return WithdrawOutcome::not_joined;
  if (state_.stage == Stage::not_started) return WithdrawOutcome::not_started;
  BuyerEntry& buyer = state_.buyers[it->second];
  if (!buyer.is_active()) return WithdrawOutcome::already_withdrawn;
  // A running auction has two active buyers or more (it finishes when one is left at or
  // above the reserve), so the last active buyer is the winner of a finished auction: the
  // race between the two last buyers ends here for the one applied second. Below the reserve
  // the last one may leave: nothing is sold.
  if (state_.winner == username) return WithdrawOutcome::you_are_the_winner;
  if (state_.stage == Stage::finished) return WithdrawOutcome::already_finished;
  buyer.status = withdrawn_status;
  --active_count_;
  settle();
  return WithdrawOutcome::withdrawn;
}

void AuctionRules::on_round_closed() {
  if (state_.stage == Stage::running && active_count_ == 1) settle();
}

void AuctionRules::settle() {
  if (state_.stage != Stage::running) return;
  if (active_count_ == 0) {
    state_.stage = Stage::finished;  // nobody joined, or the last one left below the reserve
  } else if (active_count_ == 1 && !is_below_reserve()) {
    state_.stage = Stage::finished;
    for (const BuyerEntry& b : state_.buyers) {
      if (b.is_active()) state_.winner = b.username;
    }
  }
}

bool AuctionRules::is_below_reserve() const noexcept {
  return state_.terms.reserve && state_.price < *state_.terms.reserve;
}

bool AuctionRules::is_lone_clock() const noexcept {
  if (!state_.terms.reserve) return false;
  if (state_.round_id == 0) return true;  // the start price is below any reserve
  const auto before = prices_.price_at(state_.round_id - 1);
  return before && *before < *state_.terms.reserve;
}

const BuyerEntry* AuctionRules::find(std::string_view username) const {
  auto it = index_.find(username);
  return it == index_.end() ? nullptr : &state_.buyers[it->second];
}

FinishRecord AuctionRules::finish_record() const {
  AUCTION_ASSERT(state_.stage == Stage::finished, "finish_record needs a finished auction");
  return FinishRecord{state_.auction_id, state_.round_id, state_.winner, state_.price,
                      state_.buyers};
}

}  // namespace auction::market

// AuctionRules: the rules of one ascending clock auction, and nothing else.
//
// It knows the round, the price (the auction's PriceSchedule: a start price and an increment
// that may grow with the price, checked for overflow), every buyer's status, the reserve and
// the end. It does not know time, deadlines or the network: the
// seller's pure engine (SellerAuction) decides *when* a round advances or a silent buyer is
// withdrawn, and asks the rules whether that is allowed. Sits in market/ (pure): no I/O, no
// clock reads, never throws; single-threaded, the owner serialises calls.
//
// The two rules that make "exactly one winner" hold:
//   - the last active buyer cannot withdraw: it is the winner, and the answer says so;
//   - withdrawals are applied one at a time, so when the two last buyers withdraw "at once"
//     the first applied leaves, the auction finishes, and the second is told it won.
// And the reserve: the last buyer in wins only at a clock price at or above it. Below it the
// clock goes on for that buyer alone: the first round that reaches the reserve is announced
// to it, and it wins when that round closes with it still in (on_round_closed()); leaving
// first (withdrawn, or silent), it ends the auction unsold ("reserve not met").
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/base/price_schedule.hpp"
#include "auction/base/sale_terms.hpp"
#include "auction/market/auction_state.hpp"
#include "auction/market/finish_record.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

class AuctionRules {
 public:
  // A not-started auction with the given joined buyers, all active, and `terms`.
  // Errors: invalid_argument when the prices or terms break price_schedule_of()'s rules
  // (base/sale_terms.hpp), a username is invalid or repeated, or there are more than
  // limits::buyers_per_auction_max buyers.
  static Result<AuctionRules> create(AuctionId auction_id, Cents base_price, Cents increment,
                                     std::vector<std::string> buyers, SaleTerms terms = {});

  // The rules a restarted seller resumes from: exactly the pushed state.
  // Errors: invalid_argument (naming the broken invariant) when `state` breaks one of the
  // invariants listed on AuctionState.
  static Result<AuctionRules> restore(const AuctionState& state);

  // not_started -> running at round 0, price = base. With one buyer the auction finishes at
  // once (that buyer wins at the base price), unless there is a reserve (above the base
  // price, always): then its clock runs as above. With none it finishes unsold.
  // Errors: wrong_stage when already started or finished.
  Result<void> start();

  // The next round: round_id + 1 at the next price. Errors: wrong_stage unless running;
  // price_overflow when the next price does not fit (nothing changes; the price stays capped).
  Result<RoundId> next_round();

  // Jumps to round `round_id` at its price, as if every round before it had passed with
  // nobody leaving (how a transcript's verifier replays the rounds between two links). A lone
  // buyer's clock below the reserve stops at the first round that reaches it (round_id() then
  // tells where).
  // Errors: wrong_stage unless running; invalid_argument for a round before the current one;
  // price_overflow when its price does not fit (nothing changes).
  Result<void> advance_to(RoundId round_id);

  // The current round closed, its buyers still in as they are: a lone buyer at or above the
  // reserve wins now. Nothing else changes.
  void on_round_closed();

  // Takes `username` out of the auction with the given withdrawn status. Precondition:
  // `withdrawn_status` is not active. Outcomes, checked in this order:
  //   not_joined         the name is not one of this auction's buyers;
  //   not_started        the auction has not started;
  //   already_withdrawn  the buyer was out before (idempotent, nothing changes);
  //   you_are_the_winner the buyer is the last active one at or above the reserve (or the
  //                      winner of a finished auction): it cannot leave;
  //   already_finished   the auction is over;
  //   withdrawn          done; if one active buyer remains at or above the reserve, or none
  //                      is left, the auction is now finished.
  WithdrawOutcome withdraw(std::string_view username, BuyerStatus withdrawn_status);

  AuctionId auction_id() const noexcept { return state_.auction_id; }
  Stage stage() const noexcept { return state_.stage; }
  bool is_running() const noexcept { return state_.stage == Stage::running; }
  bool is_finished() const noexcept { return state_.stage == Stage::finished; }
  RoundId round_id() const noexcept { return state_.round_id; }
  Cents price() const noexcept { return state_.price; }
  Cents base_price() const noexcept { return state_.base_price; }
  Cents increment() const noexcept { return state_.increment; }
  const SaleTerms& terms() const noexcept { return state_.terms; }
  const PriceSchedule& prices() const noexcept { return prices_; }
  // Finished without a winner although buyers joined: the last one left below the reserve.
  bool reserve_not_met() const noexcept {
    return is_finished() && !state_.winner && !state_.buyers.empty();
  }
  const std::vector<BuyerEntry>& buyers() const noexcept { return state_.buyers; }
  std::size_t active_count() const noexcept { return active_count_; }
  // nullptr when `username` did not join. The pointer is valid until the next mutation.
  const BuyerEntry* find(std::string_view username) const;
  // Set once finished with at least one buyer, unless the reserve was not met.
  const std::optional<std::string>& winner() const noexcept { return state_.winner; }

  // What the seller pushes to the platform and restores from.
  AuctionState state() const { return state_; }
  // Precondition: finished.
  FinishRecord finish_record() const;

 private:
  explicit AuctionRules(PriceSchedule prices) : prices_(std::move(prices)) {}
  // Finishes a running auction that is over: one buyer left at or above the reserve (the
  // winner), or none.
  void settle();
  bool is_below_reserve() const noexcept;
  // With a reserve, the round before this one was below it (or this is round 0): where a
  // lone buyer's clock may stand.
  bool is_lone_clock() const noexcept;

  // The invariants listed on AuctionState hold; buyers in join order, never shrinking.
  AuctionState state_;
  PriceSchedule prices_;  // state_'s base_price, increment and terms.increment_steps
  std::map<std::string, std::size_t, std::less<>> index_;  // username -> position in buyers
  std::size_t active_count_ = 0;  // invariant: == count of active entries in buyers
};

}  // namespace auction::market

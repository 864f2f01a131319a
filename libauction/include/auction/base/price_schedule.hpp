// PriceSchedule: the clock's prices, round by round -- a start price, and an increment that
// may grow with the price, as a table of price levels (an increment schedule, like eBay's
// bid increments: +0.50 up to 20.00, +1.00 from there, +5.00 from 100.00).
//
// Round 0 is at the start price; each round raises the price by the increment of the level
// the price is at when the round begins (the last step whose from_price is at or below it;
// the first increment below every step). A raise may pass a level's from_price: the next
// raise then uses that level's increment. With no steps this is price_at_round's
// start + rounds x increment exactly. Sits in base/: the platform checks the prices sellers
// push with it, and the auction rules raise the clock with it. Pure; never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/base/money.hpp"

namespace auction {

// From `from_price` on, the price rises by `increment` a round.
struct IncrementStep {
  Cents from_price;
  Cents increment;

  friend bool operator==(const IncrementStep&, const IncrementStep&) = default;
};

class PriceSchedule {
 public:
  static constexpr std::size_t steps_max = 16;

  // Errors: invalid_argument, naming the field: a negative start, an increment that is not
  // positive, more than steps_max steps, a step whose from_price is not above the start and
  // the step before it, or whose increment is not positive.
  static Result<PriceSchedule> create(Cents start, Cents increment,
                                      std::vector<IncrementStep> steps = {});

  Cents start() const noexcept { return start_; }
  Cents first_increment() const noexcept { return increment_; }
  const std::vector<IncrementStep>& steps() const noexcept { return steps_; }

  // The increment of a round that begins at `price`.
  Cents increment_at(Cents price) const noexcept;

  // The price of round `rounds`, in O(steps) whatever the round.
  // Errors: price_overflow when it would pass INT64_MAX cents.
  Result<Cents> price_at(std::uint64_t rounds) const;

  // The first round whose price is `target` or more, in O(steps); nullopt when no price
  // below INT64_MAX cents reaches it.
  std::optional<std::uint64_t> first_round_reaching(Cents target) const;

  // Whether `price` is exactly the price of round `rounds` (false when that overflows): how
  // a claim "round r at price p" is checked.
  bool is_price_at(std::uint64_t rounds, Cents price) const;

  friend bool operator==(const PriceSchedule&, const PriceSchedule&) = default;

 private:
  PriceSchedule() = default;
  // How many steps `price` has reached (their from_price is at or below it).
  std::size_t steps_reached(Cents price) const noexcept;

  Cents start_;
  Cents increment_;
  std::vector<IncrementStep> steps_;  // from_price strictly increasing, all above start_
};

}  // namespace auction

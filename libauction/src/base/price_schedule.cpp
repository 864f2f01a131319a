// The clock's prices round by round; see auction/base/price_schedule.hpp.
#include "auction/base/price_schedule.hpp"

#include <string>

#include "auction/base/error_codes.hpp"

namespace auction {

Result<PriceSchedule> PriceSchedule::create(Cents start, Cents increment,
                                            std::vector<IncrementStep> steps) {
  if (start.value < 0) return fail(code::invalid_argument, "start_price: must not be negative");
  if (increment.value <= 0) return fail(code::invalid_argument, "increment: must be positive");
  if (steps.size() > steps_max) {
    return fail(code::invalid_argument,
                "increment_steps: at most " + std::to_string(steps_max) + " steps");
  }
  Cents below = start;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string where = "increment_steps[" + std::to_string(i) + "]";
    if (steps[i].from_price <= below) {
      return fail(code::invalid_argument,
                  where + ".from_price: must be above " +
                      (i == 0 ? std::string("the start price") : "the step before") + " (" +
                      format_cents(below) + ")");
    }
    if (steps[i].increment.value <= 0) {
      return fail(code::invalid_argument, where + ".increment: must be positive");
    }
    below = steps[i].from_price;
  }
  PriceSchedule schedule;
  schedule.start_ = start;
  schedule.increment_ = increment;
  schedule.steps_ = std::move(steps);
  return schedule;
}

std::size_t PriceSchedule::steps_reached(Cents price) const noexcept {
  std::size_t reached = 0;
  while (reached < steps_.size() && steps_[reached].from_price <= price) ++reached;
  return reached;
}

Cents PriceSchedule::increment_at(Cents price) const noexcept {
  const std::size_t reached = steps_reached(price);
  return reached == 0 ? increment_ : steps_[reached - 1].increment;
}

Result<Cents> PriceSchedule::price_at(std::uint64_t rounds) const {
  const auto overflow = [rounds] {
    return fail(code::price_overflow,
                "the price of round " + std::to_string(rounds) + " does not fit in int64 cents");
  };
  Cents price = start_;
  std::uint64_t left = rounds;
  // Level by level: within one, the price rises by one increment a round until it reaches
  // the next level's from_price (each pass leaves at least one level behind).
  for (;;) {
    const std::size_t reached = steps_reached(price);
    const Cents increment = reached == 0 ? increment_ : steps_[reached - 1].increment;
    const IncrementStep* next = reached < steps_.size() ? &steps_[reached] : nullptr;
    if (next == nullptr) {
      auto last = price_at_round(price, increment, left);
      if (!last) return overflow();
      return last;
    }
    // Rounds until the price is at or above the next level: ceil(gap / increment) >= 1.
    const std::int64_t gap = next->from_price.value - price.value;
    const auto to_next =
        static_cast<std::uint64_t>(gap / increment.value + (gap % increment.value != 0 ? 1 : 0));
    if (left <= to_next) {
      auto within = price_at_round(price, increment, left);
      if (!within) return overflow();
      return within;
    }
    auto at_next = price_at_round(price, increment, to_next);
    if (!at_next) return overflow();
    price = *at_next;
    left -= to_next;
  }
}

std::optional<std::uint64_t> PriceSchedule::first_round_reaching(Cents target) const {
  Cents price = start_;
  std::uint64_t rounds = 0;
  const auto rounds_to = [](Cents from, Cents to, Cents increment) {
    const std::int64_t gap = to.value - from.value;  // > 0
    return static_cast<std::uint64_t>(gap / increment.value + (gap % increment.value != 0 ? 1 : 0));
  };
  // Level by level, as price_at() climbs them.
  while (price < target) {
    const std::size_t reached = steps_reached(price);
    const Cents increment = reached == 0 ? increment_ : steps_[reached - 1].increment;
    const IncrementStep* next = reached < steps_.size() ? &steps_[reached] : nullptr;
    const Cents bound = next != nullptr && next->from_price < target ? next->from_price : target;
    const std::uint64_t climb = rounds_to(price, bound, increment);
    auto at = price_at_round(price, increment, climb);
    if (!at) return std::nullopt;
    price = *at;
    rounds += climb;
  }
  return rounds;
}

bool PriceSchedule::is_price_at(std::uint64_t rounds, Cents price) const {
  const auto expected = price_at(rounds);
  return expected && *expected == price;
}

}  // namespace auction

// The price formula, and money formatting and parsing; see auction/base/money.hpp.
#include "auction/base/money.hpp"

#include <cstdint>
#include <limits>

namespace auction {

bool is_price_at_round(Cents base, Cents increment, std::uint64_t rounds, Cents price) {
  const auto expected = price_at_round(base, increment, rounds);
  return expected && *expected == price;
}

Result<Cents> price_at_round(Cents base, Cents increment, std::uint64_t rounds) {
  if (base.value < 0) return fail(code::invalid_argument, "base_price: must not be negative");
  if (increment.value <= 0) return fail(code::invalid_argument, "increment: must be positive");
  std::int64_t raise = 0;
  std::int64_t price = 0;
  // An int64 cannot hold rounds > INT64_MAX, and any such count overflows anyway.
  if (rounds > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
      __builtin_mul_overflow(static_cast<std::int64_t>(rounds), increment.value, &raise) ||
      __builtin_add_overflow(base.value, raise, &price)) {
    return fail(code::price_overflow,
                "the price of round " + std::to_string(rounds) + " does not fit in int64 cents");
  }
  return Cents{price};
}

std::string format_cents(Cents amount) {
  // Work in unsigned so that INT64_MIN has a magnitude too.
  const bool negative = amount.value < 0;
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(amount.value)
                                           : static_cast<std::uint64_t>(amount.value);
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / 100);
  out += '.';
  const auto fraction = static_cast<unsigned>(magnitude % 100);
  out += static_cast<char>('0' + fraction / 10);
  out += static_cast<char>('0' + fraction % 10);
  return out;
}

Result<Cents> parse_cents(std::string_view text) {
  const std::string quoted = "amount \"" + std::string(text.substr(0, 40)) + "\": ";
  const auto bad = [&](const char* why) { return fail(code::invalid_argument, quoted + why); };
  const auto too_large = [&] { return fail(code::out_of_range, quoted + "too large"); };
  if (text.empty()) return bad("empty");
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty()) return bad("needs a digit before the point");
  if (dot != std::string_view::npos && fraction.empty())
    return bad("needs a digit after the point");
  if (fraction.size() > 2) return bad("at most two decimals");
  const auto all_digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (!all_digits(whole) || !all_digits(fraction)) return bad("only digits and one '.'");

  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::int64_t units = 0;
  for (char c : whole) {
    if (units > (max - (c - '0')) / 10) {
      return too_large();
    }
    units = units * 10 + (c - '0');
  }
  std::int64_t cents = 0;
  if (!fraction.empty()) cents = (fraction[0] - '0') * 10;
  if (fraction.size() == 2) cents += fraction[1] - '0';
  std::int64_t total = 0;
  if (__builtin_mul_overflow(units, std::int64_t{100}, &total) ||
      __builtin_add_overflow(total, cents, &total)) {
    return too_large();
  }
  return Cents(total);
}

}  // namespace auction

// The checks of an auction's terms; see auction/base/sale_terms.hpp.
#include "auction/base/sale_terms.hpp"

#include <algorithm>
#include <string>

#include "auction/base/error_codes.hpp"
#include "auction/base/limits.hpp"

namespace auction {

Result<PriceSchedule> price_schedule_of(Cents base_price, Cents increment, const SaleTerms& terms) {
  auto schedule = PriceSchedule::create(base_price, increment, terms.increment_steps);
  if (!schedule) return schedule;
  // An auction whose price cannot rise even once is not an ascending auction.
  if (auto next = schedule->price_at(1); !next) {
    return fail(code::invalid_argument, "increment: " + next.error().message);
  }
  if (terms.reserve && *terms.reserve <= base_price) {
    return fail(code::invalid_argument,
                "reserve: must be above base_price (a reserve at or below it is always met)");
  }
  if (terms.reserve && !schedule->first_round_reaching(*terms.reserve)) {
    return fail(code::invalid_argument, "reserve: no price of the clock reaches it");
  }
  if (terms.reserve_hidden && !terms.reserve) {
    return fail(code::invalid_argument, "reserve_hidden: there is no reserve to hide");
  }
  const bool is_salt =
      terms.reserve_salt.size() == reserve_salt_hex_digits &&
      std::all_of(terms.reserve_salt.begin(), terms.reserve_salt.end(),
                  [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (terms.reserve_hidden != is_salt || (!terms.reserve_hidden && !terms.reserve_salt.empty())) {
    return fail(code::invalid_argument,
                "reserve_salt: " + std::to_string(reserve_salt_hex_digits) +
                    " lowercase hex digits with a hidden reserve, and nothing without one");
  }
  if (terms.grace_rounds < 1 || terms.grace_rounds > limits::grace_rounds_max) {
    return fail(code::invalid_argument,
                "grace_rounds: must be 1.." + std::to_string(limits::grace_rounds_max));
  }
  if (terms.start_at_ms && (*terms.start_at_ms < 1 || *terms.start_at_ms > start_at_ms_max)) {
    return fail(code::invalid_argument, "start_at_ms: must be 1.." +
                                            std::to_string(start_at_ms_max) +
                                            " (milliseconds since 1970, UTC)");
  }
  return schedule;
}

void write_sale_terms(nlohmann::json& out, const SaleTerms& terms) {
  if (!terms.increment_steps.empty()) {
    nlohmann::json steps = nlohmann::json::array();
    for (const IncrementStep& s : terms.increment_steps) {
      steps.push_back({{"from_price", s.from_price.value}, {"increment", s.increment.value}});
    }
    out["increment_steps"] = std::move(steps);
  }
  if (terms.reserve) out["reserve"] = terms.reserve->value;
  if (terms.reserve_hidden) out["reserve_hidden"] = true;
  if (!terms.reserve_salt.empty()) out["reserve_salt"] = terms.reserve_salt;
  if (terms.grace_rounds != 1) out["grace_rounds"] = terms.grace_rounds;
  if (terms.start_at_ms) out["start_at_ms"] = *terms.start_at_ms;
}

namespace {

// Reads one key of an object; records the first failure.
class TermsReader {
 public:
  TermsReader(const nlohmann::json& object, std::string_view context)
      : object_(object), context_(context) {}

  const nlohmann::json* find(std::string_view key) const {
    if (!object_.is_object()) return nullptr;
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  // A JSON integer in [min, max]; nullopt (a failure recorded) otherwise.
  std::optional<std::int64_t> integer(const nlohmann::json& v, std::string_view where,
                                      std::int64_t min, std::int64_t max) {
    if (!v.is_number_integer()) return bad(code::bad_request, where, "must be an integer");
    const bool too_big =
        v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max);
    if (too_big || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
      return bad(code::invalid_argument, where,
                 "must be " + std::to_string(min) + ".." + std::to_string(max));
    }
    return v.get<std::int64_t>();
  }
  std::nullopt_t bad(std::string_view code, std::string_view where, const std::string& why) {
    if (!error_)
      error_ = Error{std::string(code), context_ + "." + std::string(where) + ": " + why};
    return std::nullopt;
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  const nlohmann::json& object_;
  std::string context_;
  std::optional<Error> error_;
};

}  // namespace

Result<SaleTerms> read_sale_terms(const nlohmann::json& object, std::string_view context) {
  TermsReader r(object, context);
  SaleTerms terms;
  constexpr std::int64_t cents_max = INT64_MAX;
  if (const auto* steps = r.find("increment_steps")) {
    if (!steps->is_array() || steps->size() > PriceSchedule::steps_max) {
      r.bad(code::bad_request, "increment_steps",
            "must be an array of at most " + std::to_string(PriceSchedule::steps_max) + " steps");
    } else {
      for (const nlohmann::json& step : *steps) {
        if (!step.is_object() || !step.contains("from_price") || !step.contains("increment")) {
          r.bad(code::bad_request, "increment_steps[]", "must be {\"from_price\", \"increment\"}");
          break;
        }
        const auto from =
            r.integer(step["from_price"], "increment_steps[].from_price", 0, cents_max);
        const auto by = r.integer(step["increment"], "increment_steps[].increment", 1, cents_max);
        if (!from || !by) break;
        terms.increment_steps.push_back({Cents{*from}, Cents{*by}});
      }
    }
  }
  if (const auto* reserve = r.find("reserve")) {
    if (const auto value = r.integer(*reserve, "reserve", 0, cents_max))
      terms.reserve = Cents{*value};
  }
  if (const auto* hidden = r.find("reserve_hidden")) {
    if (hidden->is_boolean()) {
      terms.reserve_hidden = hidden->get<bool>();
    } else {
      r.bad(code::bad_request, "reserve_hidden", "must be true or false");
    }
  }
  if (const auto* salt = r.find("reserve_salt")) {
    if (salt->is_string() &&
        salt->get_ref<const std::string&>().size() <= reserve_salt_hex_digits) {
      terms.reserve_salt = salt->get<std::string>();
    } else {
      r.bad(code::bad_request, "reserve_salt",
            "must be " + std::to_string(reserve_salt_hex_digits) + " hex digits");
    }
  }
  if (const auto* grace = r.find("grace_rounds")) {
    if (const auto value = r.integer(*grace, "grace_rounds", 1, limits::grace_rounds_max)) {
      terms.grace_rounds = static_cast<std::uint32_t>(*value);
    }
  }
  if (const auto* start = r.find("start_at_ms")) {
    if (const auto value = r.integer(*start, "start_at_ms", 1, start_at_ms_max)) {
      terms.start_at_ms = *value;
    }
  }
  if (r.error()) return std::unexpected(*r.error());
  return terms;
}

}  // namespace auction

// FieldReader and the character-set rules (see field_reader.hpp). Pure; never throws.
#include "platform/field_reader.hpp"

#include <algorithm>

#include <charconv>
#include <utility>

#include "auction/base/limits.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/platform/limits.hpp"

namespace auction::platform {

namespace {

std::string in_quotes(std::string_view name) { return "'" + std::string(name) + "'"; }

}  // namespace

FieldReader::FieldReader(const nlohmann::json& object, UnknownFields unknown_fields)
    : object_(object), unknown_fields_(unknown_fields) {
  if (!object_.is_object()) reject(Error{code::bad_request, "expected a JSON object"});
}

bool FieldReader::has(std::string_view name) const {
  return object_.is_object() && object_.contains(name);
}

const nlohmann::json* FieldReader::take(std::string_view name) {
  if (!ok()) return nullptr;
  const auto it = object_.find(name);
  if (it == object_.end()) {
    reject(Error{code::bad_request, "missing field " + in_quotes(name)});
    return nullptr;
  }
  if (unknown_fields_ == UnknownFields::refused) read_.emplace(name);
  return &*it;
}

void FieldReader::bad_type(std::string_view name, std::string_view expected) {
  reject(Error{code::bad_request, std::string(name) + ": must be " + std::string(expected)});
}

void FieldReader::bad_value(std::string_view name, std::string_view why) {
  reject(Error{code::invalid_argument, std::string(name) + ": " + std::string(why)});
}

void FieldReader::reject(Error error) {
  if (!error_) error_ = std::move(error);
}

const nlohmann::json* FieldReader::raw(std::string_view name) { return take(name); }

const nlohmann::json* FieldReader::take(std::string_view name,
                                        bool (nlohmann::json::*is_type)() const noexcept,
                                        std::string_view expected) {
  const auto* v = take(name);
  if (v == nullptr || (v->*is_type)()) return v;
  bad_type(name, expected);
  return nullptr;
}

const std::string* FieldReader::take_string(std::string_view name) {
  const auto* v = take(name, &nlohmann::json::is_string, "a string");
  return v == nullptr ? nullptr : &v->get_ref<const std::string&>();
}

std::optional<std::string> identifier_problem(std::string_view value, std::size_t bytes_max) {
  if (is_valid_name(value, bytes_max)) return std::nullopt;
  return "must be 1.." + std::to_string(bytes_max) + " characters of [A-Za-z0-9_.-]";
}

std::optional<std::string> address_problem(std::string_view value) {
  if (is_valid_address(value)) return std::nullopt;
  return "must be host:port with a port in 1..65535 (at most " +
         std::to_string(auction::limits::address_bytes_max) + " bytes)";
}

std::optional<std::string> hex_problem(std::string_view value, std::size_t digits) {
  const bool is_hex = std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (value.size() == digits && is_hex) return std::nullopt;
  return "must be " + std::to_string(digits) + " lowercase hex digits";
}

std::optional<std::string> text_problem(std::string_view value, std::size_t bytes_min,
                                        std::size_t bytes_max) {
  if (value.size() < bytes_min || value.size() > bytes_max) {
    return "must be " + std::to_string(bytes_min) + ".." + std::to_string(bytes_max) + " bytes";
  }
  if (!is_valid_utf8(value)) return "must be valid UTF-8";
  return std::nullopt;
}

std::optional<std::string> int64_problem(std::int64_t value, std::int64_t min, std::int64_t max) {
  if (value < min) return "must be >= " + std::to_string(min);
  if (value > max) return "must be <= " + std::to_string(max);
  return std::nullopt;
}

std::optional<std::string> uint64_problem(std::uint64_t value, std::uint64_t min,
                                          std::uint64_t max) {
  if (value < min) return "must be >= " + std::to_string(min);
  if (value > max) return "must be <= " + std::to_string(max);
  return std::nullopt;
}

void FieldReader::identifier(std::string_view name, std::string& out, std::size_t bytes_max) {
  const std::string* s = take_string(name);
  if (s == nullptr) return;
  if (auto problem = identifier_problem(*s, bytes_max)) return bad_value(name, *problem);
  out = *s;
}

void FieldReader::username(std::string_view name, std::string& out) {
  identifier(name, out, auction::limits::username_bytes_max);
}

void FieldReader::client_id(std::string_view name, std::string& out) {
  identifier(name, out, auction::limits::client_id_bytes_max);
}

void FieldReader::address(std::string_view name, std::string& out) {
  const std::string* s = take_string(name);
  if (s == nullptr) return;
  if (auto problem = address_problem(*s)) return bad_value(name, *problem);
  out = *s;
}

void FieldReader::hex(std::string_view name, std::string& out, std::size_t digits) {
  const std::string* s = take_string(name);
  if (s == nullptr) return;
  if (auto problem = hex_problem(*s, digits)) return bad_value(name, *problem);
  out = *s;
}

void FieldReader::text(std::string_view name, std::string& out, std::size_t bytes_min,
                       std::size_t bytes_max) {
  const std::string* s = take_string(name);
  if (s == nullptr) return;
  if (auto problem = text_problem(*s, bytes_min, bytes_max)) return bad_value(name, *problem);
  out = *s;
}

void FieldReader::int64(std::string_view name, std::int64_t& out, std::int64_t min,
                        std::int64_t max) {
  const auto* v = take(name, &nlohmann::json::is_number_integer, "an integer");
  if (v == nullptr) return;
  // Unsigned JSON integers above INT64_MAX are in range for nobody here.
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return bad_value(name, "must be <= " + std::to_string(max));
  }
  const auto value = v->get<std::int64_t>();
  if (auto problem = int64_problem(value, min, max)) return bad_value(name, *problem);
  out = value;
}

void FieldReader::uint64(std::string_view name, std::uint64_t& out, std::uint64_t min,
                         std::uint64_t max) {
  const auto* v = take(name, &nlohmann::json::is_number_integer, "an integer");
  if (v == nullptr) return;
  if (!v->is_number_unsigned() && v->get<std::int64_t>() < 0) {
    return bad_value(name, "must be >= " + std::to_string(min));
  }
  const auto value = v->get<std::uint64_t>();
  if (auto problem = uint64_problem(value, min, max)) return bad_value(name, *problem);
  out = value;
}

void FieldReader::boolean(std::string_view name, bool& out) {
  const auto* v = take(name, &nlohmann::json::is_boolean, "true or false");
  if (v == nullptr) return;
  out = v->get<bool>();
}

void FieldReader::cents(std::string_view name, Cents& out, Cents min) {
  std::int64_t value = 0;
  int64(name, value, min.value, INT64_MAX);
  if (ok()) out = Cents{value};
}

void FieldReader::auction_id(std::string_view name, AuctionId& out) {
  std::uint64_t value = 0;
  uint64(name, value, 1, UINT64_MAX);
  if (ok()) out = AuctionId{value};
}

void FieldReader::optional_username(std::string_view name, std::optional<std::string>& out) {
  const auto* v = take(name);
  if (v == nullptr) return;
  if (v->is_null()) {
    out.reset();
    return;
  }
  read_.erase(std::string(name));  // username() takes it again
  std::string s;
  username(name, s);
  if (ok()) out = std::move(s);
}

void FieldReader::buyers(std::string_view name, std::vector<BuyerStatus>& out) {
  const auto* v = take(name, &nlohmann::json::is_array, "an array");
  if (v == nullptr) return;
  if (v->size() > auction::limits::buyers_per_auction_max) {
    return bad_value(
        name, "at most " + std::to_string(auction::limits::buyers_per_auction_max) + " buyers");
  }
  std::vector<BuyerStatus> buyers;
  std::set<std::string, std::less<>> seen;
  for (const auto& item : *v) {
    FieldReader r(item);
    BuyerStatus b;
    r.username("username", b.username);
    r.boolean("active", b.active);
    if (auto done = r.finish(); !done) {
      Error e = done.error();
      e.message = std::string(name) + "[]: " + e.message;
      return reject(std::move(e));
    }
    if (!seen.insert(b.username).second) {
      return bad_value(name, "lists " + b.username + " twice");
    }
    buyers.push_back(std::move(b));
  }
  out = std::move(buyers);
}

void FieldReader::increment_steps(std::string_view name, std::vector<IncrementStep>& out) {
  const auto* v = take(name, &nlohmann::json::is_array, "an array");
  if (v == nullptr) return;
  if (v->size() > PriceSchedule::steps_max) {
    return bad_value(name, "at most " + std::to_string(PriceSchedule::steps_max) + " steps");
  }
  std::vector<IncrementStep> steps;
  for (const auto& item : *v) {
    FieldReader r(item);
    IncrementStep step{};
    r.cents("from_price", step.from_price, Cents{0});
    r.cents("increment", step.increment, Cents{1});
    if (auto done = r.finish(); !done) {
      Error e = done.error();
      e.message = std::string(name) + "[]: " + e.message;
      return reject(std::move(e));
    }
    steps.push_back(step);
  }
  out = std::move(steps);
}

void FieldReader::chain_links(std::string_view name, nlohmann::json& out) {
  const auto* v = take(name, &nlohmann::json::is_array, "an array");
  if (v == nullptr) return;
  if (auto problem = chain_links_problem(name, *v)) return reject(std::move(*problem));
  out = *v;
}

std::optional<Error> chain_links_problem(std::string_view name, const nlohmann::json& links) {
  const auto bad_type = [&](std::string_view where, std::string_view expected) {
    return Error{code::bad_request, std::string(where) + ": must be " + std::string(expected)};
  };
  const auto bad_value = [&](std::string_view where, std::string_view why) {
    return Error{code::invalid_argument, std::string(where) + ": " + std::string(why)};
  };
  if (!links.is_array()) return bad_type(name, "an array");
  const std::size_t withdrawals_max = auction::limits::buyers_per_auction_max;
  if (links.size() > withdrawals_max) {
    return bad_value(name, "at most " + std::to_string(withdrawals_max) + " links");
  }
  std::size_t withdrawals = 0;
  for (const auto& link : links) {
    if (!link.is_object()) return bad_type(name, "an array of objects");
    const auto withdrawn = link.find("withdrawn");
    if (withdrawn == link.end() || !withdrawn->is_array()) {
      return bad_type(std::string(name) + "[].withdrawn", "an array");
    }
    if (withdrawn->empty()) {
      return bad_value(std::string(name) + "[].withdrawn", "a link withdraws one buyer at least");
    }
    withdrawals += withdrawn->size();
    if (withdrawals > withdrawals_max) {
      return bad_value(name, "more than " + std::to_string(withdrawals_max) +
                                 " withdrawals (each buyer leaves once)");
    }
    for (const auto& w : *withdrawn) {
      const auto username = w.is_object() ? w.find("username") : w.end();
      if (!w.is_object() || username == w.end() || !username->is_string()) {
        return bad_type(std::string(name) + "[].withdrawn[]", "an object with a username");
      }
      if (auto problem = identifier_problem(username->get_ref<const std::string&>(),
                                            auction::limits::username_bytes_max)) {
        return bad_value(std::string(name) + "[].withdrawn[].username", *problem);
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> links_withdrawals(const nlohmann::json& links) {
  std::vector<std::string_view> names;
  for (const auto& link : links) {
    for (const auto& w : link["withdrawn"]) {
      names.push_back(w["username"].get_ref<const std::string&>());
    }
  }
  return names;
}

Result<void> FieldReader::finish() const {
  if (error_) return std::unexpected(*error_);
  if (unknown_fields_ == UnknownFields::ignored) return {};
  for (const auto& [key, value] : object_.items()) {
    if (!read_.contains(key)) return fail(code::bad_request, "unknown field " + in_quotes(key));
  }
  return {};
}

}  // namespace auction::platform

// Checked reading of JSON fields for the market codecs; see json_fields.hpp.
#include "market/json_fields.hpp"

#include <limits>
#include <set>
#include <utility>

#include "auction/base/error_codes.hpp"

namespace auction::market::json_fields {

Reader::Reader(const nlohmann::json& object, std::string context)
    : object_(object), context_(std::move(context)) {
  if (!object_.is_object()) reject(Error{code::bad_request, context_ + ": must be an object"});
}

std::string Reader::path(std::string_view field) const {
  std::string p = context_;
  p += '.';
  p += field;
  return p;
}

bool Reader::has(std::string_view field) const {
  if (!object_.is_object()) return false;
  const auto it = object_.find(field);
  return it != object_.end() && !it->is_null();
}

const nlohmann::json* Reader::take(std::string_view field,
                                   bool (nlohmann::json::*is_type)() const noexcept,
                                   std::string_view must_be) {
  if (!ok()) return nullptr;
  if (!has(field)) {
    bad_request(field, "missing");
    return nullptr;
  }
  const nlohmann::json& value = *object_.find(field);
  if (!(value.*is_type)()) {
    bad_request(field, must_be);
    return nullptr;
  }
  return &value;
}

void Reader::bad_request(std::string_view field, std::string_view why) {
  reject(Error{code::bad_request, path(field) + ": " + std::string(why)});
}

void Reader::invalid_argument(std::string_view field, std::string_view why) {
  reject(Error{code::invalid_argument, path(field) + ": " + std::string(why)});
}

void Reader::reject(Error error) {
  if (!error_) error_ = std::move(error);
}

void Reader::u64(std::string_view field, std::uint64_t& out) {
  const nlohmann::json* v = take(field, &nlohmann::json::is_number_integer, "must be an integer");
  if (v == nullptr) return;
  if (v->is_number_unsigned()) {
    out = v->get<std::uint64_t>();
    return;
  }
  const auto signed_value = v->get<std::int64_t>();
  if (signed_value < 0) return invalid_argument(field, "must not be negative");
  out = static_cast<std::uint64_t>(signed_value);
}

void Reader::auction_id(std::string_view field, AuctionId& out) {
  std::uint64_t value = 0;
  u64(field, value);
  if (ok()) out = AuctionId{value};
}

void Reader::cents(std::string_view field, Cents& out) {
  std::uint64_t value = 0;
  u64(field, value);
  if (!ok()) return;
  if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return invalid_argument(field, "too large");
  }
  out = Cents(static_cast<std::int64_t>(value));
}

void Reader::string(std::string_view field, std::string& out, std::size_t chars_max) {
  const nlohmann::json* v = take(field, &nlohmann::json::is_string, "must be a string");
  if (v == nullptr) return;
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > chars_max) {
    return invalid_argument(field, "longer than " + std::to_string(chars_max) + " characters");
  }
  out = s;
}

void Reader::username(std::string_view field, std::string& out) {
  std::string s;
  string(field, s, limits::username_bytes_max);
  if (!ok()) return;
  if (!is_valid_username(s)) {
    return invalid_argument(field, "must be 1..32 characters of [A-Za-z0-9_.-]");
  }
  out = std::move(s);
}

void Reader::optional_username(std::string_view field, std::optional<std::string>& out) {
  if (!has(field)) return;
  std::string s;
  username(field, s);
  if (ok()) out = std::move(s);
}

void Reader::boolean(std::string_view field, bool& out) {
  const nlohmann::json* v = take(field, &nlohmann::json::is_boolean, "must be a boolean");
  if (v == nullptr) return;
  out = v->get<bool>();
}

void Reader::buyers(std::string_view field, std::vector<BuyerEntry>& out) {
  const nlohmann::json* v = take(field, &nlohmann::json::is_array, "must be an array");
  if (v == nullptr) return;
  if (v->size() > limits::buyers_per_auction_max) {
    return invalid_argument(
        field, "more than " + std::to_string(limits::buyers_per_auction_max) + " buyers");
  }
  std::vector<BuyerEntry> buyers;
  buyers.reserve(v->size());
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < v->size(); ++i) {
    Reader item((*v)[i], path(field) + "[" + std::to_string(i) + "]");
    BuyerEntry entry;
    bool is_active = false;
    item.username("username", entry.username);
    item.boolean("active", is_active);
    if (item.ok() && !is_active) {
      item.name("reason", entry.status, withdrawn_status_from_name, 16,
                "must be by_request, silent or max_price");
    } else if (item.has("reason")) {
      item.invalid_argument("reason", "an active buyer has none");
    }
    if (item.ok() && !seen.insert(entry.username).second) {
      item.invalid_argument("username", "repeated");
    }
    if (!item.ok()) return reject(item.error());
    buyers.push_back(std::move(entry));
  }
  out = std::move(buyers);
}

const nlohmann::json* Reader::array(std::string_view field, std::size_t size_max) {
  const nlohmann::json* v = take(field, &nlohmann::json::is_array, "must be an array");
  if (v != nullptr && v->size() > size_max) {
    invalid_argument(field, "more than " + std::to_string(size_max) + " entries");
    return nullptr;
  }
  return v;
}

std::string Reader::item_path(std::string_view field, std::size_t index) const {
  return path(field) + "[" + std::to_string(index) + "]";
}

void Reader::digest(std::string_view field, identity::Sha256Digest& out) {
  std::string text;
  string(field, text, 2 * identity::sha256_bytes);
  if (!ok()) return;
  if (auto value = identity::sha256_digest_from_text(text)) {
    out = *value;
  } else {
    invalid_argument(field, "must be 64 lowercase hex digits");
  }
}

void Reader::signature(std::string_view field, identity::Signature& out) {
  std::string text;
  string(field, text, 2 * identity::signature_bytes);
  if (!ok()) return;
  if (auto value = identity::signature_from_text(text)) {
    out = *value;
  } else {
    invalid_argument(field, "must be 128 lowercase hex digits");
  }
}

nlohmann::json encode_buyers(const std::vector<BuyerEntry>& buyers) {
  nlohmann::json list = nlohmann::json::array();
  for (const BuyerEntry& b : buyers) {
    nlohmann::json item = {{"username", b.username}, {"active", b.is_active()}};
    if (!b.is_active()) item["reason"] = std::string(reason_name(b.status));
    list.push_back(std::move(item));
  }
  return list;
}

}  // namespace auction::market::json_fields

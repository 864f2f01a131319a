// Checked reading of JSON fields for the market codecs; see json_fields.hpp.
#include "market/json_fields.hpp"

#include <limits>
#include <set>

namespace auction::market::json_fields {
namespace {

std::string path(std::string_view context, std::string_view field) {
  std::string p(context);
  p += '.';
  p += field;
  return p;
}

const nlohmann::json* lookup(const nlohmann::json& object, std::string_view field) {
  auto it = object.find(std::string(field));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

Result<void> require_object(const nlohmann::json& j, std::string_view context) {
  if (!j.is_object()) return fail(code::bad_request, std::string(context) + ": must be an object");
  return {};
}

bool has(const nlohmann::json& object, std::string_view field) {
  return lookup(object, field) != nullptr;
}

Result<std::uint64_t> read_u64(const nlohmann::json& object, std::string_view field,
                               std::string_view context) {
  const nlohmann::json* v = lookup(object, field);
  if (v == nullptr) return fail(code::bad_request, path(context, field) + ": missing");
  if (!v->is_number_integer()) {
    return fail(code::bad_request, path(context, field) + ": must be an integer");
  }
  if (v->is_number_unsigned()) return v->get<std::uint64_t>();
  const auto signed_value = v->get<std::int64_t>();
  if (signed_value < 0) {
    return fail(code::invalid_argument, path(context, field) + ": must not be negative");
  }
  return static_cast<std::uint64_t>(signed_value);
}

Result<AuctionId> read_auction_id(const nlohmann::json& object, std::string_view field,
                                  std::string_view context) {
  auto value = read_u64(object, field, context);
  if (!value) return std::unexpected(value.error());
  return AuctionId{*value};
}

Result<Cents> read_cents(const nlohmann::json& object, std::string_view field,
                         std::string_view context) {
  auto value = read_u64(object, field, context);
  if (!value) return std::unexpected(value.error());
  if (*value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return fail(code::invalid_argument, path(context, field) + ": too large");
  }
  return Cents(static_cast<std::int64_t>(*value));
}

Result<std::string> read_string(const nlohmann::json& object, std::string_view field,
                                std::string_view context, std::size_t chars_max) {
  const nlohmann::json* v = lookup(object, field);
  if (v == nullptr) return fail(code::bad_request, path(context, field) + ": missing");
  if (!v->is_string()) return fail(code::bad_request, path(context, field) + ": must be a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > chars_max) {
    return fail(code::invalid_argument, path(context, field) + ": longer than " +
                                        std::to_string(chars_max) + " characters");
  }
  return s;
}

Result<std::string> read_username(const nlohmann::json& object, std::string_view field,
                                  std::string_view context) {
  auto s = read_string(object, field, context, limits::username_bytes_max);
  if (!s) return s;
  if (!is_valid_username(*s)) {
    return fail(code::invalid_argument,
                path(context, field) + ": must be 1..32 characters of [A-Za-z0-9_.-]");
  }
  return s;
}

Result<bool> read_bool(const nlohmann::json& object, std::string_view field,
                       std::string_view context) {
  const nlohmann::json* v = lookup(object, field);
  if (v == nullptr) return fail(code::bad_request, path(context, field) + ": missing");
  if (!v->is_boolean()) return fail(code::bad_request, path(context, field) + ": must be a boolean");
  return v->get<bool>();
}

Result<std::vector<BuyerEntry>> read_buyers(const nlohmann::json& object, std::string_view field,
                                            std::string_view context) {
  const nlohmann::json* v = lookup(object, field);
  const std::string where = path(context, field);
  if (v == nullptr) return fail(code::bad_request, where + ": missing");
  if (!v->is_array()) return fail(code::bad_request, where + ": must be an array");
  if (v->size() > limits::buyers_per_auction_max) {
    return fail(code::invalid_argument,
                where + ": more than " + std::to_string(limits::buyers_per_auction_max) + " buyers");
  }
  std::vector<BuyerEntry> buyers;
  buyers.reserve(v->size());
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const nlohmann::json& item = (*v)[i];
    const std::string item_context = where + "[" + std::to_string(i) + "]";
    if (auto ok = require_object(item, item_context); !ok) return std::unexpected(ok.error());
    auto username = read_username(item, "username", item_context);
    if (!username) return std::unexpected(username.error());
    auto active = read_bool(item, "active", item_context);
    if (!active) return std::unexpected(active.error());
    BuyerEntry entry{std::move(*username), BuyerStatus::active};
    if (!*active) {
      auto reason = read_string(item, "reason", item_context, 16);
      if (!reason) return std::unexpected(reason.error());
      auto status = withdrawn_status_from_name(*reason);
      if (!status) {
        return fail(code::invalid_argument,
                    item_context + ".reason: must be by_request, silent or max_price");
      }
      entry.status = *status;
    } else if (has(item, "reason")) {
      return fail(code::invalid_argument, item_context + ".reason: an active buyer has none");
    }
    if (!seen.insert(entry.username).second) {
      return fail(code::invalid_argument, item_context + ".username: repeated");
    }
    buyers.push_back(std::move(entry));
  }
  return buyers;
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

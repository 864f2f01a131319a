// AuctionRecord's snapshot form (see auction/platform/auction_record.hpp). Pure.
#include "auction/platform/auction_record.hpp"

#include <utility>

#include "auction/base/assert.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/platform/limits.hpp"
#include "base/name_table.hpp"
#include "platform/field_reader.hpp"

namespace auction::platform {

namespace {
constexpr auction::detail::NameTable<Stage, 4> stage_names{
    {"created", "started", "finished", "cancelled"}};
}  // namespace

std::string_view stage_name(Stage stage) { return stage_names.name(stage); }

std::optional<Stage> stage_from_name(std::string_view name) { return stage_names.find(name); }

std::string link_text(const nlohmann::json& link) { return link.dump(); }

nlohmann::json link_json(std::string_view text) {
  // A kept text is the dump of a value that parsed once: it parses again.
  nlohmann::json link = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  AUCTION_ASSERT(!link.is_discarded(), "a kept link is JSON");
  return link;
}

std::size_t AuctionRecord::active_buyer_count() const {
  std::size_t count = 0;
  for (const auto& [username, active] : buyers) count += active ? 1 : 0;
  return count;
}

nlohmann::json to_snapshot(const AuctionRecord& r) {
  nlohmann::json links = nlohmann::json::array();
  for (const std::string& link : r.links) links.push_back(link_json(link));
  nlohmann::json buyers = nlohmann::json::array();
  for (const auto& [username, active] : r.buyers) {
    buyers.push_back({{"username", username}, {"active", active}});
  }
  return {{"auction_id", r.id.value},
          {"seller", r.seller},
          {"auction_name", r.auction_name},
          {"item_name", r.item_name},
          {"item_description", r.item_description},
          {"base_price", r.base_price.value},
          {"increment", r.increment.value},
          {"period_ms", r.period_ms},
          {"stage", stage_name(r.stage)},
          {"round_id", r.round_id},
          {"current_price", r.current_price.value},
          {"buyers", std::move(buyers)},
          {"winner", r.winner ? nlohmann::json(*r.winner) : nlohmann::json(nullptr)},
          {"links", links},
          {"keys", r.keys},
          {"chain_head", r.chain_head},
          {"signature", r.signature}};
}

Result<AuctionRecord> auction_record_from_snapshot(const nlohmann::json& value) {
  FieldReader f(value);
  AuctionRecord r;
  std::string stage;
  std::vector<BuyerStatus> buyers;
  f.auction_id("auction_id", r.id);
  read_auction_terms(f, r);
  f.text("stage", stage, 1, 16);
  f.uint64("round_id", r.round_id, 0, UINT64_MAX);
  f.cents("current_price", r.current_price, Cents{0});
  f.buyers("buyers", buyers);
  f.optional_username("winner", r.winner);
  nlohmann::json links = nlohmann::json::array();
  f.chain_links("links", links);
  if (const nlohmann::json* keys = f.raw("keys")) {
    if (!keys->is_object()) return fail(code::bad_snapshot, "keys: must be an object");
    for (const auto& [username, key] : keys->items()) {
      if (!is_valid_username(username) || !key.is_string() ||
          key.get_ref<const std::string&>().size() != public_key_hex_digits) {
        return fail(code::bad_snapshot, "keys: not a username and a key");
      }
      r.keys.emplace(username, key.get<std::string>());
    }
  }
  f.text("chain_head", r.chain_head, 0, sha256_hex_digits);
  f.text("signature", r.signature, 0, signature_hex_digits);
  if (auto done = f.finish(); !done) return fail(code::bad_snapshot, done.error().message);

  const std::optional<Stage> known_stage = stage_from_name(stage);
  if (!known_stage) return fail(code::bad_snapshot, "stage: unknown stage '" + stage + "'");
  r.stage = *known_stage;
  for (auto& b : buyers) r.buyers.emplace(std::move(b.username), b.active);

  const auto id = std::to_string(r.id.value);
  if (r.has_buyer(r.seller))
    return fail(code::bad_snapshot, "auction " + id + ": seller is a buyer");
  if (r.current_price < r.base_price) {
    return fail(code::bad_snapshot, "auction " + id + ": current_price below base_price");
  }
  if (r.winner && (r.stage != Stage::finished || !r.has_buyer(*r.winner))) {
    return fail(code::bad_snapshot,
                "auction " + id + ": winner is not a buyer of a finished auction");
  }
  if (r.stage == Stage::created && (r.round_id != 0 || r.current_price != r.base_price)) {
    return fail(code::bad_snapshot,
                "auction " + id + ": an unstarted auction has a round or price");
  }
  // The buyers' statuses are the chain's: inactive exactly when a link withdraws them, once.
  std::size_t withdrawn = 0;
  for (const std::string_view name : links_withdrawals(links)) {
    const auto buyer = r.buyers.find(name);
    if (buyer == r.buyers.end() || buyer->second) {
      return fail(code::bad_snapshot, "auction " + id + ": the links withdraw " +
                                          std::string(name) +
                                          ", who is not an inactive buyer of it");
    }
    ++withdrawn;
  }
  if (withdrawn != r.buyers.size() - r.active_buyer_count()) {
    return fail(code::bad_snapshot,
                "auction " + id + ": its inactive buyers are not the ones its links withdraw");
  }
  r.links.reserve(links.size());
  for (const nlohmann::json& link : links) r.links.push_back(link_text(link));
  return r;
}

}  // namespace auction::platform

// AuctionRecord's snapshot form (see auction/platform/auction_record.hpp). Pure.
#include "auction/platform/auction_record.hpp"

#include <utility>

#include "auction/base/assert.hpp"
#include "auction/base/limits.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/platform/limits.hpp"
#include "base/name_table.hpp"
#include "platform/entry_reader.hpp"
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

PriceSchedule AuctionRecord::price_schedule() const {
  auto schedule = price_schedule_of(base_price, increment, terms);
  AUCTION_ASSERT(schedule.has_value(), "a record's terms were checked when it was made");
  return *std::move(schedule);
}

nlohmann::json to_snapshot(const AuctionRecord& r) {
  nlohmann::json links = nlohmann::json::array();
  for (const std::string& link : r.links) links.push_back(link_json(link));
  nlohmann::json buyers = nlohmann::json::array();
  for (const auto& [username, active] : r.buyers) {
    buyers.push_back({{"username", username}, {"active", active}});
  }
  nlohmann::json out = {{"auction_id", r.id.value},
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
  write_sale_terms(out, r.terms);
  return out;
}

namespace {

// What a record read from either form must satisfy, and what is derived from what was read:
// the stage from its name, the buyers from their list, the kept link texts from `links`
// (which passed chain_links_problem()).
Result<AuctionRecord> finish_record(AuctionRecord r, std::string_view stage,
                                    std::vector<BuyerStatus> buyers, const nlohmann::json& links) {
  const std::optional<Stage> known_stage = stage_from_name(stage);
  if (!known_stage) {
    return fail(code::bad_snapshot, "stage: unknown stage '" + std::string(stage) + "'");
  }
  r.stage = *known_stage;
  for (auto& b : buyers) r.buyers.emplace(std::move(b.username), b.active);
  if (r.buyers.size() != buyers.size()) {
    return fail(code::bad_snapshot, "buyers: a buyer is listed twice");
  }

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

// Adds one buyer's key to a record read from a snapshot, under the one rule of both forms:
// a valid username, a key of public_key_hex_digits lowercase hex digits, no name twice, and
// no more keys than the auction may have buyers and a seller.
Result<void> add_key(AuctionRecord& r, std::string username, std::string key) {
  if (!is_valid_username(username) || hex_problem(key, public_key_hex_digits)) {
    return fail(code::bad_snapshot, "keys: not a username and a key");
  }
  if (r.keys.size() > auction::limits::buyers_per_auction_max) {
    return fail(code::bad_snapshot, "keys: more than an auction's buyers and its seller");
  }
  if (!r.keys.emplace(std::move(username), std::move(key)).second) {
    return fail(code::bad_snapshot, "keys: a username twice");
  }
  return {};
}

}  // namespace

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
      if (!key.is_string()) return fail(code::bad_snapshot, "keys: not a username and a key");
      if (auto added = add_key(r, username, key.get<std::string>()); !added) {
        return std::unexpected(added.error());
      }
    }
  }
  f.text("chain_head", r.chain_head, 0, sha256_hex_digits);
  f.text("signature", r.signature, 0, signature_hex_digits);
  if (auto done = f.finish(); !done) return fail(code::bad_snapshot, done.error().message);
  return finish_record(std::move(r), stage, std::move(buyers), links);
}

void write_record(EntryWriter& w, const AuctionRecord& r) {
  w.uint64(r.id.value);
  w.text(r.seller);
  w.text(r.auction_name);
  w.text(r.item_name);
  w.text(r.item_description);
  w.int64(r.base_price.value);
  w.int64(r.increment.value);
  w.int64(r.period_ms);
  write_optional_terms(w, r.terms);
  w.text(stage_name(r.stage));
  w.uint64(r.round_id);
  w.int64(r.current_price.value);
  w.uint64(r.buyers.size());
  for (const auto& [username, active] : r.buyers) {
    w.text(username);
    w.flag(active);
  }
  w.flag(r.winner.has_value());
  if (r.winner) w.text(*r.winner);
  w.uint64(r.links.size());
  for (const std::string& link : r.links) w.text(link);
  w.uint64(r.keys.size());
  for (const auto& [username, key] : r.keys) {
    w.text(username);
    w.text(key);
  }
  w.text(r.chain_head);
  w.text(r.signature);
}

Result<AuctionRecord> read_record(EntryReader& in) {
  AuctionRecord r;
  std::string stage;
  in.auction_id("auction_id", r.id);
  read_auction_terms(in, r);
  in.text("stage", stage, 1, 16);
  in.uint64("round_id", r.round_id, 0, UINT64_MAX);
  in.cents("current_price", r.current_price, Cents{0});
  std::uint64_t count = 0;
  in.uint64("buyers", count, 0, auction::limits::buyers_per_auction_max);
  std::vector<BuyerStatus> buyers(in.ok() ? count : 0);
  for (BuyerStatus& b : buyers) {
    in.username("buyers[].username", b.username);
    in.boolean("buyers[].active", b.active);
  }
  in.optional_username("winner", r.winner);
  in.uint64("links", count, 0, auction::limits::buyers_per_auction_max);
  nlohmann::json links = nlohmann::json::array();
  for (std::uint64_t i = 0; in.ok() && i < count; ++i) {
    std::string text;
    in.text("links[]", text, 1, SIZE_MAX);
    if (!in.ok()) break;
    if (!is_nesting_within(text, auction::limits::json_depth_max)) {
      return fail(code::bad_snapshot, "links[]: nests too deep");
    }
    nlohmann::json link = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (link.is_discarded()) return fail(code::bad_snapshot, "links[]: not JSON");
    links.push_back(std::move(link));
  }
  if (in.ok()) {
    if (auto problem = chain_links_problem("links", links)) {
      return fail(code::bad_snapshot, problem->message);
    }
  }
  in.uint64("keys", count, 0, auction::limits::buyers_per_auction_max + 1);
  for (std::uint64_t i = 0; in.ok() && i < count; ++i) {
    std::string username;
    std::string key;
    in.username("keys[].username", username);
    in.hex("keys[].key", key, public_key_hex_digits);
    if (!in.ok()) break;
    if (auto added = add_key(r, std::move(username), std::move(key)); !added) {
      return std::unexpected(added.error());
    }
  }
  in.text("chain_head", r.chain_head, 0, sha256_hex_digits);
  in.text("signature", r.signature, 0, signature_hex_digits);
  if (!in.ok()) return fail(code::bad_snapshot, in.finish().error().message);
  return finish_record(std::move(r), stage, std::move(buyers), links);
}

}  // namespace auction::platform

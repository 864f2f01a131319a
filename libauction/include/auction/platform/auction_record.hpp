// AuctionRecord: what the platform keeps about one auction, and its snapshot form.
//
// Owned by the platform StateMachine (one per auction, never deleted). Stages only move
// forward: created -> started -> finished, or created -> cancelled; finished and cancelled
// are final. Pure data plus its JSON form; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/base/price_schedule.hpp"
#include "auction/base/sale_terms.hpp"

namespace auction::platform {

enum class Stage : std::uint8_t { created, started, finished, cancelled };

// "created", "started", "finished", "cancelled": as in answers and snapshots.
std::string_view stage_name(Stage stage);
// The stage named so; nullopt for any other text.
std::optional<Stage> stage_from_name(std::string_view name);

struct AuctionRecord {
  AuctionId id;
  std::string seller;
  std::string auction_name;
  std::string item_name;
  std::string item_description;
  // The terms, as create_auction set them (commands.hpp, CreateAuction).
  Cents base_price;
  Cents increment;
  std::int64_t period_ms = 0;
  SaleTerms terms{};
  Stage stage = Stage::created;
  // The last round the seller reported; 0 until then. Only ever grows.
  std::uint64_t round_id = 0;
  // base_price until the seller reports; the final price once finished. Never decreases.
  Cents current_price;
  // Joined buyers: username -> still active; at most auction::limits::buyers_per_auction_max.
  // Only changes membership while created; once started, a buyer turns inactive when a link of
  // the seller's chain withdraws it, and never becomes active again. Ordered, so every
  // replica iterates alike.
  std::map<std::string, bool, std::less<>> buyers;
  // Set only when finished with a winner; always one of `buyers`.
  std::optional<std::string> winner;
  // The seller's announcement chain as it pushed it (market/auction_chain.hpp's links;
  // FieldReader::chain_links's shape): only ever extended, never rewritten. Checked by the
  // leader before it is proposed. Each link is kept as its compact JSON text (link_text()),
  // not as a parsed JSON value: a parsed link takes about four times the memory, and a
  // million auctions' chains must fit a replica's.
  std::vector<std::string> links;
  // The seller's and every buyer's key (hex) as registered when the auction started: what
  // its transcript is checked against, so a later rotation does not unmake a result.
  std::map<std::string, std::string, std::less<>> keys;
  // Set once finished: the head of the seller's chain and its signature over the result.
  std::string chain_head;
  std::string signature;

  bool has_buyer(std::string_view username) const { return buyers.contains(username); }
  // The clock's prices: base_price, increment and terms.increment_steps (which passed
  // read_auction_terms's checks, so this cannot fail).
  PriceSchedule price_schedule() const;
  // Buyers not withdrawn (all of them until the start).
  std::size_t active_buyer_count() const;
};

// The text a link is kept as: its compact JSON (keys sorted), so equal links have equal texts.
std::string link_text(const nlohmann::json& link);
// A kept link as JSON again. Precondition: `text` came from link_text().
nlohmann::json link_json(std::string_view text);

// The record as it appears in a snapshot (every field; see docs/platform.md).
nlohmann::json to_snapshot(const AuctionRecord& record);

// Reads one snapshot record and checks what the record alone can show (field rules, stage
// name, winner among the buyers, seller not a buyer, price not below base).
// Errors: "bad_snapshot" naming the field.
Result<AuctionRecord> auction_record_from_snapshot(const nlohmann::json& value);

// The same record in the snapshot's binary form (StateMachine::snapshot_bytes), field by
// field in the order of the JSON form, read under the same rules and the same checks.
class EntryReader;
class EntryWriter;
void write_record(EntryWriter& out, const AuctionRecord& record);
Result<AuctionRecord> read_record(EntryReader& in);

}  // namespace auction::platform

// FieldReader: reads and checks the fields of one JSON object (private to the platform).
//
// Used by the command codec, by snapshot restore and by the answer decoders (field_list.hpp),
// so a request, a snapshot and an answer obey the same rules for usernames, addresses,
// prices and texts. The first failure is kept and every later read is skipped, so a decoder
// reads its fields in a straight line and asks finish() at the end; finish() also rejects
// fields nobody read, unless the reader was told to ignore them.
// Pure; never throws (every JSON access is type-checked first).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/limits.hpp"
#include "auction/base/money.hpp"
#include "auction/base/price_schedule.hpp"
#include "auction/base/sale_terms.hpp"
#include "auction/platform/commands.hpp"

namespace auction::platform {

// The rules of a field's value, one definition for both forms a request takes: FieldReader
// (JSON) and EntryReader (the log's binary form, entry_reader.hpp). Each says why `value`
// breaks them ("must be ..."), or nullopt.
// An identifier: 1..bytes_max characters of [A-Za-z0-9_.-] (usernames, client ids).
std::optional<std::string> identifier_problem(std::string_view value, std::size_t bytes_max);
std::optional<std::string> address_problem(std::string_view value);
// Exactly `digits` lowercase hexadecimal digits.
std::optional<std::string> hex_problem(std::string_view value, std::size_t digits);
// UTF-8 text of [bytes_min, bytes_max] bytes.
std::optional<std::string> text_problem(std::string_view value, std::size_t bytes_min,
                                        std::size_t bytes_max);
std::optional<std::string> int64_problem(std::int64_t value, std::int64_t min, std::int64_t max);
std::optional<std::string> uint64_problem(std::uint64_t value, std::uint64_t min,
                                          std::uint64_t max);
// Chain links (FieldReader::chain_links): the error names `name`.
std::optional<Error> chain_links_problem(std::string_view name, const nlohmann::json& links);

// Whether finish() refuses fields nobody read. Requests and snapshots refuse them, so the log
// never carries data nobody reads; answers ignore them, so a client still understands a newer
// platform that answers with more.
enum class UnknownFields : bool { refused, ignored };

class FieldReader {
 public:
  // `object` must outlive the reader. A non-object records a bad_request at once.
  explicit FieldReader(const nlohmann::json& object,
                       UnknownFields unknown_fields = UnknownFields::refused);

  bool has(std::string_view name) const;
  // has(name): a JSON object says by its keys which fields it holds, whenever they were added
  // (EntryReader::has_added's counterpart).
  bool has_added(std::string_view name, std::uint8_t /*since_form*/) const { return has(name); }

  void username(std::string_view name, std::string& out);
  void client_id(std::string_view name, std::string& out);
  void address(std::string_view name, std::string& out);
  // Exactly `digits` lowercase hexadecimal digits (a public key, a signature).
  void hex(std::string_view name, std::string& out, std::size_t digits);
  // UTF-8 text of [bytes_min, bytes_max] bytes.
  void text(std::string_view name, std::string& out, std::size_t bytes_min, std::size_t bytes_max);
  // A JSON integer in [min, max].
  void int64(std::string_view name, std::int64_t& out, std::int64_t min, std::int64_t max);
  void uint64(std::string_view name, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  void boolean(std::string_view name, bool& out);
  void cents(std::string_view name, Cents& out, Cents min);
  void auction_id(std::string_view name, AuctionId& out);
  // null or a username.
  void optional_username(std::string_view name, std::optional<std::string>& out);
  // [{"username":..,"active":..}], at most auction::limits::buyers_per_auction_max, no name
  // twice.
  void buyers(std::string_view name, std::vector<BuyerStatus>& out);
  // An increment table: [{"from_price":..,"increment":..}], at most
  // PriceSchedule::steps_max steps (their order is PriceSchedule::create's to check).
  void increment_steps(std::string_view name, std::vector<IncrementStep>& out);
  // Links of an auction's chain as a seller pushes them, kept as JSON: an array of objects,
  // each with a non-empty array "withdrawn" of objects that name a valid "username", at most
  // auction::limits::buyers_per_auction_max withdrawals in all (each buyer leaves once).
  // That much the platform reads itself: who a link withdraws (links_withdrawals()). What
  // else the links say is checked by the replica's chain check (chain_check.hpp), not here.
  void chain_links(std::string_view name, nlohmann::json& out);
  // The raw value (for nested objects a caller reads with its own FieldReader).
  const nlohmann::json* raw(std::string_view name);

  // Records a failure found by the caller (the first one wins).
  void reject(Error error);

  bool ok() const { return !error_.has_value(); }

  // The first failure, or (UnknownFields::refused) the check that every field was read.
  Result<void> finish() const;

 private:
  // Marks `name` read and returns its value; records "missing field" when absent.
  const nlohmann::json* take(std::string_view name);
  // The same when the value is of the type `is_type` tells; records "must be <expected>"
  // (and returns nullptr) for any other.
  const nlohmann::json* take(std::string_view name,
                             bool (nlohmann::json::*is_type)() const noexcept,
                             std::string_view expected);
  // A string value.
  const std::string* take_string(std::string_view name);
  // An identifier: 1..bytes_max characters of [A-Za-z0-9_.-] (usernames, client ids).
  void identifier(std::string_view name, std::string& out, std::size_t bytes_max);
  void bad_type(std::string_view name, std::string_view expected);
  void bad_value(std::string_view name, std::string_view why);

  const nlohmann::json& object_;
  UnknownFields unknown_fields_;
  std::set<std::string, std::less<>> read_;  // empty when unknown fields are ignored
  std::optional<Error> error_;
};

// The usernames `links` withdraw, in order. Precondition: `links` passed
// FieldReader::chain_links.
std::vector<std::string_view> links_withdrawals(const nlohmann::json& links);

// The optional fields of SaleTerms, each only when present.
template <class Reader>
void read_sale_terms(Reader& r, SaleTerms& terms) {
  constexpr std::uint8_t added_in_form = 2;
  if (r.has_added("increment_steps", added_in_form)) {
    r.increment_steps("increment_steps", terms.increment_steps);
  }
  if (r.has_added("reserve", added_in_form)) r.cents("reserve", terms.reserve.emplace(), Cents{0});
  if (r.has_added("reserve_hidden", added_in_form)) {
    r.boolean("reserve_hidden", terms.reserve_hidden);
  }
  if (r.has_added("reserve_salt", added_in_form)) {
    r.hex("reserve_salt", terms.reserve_salt, reserve_salt_hex_digits);
  }
  if (r.has_added("grace_rounds", added_in_form)) {
    std::uint64_t grace = 0;
    r.uint64("grace_rounds", grace, 1, auction::limits::grace_rounds_max);
    terms.grace_rounds = static_cast<std::uint32_t>(grace);
  }
  if (r.has_added("start_at_ms", added_in_form)) {
    r.int64("start_at_ms", terms.start_at_ms.emplace(), 1, start_at_ms_max);
  }
}

// The terms of an auction, as create_auction gives them and a snapshot keeps them, under one
// set of rules: seller, auction_name, item_name, item_description, base_price, increment,
// period_ms, and the optional increment_steps, reserve, reserve_hidden, reserve_salt,
// grace_rounds and start_at_ms of `terms` (docs/platform.md, "create_auction"), read into the
// members of `out` of the same names (CreateAuction, AuctionRecord). The optional ones came with
// the binary forms' version 2: an older entry or snapshot holds none of them.
template <class Reader, class T>
void read_auction_terms(Reader& r, T& out) {
  r.username("seller", out.seller);
  r.text("auction_name", out.auction_name, 1, auction::limits::auction_name_bytes_max);
  r.text("item_name", out.item_name, 1, auction::limits::item_name_bytes_max);
  r.text("item_description", out.item_description, 0, auction::limits::item_description_bytes_max);
  r.cents("base_price", out.base_price, Cents{0});
  r.cents("increment", out.increment, Cents{1});
  r.int64("period_ms", out.period_ms, auction::limits::period_ms_min,
          auction::limits::period_ms_max);
  read_sale_terms(r, out.terms);
  if (!r.ok()) return;
  // Across fields: price_schedule_of()'s rules (base/sale_terms.hpp).
  if (auto prices = price_schedule_of(out.base_price, out.increment, out.terms); !prices) {
    r.reject(prices.error());
  }
}

}  // namespace auction::platform

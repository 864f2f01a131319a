// EntryReader and EntryWriter: the fields of the platform's binary forms, a request in the log
// (auction/platform/entry_codec.hpp) and the state machine's snapshot (docs/platform.md,
// "Snapshot format"). Private to the platform.
//
// EntryReader offers FieldReader's reading calls, so that the command decoders of
// commands.cpp read either form with the same code, and with the same rules (field_reader.hpp):
// an entry holds what decode_request() would accept, or it is refused. Fields have no names
// in the bytes; they come in the order the decoder asks for them, and `name` only names a
// field in an error. has() reads the byte that says whether an optional field follows.
// EntryWriter writes them in that order (entry_codec.cpp).
//
// Pure; never throws; never reads past its input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/platform/commands.hpp"

namespace auction::platform {

class EntryReader {
 public:
  // The newest version of the binary forms, which EntryWriter writes: 2 added an auction's
  // optional terms (read_auction_terms()).
  static constexpr std::uint8_t form_latest = 2;

  // `bytes` in the binary form of version `form` (1..form_latest).
  explicit EntryReader(std::string_view bytes, std::uint8_t form = form_latest)
      : in_(bytes), form_(form) {}

  // Whether the optional field `name` follows (a 0 or 1 byte).
  bool has(std::string_view name);
  // The same for an optional field added in version `since_form`: false, reading nothing, in
  // bytes of an older version.
  bool has_added(std::string_view name, std::uint8_t since_form) {
    return form_ >= since_form && has(name);
  }

  void username(std::string_view name, std::string& out);
  void client_id(std::string_view name, std::string& out);
  void address(std::string_view name, std::string& out);
  void hex(std::string_view name, std::string& out, std::size_t digits);
  void text(std::string_view name, std::string& out, std::size_t bytes_min, std::size_t bytes_max);
  void int64(std::string_view name, std::int64_t& out, std::int64_t min, std::int64_t max);
  void uint64(std::string_view name, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  void boolean(std::string_view name, bool& out);
  void cents(std::string_view name, Cents& out, Cents min);
  void auction_id(std::string_view name, AuctionId& out);
  void optional_username(std::string_view name, std::optional<std::string>& out);
  void chain_links(std::string_view name, nlohmann::json& out);
  // A count, then each step's from_price and increment.
  void increment_steps(std::string_view name, std::vector<IncrementStep>& out);

  // The next byte (the op code), or nullopt at the end.
  std::optional<std::uint8_t> byte();
  // The next `size` bytes as they are (a raw key), or nullopt (and a failure) if fewer remain.
  std::optional<std::string_view> raw(std::string_view name, std::size_t size);

  void reject(Error error);
  bool ok() const { return !error_.has_value(); }
  // The first failure, or bad_request if bytes are left over.
  Result<void> finish() const;

 private:
  std::optional<std::uint64_t> varint(std::string_view name);
  // The bytes of a text field (a varint length, then the bytes).
  std::optional<std::string_view> bytes(std::string_view name);
  void malformed(std::string_view name, std::string_view why);
  void bad_value(std::string_view name, std::string_view why);

  std::string_view in_;
  std::uint8_t form_;
  std::optional<Error> error_;
};

// The request of a binary entry, from its op code on (after the version byte), decoded by
// the decoders that read JSON requests (commands.cpp). Errors as decode_entry().
Result<Request> decode_entry_request(EntryReader& r);

class EntryWriter {
 public:
  void byte(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void flag(bool value) { byte(value ? 1 : 0); }
  void uint64(std::uint64_t value);
  void int64(std::int64_t value);  // zigzag
  void text(std::string_view value);
  void raw(std::string_view bytes) { out_.append(bytes); }
  // `links` as JSON text; an empty array as an empty text.
  void chain_links(const nlohmann::json& links);
  // A presence byte, then the field (`write` writes it) only when present.
  template <class Write>
  void optional_field(bool is_present, Write write) {
    flag(is_present);
    if (is_present) write();
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// The optional terms of an auction as read_auction_terms() reads them from the binary form:
// each with its presence byte, present only when it differs from its default.
void write_optional_terms(EntryWriter& w, const SaleTerms& terms);

}  // namespace auction::platform

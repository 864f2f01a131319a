// Checked reading of JSON fields for the market layer's peer codecs (private to src/market/).
//
// A decoder reads its fields in a straight line through one Reader: the first failure is
// kept and every later read is skipped, so the decoder asks for the outcome once, at the
// end. Every read checks the type before it reads, so nlohmann never throws here; a missing
// or ill-typed field is bad_request, a value out of range is invalid_argument, and the
// message names the field as "<context>.<field>" (e.g. "announce_price.buyers[3].username").
// Pure, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/identity/signing.hpp"
#include "auction/market/types.hpp"

namespace auction::market::json_fields {

class Reader {
 public:
  // `object` may be anything a peer sent; it must outlive the reader. Anything but an object
  // is recorded at once ("<context>: must be an object").
  Reader(const nlohmann::json& object, std::string context);

  // Whether `field` is present (and not null).
  bool has(std::string_view field) const;

  // A non-negative integer that fits in uint64.
  void u64(std::string_view field, std::uint64_t& out);
  // An auction id: a non-negative integer that fits in uint64 (a JSON integer on the wire).
  void auction_id(std::string_view field, AuctionId& out);
  // A non-negative integer that fits in int64 cents.
  void cents(std::string_view field, Cents& out);
  // A string of at most `chars_max` characters.
  void string(std::string_view field, std::string& out, std::size_t chars_max);
  void username(std::string_view field, std::string& out);
  // A username, or nothing when the field is absent or null.
  void optional_username(std::string_view field, std::optional<std::string>& out);
  void boolean(std::string_view field, bool& out);
  // An array of at most `size_max` elements; nullptr (a failure recorded) otherwise. The
  // elements are the caller's to read, each with a Reader of its own under item_path().
  const nlohmann::json* array(std::string_view field, std::size_t size_max);
  // "<context>.<field>[<index>]": the context of an array element's own Reader.
  std::string item_path(std::string_view field, std::size_t index) const;
  // A SHA-256 digest as 64 lowercase hex digits.
  void digest(std::string_view field, identity::Sha256Digest& out);
  // An Ed25519 signature as 128 lowercase hex digits.
  void signature(std::string_view field, identity::Signature& out);
  // A stable name of at most `chars_max` characters that `from_name` knows; any other is
  // invalid_argument, "<context>.<field>: <otherwise>".
  template <class E>
  void name(std::string_view field, E& out, std::optional<E> (*from_name)(std::string_view),
            std::size_t chars_max, std::string_view otherwise);
  // [{"username":"amy","active":true},{"username":"bob","active":false,"reason":"silent"}]:
  // at most limits::buyers_per_auction_max entries, usernames unique.
  void buyers(std::string_view field, std::vector<BuyerEntry>& out);

  // Records a failure found by the caller (the first one wins).
  void reject(Error error);

  bool ok() const { return !error_.has_value(); }
  // The first failure. Precondition: !ok().
  const Error& error() const { return *error_; }
  // `value`, or the first failure.
  template <class T>
  Result<T> finish(T value) const {
    if (error_) return std::unexpected(*error_);
    return value;
  }

 private:
  // "<context>.<field>"
  std::string path(std::string_view field) const;
  // The field's value when it is of the type `is_type` tells; nullptr when an earlier read
  // failed, and (a failure recorded) when it is missing or "<must_be>".
  const nlohmann::json* take(std::string_view field,
                             bool (nlohmann::json::*is_type)() const noexcept,
                             std::string_view must_be);
  void bad_request(std::string_view field, std::string_view why);
  void invalid_argument(std::string_view field, std::string_view why);

  const nlohmann::json& object_;
  std::string context_;
  std::optional<Error> error_;
};

template <class E>
void Reader::name(std::string_view field, E& out, std::optional<E> (*from_name)(std::string_view),
                  std::size_t chars_max, std::string_view otherwise) {
  std::string text;
  string(field, text, chars_max);
  if (!ok()) return;
  if (const std::optional<E> value = from_name(text)) {
    out = *value;
  } else {
    invalid_argument(field, otherwise);
  }
}

nlohmann::json encode_buyers(const std::vector<BuyerEntry>& buyers);

}  // namespace auction::market::json_fields

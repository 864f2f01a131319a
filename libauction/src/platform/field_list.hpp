// Field lists: the JSON names of an answer's (or a view's) fields, written once for both ends.
//
// The replica's state machine writes the platform's answers and every client reads them
// (platform::Client). A type that travels as a JSON object lists its fields once, beside its
// codec (answers.cpp, views.cpp):
//
//     constexpr auto fields_of(std::type_identity<CreatedAuction>) {
//       return std::tuple{field("auction_id", &CreatedAuction::auction_id)};
//     }
//
// write_fields() (the replica's encoder) and read_fields() (the client's decoder) walk that
// one list, so no field is named one way on one end and another way on the other, and a
// renamed member does not compile.
//
// How a member looks in JSON:
//   std::string, bool                          a string, true or false
//   std::int64_t, std::uint64_t, std::uint32_t, Cents, AuctionId   an integer (read: Cents >= 0,
//   AuctionId >= 1) Stage, Role                                its name ("started", "seller")
//   std::optional<T>                           T, or null when empty (field()); or no key at
//                                              all when empty (field_if_present())
//   std::vector<T>                             an array
//   a type with a field list                   an object; or (fields_inline()) its fields
//                                              in the object of the type that holds it
//   AuctionView                                encode_auction_view() / decode_auction_view()
//   nlohmann::json                             a chain's links, as is (FieldReader::chain_links)
// Reading checks JSON types and ranges, not the request rules (lengths, character sets) that
// what the platform answers passed long before; keys no field names are ignored, so a client
// still reads a newer platform's answers (UnknownFields::ignored).
//
// Private to src/platform/. Pure; never throws (FieldReader type-checks every access).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/error_codes.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/base/price_schedule.hpp"
#include "auction/base/sale_terms.hpp"
#include "auction/platform/auction_record.hpp"
#include "auction/platform/views.hpp"
#include "auction/platform/watch_event.hpp"
#include "platform/field_reader.hpp"

namespace auction::platform {

// A member of T and its JSON name; an empty optional member is written as null.
template <class T, class M>
struct Field {
  const char* name;
  M T::*member;
};

// An optional member of T whose key is left out while it is empty.
template <class T, class M>
struct FieldIfPresent {
  const char* name;
  std::optional<M> T::*member;
};

// A member of T with a field list of its own, whose fields stand in T's object beside T's
// (an auction's terms in its view).
template <class T, class M>
struct InlineFields {
  M T::*member;
};

// (Factories rather than deduction guides: clang 16, the fuzz build's compiler, lacks
// aggregate deduction.)
template <class T, class M>
constexpr Field<T, M> field(const char* name, M T::*member) {
  return {name, member};
}

template <class T, class M>
constexpr FieldIfPresent<T, M> field_if_present(const char* name, std::optional<M> T::*member) {
  return {name, member};
}

// A step of an increment table (base/price_schedule.hpp), as views and transcripts list it;
// declared before HasFieldList, as it is not the platform's type.
constexpr auto fields_of(std::type_identity<IncrementStep>) {
  return std::tuple{field("from_price", &IncrementStep::from_price),
                    field("increment", &IncrementStep::increment)};
}

// An auction's terms, as views and transcripts show them (in the same object as their other
// fields); a hidden reserve and its salt are left out where the viewer may not see them.
constexpr auto fields_of(std::type_identity<SaleTerms>) {
  using S = SaleTerms;
  return std::tuple{field("increment_steps", &S::increment_steps),
                    field_if_present("reserve", &S::reserve),
                    field("reserve_hidden", &S::reserve_hidden),
                    field("reserve_salt", &S::reserve_salt),
                    field("grace_rounds", &S::grace_rounds),
                    field_if_present("start_at_ms", &S::start_at_ms)};
}

template <class T, class M>
constexpr InlineFields<T, M> fields_inline(M T::*member) {
  return {member};
}

// A type whose codec file gives fields_of(std::type_identity<T>) (found by argument-dependent
// lookup, so in namespace auction::platform; or declared above).
template <class T>
concept HasFieldList = requires {
  fields_of(std::type_identity<T>{});
};

// The parts of a view that join its keys when present (views.cpp), and stand as objects of
// their own in a watch event (answers.cpp).
constexpr auto fields_of(std::type_identity<AuctionView::Outcome>) {
  using O = AuctionView::Outcome;
  return std::tuple{field("winner", &O::winner), field("price", &O::price),
                    field("reserve_not_met", &O::reserve_not_met)};
}

constexpr auto fields_of(std::type_identity<AuctionView::Progress>) {
  using P = AuctionView::Progress;
  return std::tuple{field("round_id", &P::round_id), field("current_price", &P::current_price),
                    field("buyer_count", &P::buyer_count), field("active_count", &P::active_count)};
}

// --- Writing: what the replica answers -------------------------------------------------

inline nlohmann::json json_value(const std::string& value) { return value; }
inline nlohmann::json json_value(bool value) { return value; }
inline nlohmann::json json_value(std::int64_t value) { return value; }
inline nlohmann::json json_value(std::uint64_t value) { return value; }
inline nlohmann::json json_value(std::uint32_t value) { return value; }
inline nlohmann::json json_value(Cents value) { return value.value; }
inline nlohmann::json json_value(AuctionId value) { return value.value; }
inline nlohmann::json json_value(Stage value) { return std::string(stage_name(value)); }
inline nlohmann::json json_value(Role value) { return std::string(role_name(value)); }
inline nlohmann::json json_value(WatchEventKind value) {
  return std::string(watch_event_kind_name(value));
}
inline nlohmann::json json_value(const AuctionView& value) { return encode_auction_view(value); }
// An auction's chain links, kept as the seller pushed them (FieldReader::chain_links).
inline nlohmann::json json_value(const nlohmann::json& links) { return links; }
template <class M>
nlohmann::json json_value(const std::optional<M>& value);
template <class M>
nlohmann::json json_value(const std::vector<M>& items);
template <HasFieldList T>
nlohmann::json json_value(const T& object);

template <class T, class M>
void write_field(nlohmann::json& out, const T& object, const Field<T, M>& f) {
  out[f.name] = json_value(object.*f.member);
}

template <class T, class M>
void write_field(nlohmann::json& out, const T& object, const FieldIfPresent<T, M>& f) {
  if (const auto& value = object.*f.member) out[f.name] = json_value(*value);
}

template <class T>
void write_fields(nlohmann::json& out, const T& object);

template <class T, class M>
void write_field(nlohmann::json& out, const T& object, const InlineFields<T, M>& f) {
  write_fields(out, object.*f.member);
}

// Writes every field of `object`'s list into `out` (an object; other keys stay).
template <class T>
void write_fields(nlohmann::json& out, const T& object) {
  std::apply([&](const auto&... fields) { (write_field(out, object, fields), ...); },
             fields_of(std::type_identity<T>{}));
}

template <class M>
nlohmann::json json_value(const std::optional<M>& value) {
  return value ? json_value(*value) : nlohmann::json(nullptr);
}

template <class M>
nlohmann::json json_value(const std::vector<M>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (const M& item : items) out.push_back(json_value(item));
  return out;
}

template <HasFieldList T>
nlohmann::json json_value(const T& object) {
  nlohmann::json out = nlohmann::json::object();
  write_fields(out, object);
  return out;
}

// --- Reading: what a client makes of an answer ------------------------------------------

// Prefixes a nested failure with where it happened ("auctions[]: missing field 'seller'").
inline Error nested_error(std::string_view where, const Error& error) {
  return Error{code::bad_response, std::string(where) + ": " + error.message};
}

inline void read_value(FieldReader& r, std::string_view name, std::string& out) {
  r.text(name, out, 0, std::numeric_limits<std::size_t>::max());
}
inline void read_value(FieldReader& r, std::string_view name, bool& out) { r.boolean(name, out); }
inline void read_value(FieldReader& r, std::string_view name, std::int64_t& out) {
  r.int64(name, out, std::numeric_limits<std::int64_t>::min(),
          std::numeric_limits<std::int64_t>::max());
}
inline void read_value(FieldReader& r, std::string_view name, std::uint64_t& out) {
  r.uint64(name, out, 0, std::numeric_limits<std::uint64_t>::max());
}
inline void read_value(FieldReader& r, std::string_view name, std::uint32_t& out) {
  std::uint64_t value = 0;
  r.uint64(name, value, 0, std::numeric_limits<std::uint32_t>::max());
  if (r.ok()) out = static_cast<std::uint32_t>(value);
}
inline void read_value(FieldReader& r, std::string_view name, Cents& out) {
  r.cents(name, out, Cents{0});
}
inline void read_value(FieldReader& r, std::string_view name, AuctionId& out) {
  r.auction_id(name, out);
}
inline void read_value(FieldReader& r, std::string_view name, nlohmann::json& links) {
  r.chain_links(name, links);
}
// A value of an enum written by its name; `kind` names the enum in the error ("unknown stage
// 'x'").
template <class E>
void read_name(FieldReader& r, std::string_view name, E& out,
               std::optional<E> (*from_name)(std::string_view), std::string_view kind) {
  std::string text;
  r.text(name, text, 1, 32);
  if (!r.ok()) return;
  if (const std::optional<E> value = from_name(text)) {
    out = *value;
  } else {
    r.reject(Error{code::bad_response,
                   std::string(name) + ": unknown " + std::string(kind) + " '" + text + "'"});
  }
}
inline void read_value(FieldReader& r, std::string_view name, Stage& out) {
  read_name(r, name, out, stage_from_name, "stage");
}
inline void read_value(FieldReader& r, std::string_view name, Role& out) {
  read_name(r, name, out, role_from_name, "role");
}
inline void read_value(FieldReader& r, std::string_view name, WatchEventKind& out) {
  read_name(r, name, out, watch_event_kind_from_name, "event kind");
}

// Reads a whole JSON object into `out`. Errors: the first failure (any code; the caller
// reports it as bad_response).
template <HasFieldList T>
Result<void> read_object(const nlohmann::json& value, T& out);
inline Result<void> read_object(const nlohmann::json& value, AuctionView& out) {
  auto view = decode_auction_view(value);
  if (!view) return std::unexpected(view.error());
  out = std::move(*view);
  return {};
}

template <class M>
void read_value(FieldReader& r, std::string_view name, std::optional<M>& out) {
  const nlohmann::json* value = r.raw(name);
  if (value == nullptr) return;
  if (value->is_null()) {
    out.reset();
    return;
  }
  M read{};
  read_value(r, name, read);
  if (r.ok()) out = std::move(read);
}

template <class M>
void read_value(FieldReader& r, std::string_view name, std::vector<M>& out) {
  const nlohmann::json* value = r.raw(name);
  if (value == nullptr) return;
  if (!value->is_array()) {
    return r.reject(Error{code::bad_response, std::string(name) + ": must be an array"});
  }
  std::vector<M> items(value->size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto ok = read_object((*value)[i], items[i]); !ok) {
      return r.reject(nested_error(std::string(name) + "[]", ok.error()));
    }
  }
  out = std::move(items);
}

template <class M>
requires HasFieldList<M> || std::is_same_v<M, AuctionView>
void read_value(FieldReader& r, std::string_view name, M& out) {
  const nlohmann::json* value = r.raw(name);
  if (value == nullptr) return;
  if (auto ok = read_object(*value, out); !ok) r.reject(nested_error(name, ok.error()));
}

template <class T, class M>
void read_field(FieldReader& r, T& object, const Field<T, M>& f) {
  read_value(r, f.name, object.*f.member);
}

template <class T, class M>
void read_field(FieldReader& r, T& object, const FieldIfPresent<T, M>& f) {
  if (!r.has(f.name)) {
    (object.*f.member).reset();
    return;
  }
  read_value(r, f.name, object.*f.member);
}

template <class T>
void read_fields(FieldReader& r, T& object);

template <class T, class M>
void read_field(FieldReader& r, T& object, const InlineFields<T, M>& f) {
  read_fields(r, object.*f.member);
}

// Reads every field of `object`'s list from `r`; failures are recorded in `r`.
template <class T>
void read_fields(FieldReader& r, T& object) {
  std::apply([&](const auto&... fields) { (read_field(r, object, fields), ...); },
             fields_of(std::type_identity<T>{}));
}

template <HasFieldList T>
Result<void> read_object(const nlohmann::json& value, T& out) {
  FieldReader r(value, UnknownFields::ignored);
  read_fields(r, out);
  return r.finish();
}

// Decodes one answer object as T. Errors: bad_response, the message naming `what` and the
// field ("create_auction answer: missing field 'auction_id'").
template <class T>
Result<T> decode_as(std::string_view what, const nlohmann::json& value) {
  T out{};
  if (auto ok = read_object(value, out); !ok)
    return std::unexpected(nested_error(what, ok.error()));
  return out;
}

}  // namespace auction::platform

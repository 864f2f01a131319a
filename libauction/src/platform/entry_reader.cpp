// EntryReader and EntryWriter (see entry_reader.hpp). Pure; never throws.
#include "platform/entry_reader.hpp"

#include <utility>

#include "auction/base/limits.hpp"
#include "auction/base/text_rules.hpp"
#include "platform/field_reader.hpp"

namespace auction::platform {

namespace {

// A varint holds 7 bits a byte: ten bytes hold 64 bits.
constexpr int varint_bytes_max = 10;

}  // namespace

void EntryReader::malformed(std::string_view name, std::string_view why) {
  reject(Error{code::bad_request, std::string(name) + ": " + std::string(why)});
}

void EntryReader::bad_value(std::string_view name, std::string_view why) {
  reject(Error{code::invalid_argument, std::string(name) + ": " + std::string(why)});
}

void EntryReader::reject(Error error) {
  if (!error_) error_ = std::move(error);
}

std::optional<std::uint8_t> EntryReader::byte() {
  if (!ok() || in_.empty()) return std::nullopt;
  const auto value = static_cast<std::uint8_t>(in_.front());
  in_.remove_prefix(1);
  return value;
}

std::optional<std::uint64_t> EntryReader::varint(std::string_view name) {
  std::uint64_t value = 0;
  for (int i = 0; i < varint_bytes_max; ++i) {
    const auto next = byte();
    if (!next) {
      malformed(name, "the data ends inside it");
      return std::nullopt;
    }
    const std::uint64_t bits = *next & 0x7fu;
    // The tenth byte holds the 64th bit only.
    if (i == varint_bytes_max - 1 && bits > 1) break;
    value |= bits << (7 * i);
    if ((*next & 0x80u) == 0) return value;
  }
  malformed(name, "not a 64-bit integer");
  return std::nullopt;
}

std::optional<std::string_view> EntryReader::bytes(std::string_view name) {
  const auto size = varint(name);
  if (!size) return std::nullopt;
  if (*size > in_.size()) {
    malformed(name, "the data ends inside it");
    return std::nullopt;
  }
  const std::string_view value = in_.substr(0, static_cast<std::size_t>(*size));
  in_.remove_prefix(value.size());
  return value;
}

std::optional<std::string_view> EntryReader::raw(std::string_view name, std::size_t size) {
  if (!ok()) return std::nullopt;
  if (size > in_.size()) {
    malformed(name, "the data ends inside it");
    return std::nullopt;
  }
  const std::string_view value = in_.substr(0, size);
  in_.remove_prefix(size);
  return value;
}

bool EntryReader::has(std::string_view name) {
  const auto present = byte();
  if (present && *present <= 1) return *present == 1;
  if (ok()) malformed(name, present ? "a presence byte is 0 or 1" : "the data ends inside it");
  return false;
}

void EntryReader::username(std::string_view name, std::string& out) {
  const auto value = bytes(name);
  if (!value) return;
  if (auto problem = identifier_problem(*value, auction::limits::username_bytes_max)) {
    return bad_value(name, *problem);
  }
  out = *value;
}

void EntryReader::client_id(std::string_view name, std::string& out) {
  const auto value = bytes(name);
  if (!value) return;
  if (auto problem = identifier_problem(*value, auction::limits::client_id_bytes_max)) {
    return bad_value(name, *problem);
  }
  out = *value;
}

void EntryReader::address(std::string_view name, std::string& out) {
  const auto value = bytes(name);
  if (!value) return;
  if (auto problem = address_problem(*value)) return bad_value(name, *problem);
  out = *value;
}

void EntryReader::hex(std::string_view name, std::string& out, std::size_t digits) {
  const auto value = bytes(name);
  if (!value) return;
  if (auto problem = hex_problem(*value, digits)) return bad_value(name, *problem);
  out = *value;
}

void EntryReader::text(std::string_view name, std::string& out, std::size_t bytes_min,
                       std::size_t bytes_max) {
  const auto value = bytes(name);
  if (!value) return;
  if (auto problem = text_problem(*value, bytes_min, bytes_max)) return bad_value(name, *problem);
  out = *value;
}

void EntryReader::int64(std::string_view name, std::int64_t& out, std::int64_t min,
                        std::int64_t max) {
  const auto zigzag = varint(name);
  if (!zigzag) return;
  const auto value = static_cast<std::int64_t>((*zigzag >> 1) ^ (~(*zigzag & 1) + 1));
  if (auto problem = int64_problem(value, min, max)) return bad_value(name, *problem);
  out = value;
}

void EntryReader::uint64(std::string_view name, std::uint64_t& out, std::uint64_t min,
                         std::uint64_t max) {
  const auto value = varint(name);
  if (!value) return;
  if (auto problem = uint64_problem(*value, min, max)) return bad_value(name, *problem);
  out = *value;
}

void EntryReader::boolean(std::string_view name, bool& out) {
  const auto value = byte();
  if (!value || *value > 1) return malformed(name, "must be a 0 or 1 byte");
  out = *value == 1;
}

void EntryReader::cents(std::string_view name, Cents& out, Cents min) {
  std::int64_t value = 0;
  int64(name, value, min.value, INT64_MAX);
  if (ok()) out = Cents{value};
}

void EntryReader::auction_id(std::string_view name, AuctionId& out) {
  std::uint64_t value = 0;
  uint64(name, value, 1, UINT64_MAX);
  if (ok()) out = AuctionId{value};
}

void EntryReader::optional_username(std::string_view name, std::optional<std::string>& out) {
  if (!has(name)) {
    out.reset();
    return;
  }
  std::string value;
  username(name, value);
  if (ok()) out = std::move(value);
}

void EntryReader::increment_steps(std::string_view name, std::vector<IncrementStep>& out) {
  std::uint64_t count = 0;
  uint64(name, count, 0, PriceSchedule::steps_max);
  std::vector<IncrementStep> steps(ok() ? count : 0);
  for (IncrementStep& step : steps) {
    cents(name, step.from_price, Cents{0});
    cents(name, step.increment, Cents{1});
  }
  if (ok()) out = std::move(steps);
}

void EntryReader::chain_links(std::string_view name, nlohmann::json& out) {
  const auto text = bytes(name);
  if (!text) return;
  if (text->empty()) {
    out = nlohmann::json::array();
    return;
  }
  if (!is_nesting_within(*text, auction::limits::json_depth_max)) {
    return malformed(name, "nests too deep");
  }
  nlohmann::json links = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (links.is_discarded()) return malformed(name, "not JSON");
  if (auto problem = chain_links_problem(name, links)) return reject(std::move(*problem));
  out = std::move(links);
}

Result<void> EntryReader::finish() const {
  if (error_) return std::unexpected(*error_);
  if (!in_.empty()) {
    return fail(code::bad_request,
                std::to_string(in_.size()) + " bytes follow the last field of the entry");
  }
  return {};
}

void EntryWriter::uint64(std::uint64_t value) {
  while (value >= 0x80) {
    byte(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  byte(static_cast<std::uint8_t>(value));
}

void EntryWriter::int64(std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);
  uint64((bits << 1) ^ (value < 0 ? ~std::uint64_t{0} : 0));
}

void EntryWriter::text(std::string_view value) {
  uint64(value.size());
  out_.append(value);
}

void EntryWriter::chain_links(const nlohmann::json& links) {
  text(links.empty() ? std::string() : links.dump());
}

void write_optional_terms(EntryWriter& w, const SaleTerms& terms) {
  w.optional_field(!terms.increment_steps.empty(), [&] {
    w.uint64(terms.increment_steps.size());
    for (const IncrementStep& s : terms.increment_steps) {
      w.int64(s.from_price.value);
      w.int64(s.increment.value);
    }
  });
  w.optional_field(terms.reserve.has_value(), [&] { w.int64(terms.reserve->value); });
  w.optional_field(terms.reserve_hidden, [&] { w.flag(true); });
  w.optional_field(!terms.reserve_salt.empty(), [&] { w.text(terms.reserve_salt); });
  w.optional_field(terms.grace_rounds != 1, [&] { w.uint64(terms.grace_rounds); });
  w.optional_field(terms.start_at_ms.has_value(), [&] { w.int64(*terms.start_at_ms); });
}

}  // namespace auction::platform

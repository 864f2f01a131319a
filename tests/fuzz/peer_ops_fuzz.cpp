// Fuzz target: the market's peer protocol, i.e. what a seller or a buyer accepts from the
// other side of a running auction, and the money text users type.
//
// The whole input is tried as one JSON value against every market decoder (announce_price,
// seller_back, ack, withdraw and its reply, auction_finished as a bare record and as the
// signed message, the pushed auction state) and
// as amount text for parse_cents; its first 8 bytes are also an amount in cents for
// format_cents. What must hold:
//   - a decoder accepts or answers bad_request / invalid_argument with a message;
//   - what a decoder accepts encodes and decodes back to the same value;
//   - parse_cents accepts only non-negative amounts (else invalid_argument / out_of_range),
//     and format_cents of what it accepted parses back to it;
//   - parse_cents(format_cents(x)) == x for every x >= 0; a negative x's text is refused.
// Nothing may crash, hang, or throw (an escaped exception aborts the target).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/limits.hpp"
#include "auction/base/money.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/market/auction_state.hpp"
#include "auction/market/finish_record.hpp"
#include "auction/market/peer_messages.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace auction;
using namespace auction::market;

bool is_decoder_error(const auction::Error& error) {
  return (error.code == "bad_request" || error.code == "invalid_argument") &&
         !error.message.empty();
}

// Every accepted message round trips through its encoding.
template <class Decode>
void check_codec(const nlohmann::json& j, Decode decode) {
  auto decoded = decode(j);
  if (!decoded) {
    FUZZ_CHECK(is_decoder_error(decoded.error()), "a decoder error with an unexpected code");
    return;
  }
  const nlohmann::json encoded = encode(*decoded);
  auto again = decode(encoded);
  FUZZ_CHECK(again.has_value(), "an accepted message does not decode after encoding");
  FUZZ_CHECK(*again == *decoded, "encode -> decode changed an accepted message");
  FUZZ_CHECK(encode(*again) == encoded, "the encoding is not canonical");
  // And through text, as it travels between peers.
  auto reparsed = nlohmann::json::parse(encoded.dump(), nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!reparsed.is_discarded(), "an encoded message is not JSON text");
  auto from_text = decode(reparsed);
  FUZZ_CHECK(from_text.has_value() && *from_text == *decoded, "the text round trip failed");
}

void check_buyers(const std::vector<BuyerEntry>& buyers) {
  FUZZ_CHECK(buyers.size() <= limits::buyers_per_auction_max, "more buyers than the limit");
  for (const auto& b : buyers) FUZZ_CHECK(is_valid_username(b.username), "an invalid username");
}

void check_money(std::string_view text, std::int64_t cents) {
  auto parsed = parse_cents(text);
  if (parsed) {
    FUZZ_CHECK(parsed->value >= 0, "parse_cents accepted a negative amount");
    auto again = parse_cents(format_cents(*parsed));
    FUZZ_CHECK(again.has_value() && *again == *parsed, "format_cents does not parse back");
  } else {
    FUZZ_CHECK(parsed.error().code == "invalid_argument" || parsed.error().code == "out_of_range",
               "parse_cents error with an unexpected code");
    FUZZ_CHECK(!parsed.error().message.empty(), "parse_cents error without a message");
  }

  const std::string formatted = format_cents(Cents{cents});
  auto back = parse_cents(formatted);
  if (cents >= 0) {
    FUZZ_CHECK(back.has_value() && back->value == cents, "parse_cents(format_cents(x)) != x");
  } else {
    FUZZ_CHECK(!back.has_value() && back.error().code == "invalid_argument",
               "a negative amount's text was accepted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::int64_t cents = 0;
  std::memcpy(&cents, data, std::min(size, sizeof cents));
  check_money(text, cents);

  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  check_codec(j, decode_announce_price);
  check_codec(j, decode_seller_back);
  check_codec(j, decode_peer_ack);
  check_codec(j, decode_withdraw_request);
  check_codec(j, decode_withdraw_reply);
  check_codec(j, decode_finish_record);
  check_codec(j, decode_signed_finish);
  check_codec(j, decode_auction_state);
  if (auto m = decode_announce_price(j)) check_buyers(m->buyers);
  if (auto r = decode_finish_record(j)) check_buyers(r->buyers);
  if (auto f = decode_signed_finish(j)) {
    // The signed message is the record plus its two signed fields.
    check_buyers(f->record.buyers);
    auto record = decode_finish_record(j);
    FUZZ_CHECK(record.has_value() && *record == f->record,
               "a signed finish whose record does not decode alone");
  }
  if (auto s = decode_auction_state(j)) check_buyers(s->buyers);
  return 0;
}

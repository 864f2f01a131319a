// The log's form of a request (see auction/platform/entry_codec.hpp). Each write's fields are
// written here in the order its decoder in commands.cpp reads them; the round-trip tests
// (entry_codec_test.cpp) hold the two together. Pure; never throws.
#include "auction/platform/entry_codec.hpp"

#include <variant>

#include "platform/entry_reader.hpp"

namespace auction::platform {

namespace {

// The first byte of an entry in the binary form is its version, 1..EntryReader::form_latest
// (JSON text never starts with one of them); this version writes the latest.
bool is_binary_form(std::string_view bytes) {
  return !bytes.empty() && static_cast<std::uint8_t>(bytes.front()) >= 1 &&
         static_cast<std::uint8_t>(bytes.front()) <= EntryReader::form_latest;
}

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

template <class T>
void write_links_from(EntryWriter& w, const T& c) {
  w.optional_field(true, [&] { w.uint64(c.links_from); });
  w.optional_field(true, [&] { w.chain_links(c.links); });
}

// Writes the fields of a write; false for a read (which has no binary form).
bool write_fields(EntryWriter& w, const Command& command) {
  return std::visit(Overloaded{
                        [&](const Login& c) {
                          w.text(c.username);
                          w.text(c.address);
                          w.text(c.public_key);
                          return true;
                        },
                        [&](const RotateKey& c) {
                          w.text(c.username);
                          w.text(c.public_key);
                          w.text(c.proof);
                          return true;
                        },
                        [&](const CreateAuction& c) {
                          w.text(c.seller);
                          w.text(c.auction_name);
                          w.text(c.item_name);
                          w.text(c.item_description);
                          w.int64(c.base_price.value);
                          w.int64(c.increment.value);
                          w.int64(c.period_ms);
                          write_optional_terms(w, c.terms);
                          return true;
                        },
                        [&](const JoinAuction& c) {
                          w.text(c.username);
                          w.uint64(c.auction_id.value);
                          return true;
                        },
                        [&](const QuitAuction& c) {
                          w.text(c.username);
                          w.uint64(c.auction_id.value);
                          return true;
                        },
                        [&](const StartAuction& c) {
                          w.text(c.seller);
                          w.uint64(c.auction_id.value);
                          return true;
                        },
                        [&](const CancelAuction& c) {
                          w.text(c.seller);
                          w.uint64(c.auction_id.value);
                          return true;
                        },
                        [&](const UpdateAuction& c) {
                          w.text(c.seller);
                          w.uint64(c.auction_id.value);
                          w.uint64(c.round_id);
                          w.int64(c.current_price.value);
                          write_links_from(w, c);
                          return true;
                        },
                        [&](const FinishAuction& c) {
                          w.text(c.seller);
                          w.uint64(c.auction_id.value);
                          w.optional_field(c.winner.has_value(), [&] { w.text(*c.winner); });
                          w.int64(c.price.value);
                          w.uint64(c.round_id);
                          write_links_from(w, c);
                          // Empty means unsealed, which the JSON form says by leaving the field
                          // out.
                          w.optional_field(!c.chain_head.empty(), [&] { w.text(c.chain_head); });
                          w.optional_field(!c.signature.empty(), [&] { w.text(c.signature); });
                          return true;
                        },
                        [](const auto&) { return false; },
                    },
                    command);
}

}  // namespace

std::string encode_entry(const Request& request) {
  EntryWriter w;
  w.byte(EntryReader::form_latest);
  w.byte(static_cast<std::uint8_t>(request.command.index()));
  if (!write_fields(w, request.command)) return encode(request).dump();
  w.optional_field(request.session.has_value(), [&] {
    w.text(request.session->client_id);
    w.uint64(request.session->seq);
  });
  return w.take();
}

Result<Request> decode_entry(std::string_view bytes) {
  if (!is_binary_form(bytes)) return parse_request(bytes);
  EntryReader r(bytes.substr(1), static_cast<std::uint8_t>(bytes.front()));
  return decode_entry_request(r);
}

}  // namespace auction::platform

// The log's form of a request (see auction/platform/entry_codec.hpp). Each write's fields are
// written here in the order its decoder in commands.cpp reads them; the round-trip tests
// (entry_codec_test.cpp) hold the two together. Pure; never throws.
#include "auction/platform/entry_codec.hpp"

#include <variant>

#include "platform/entry_reader.hpp"

namespace auction::platform {

namespace {

// The first byte of an entry in the binary form (JSON text never starts with it).
constexpr std::uint8_t binary_form_version = 0x01;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// A field that decode_request() reads only when present: a presence byte, then the value.
template <class Write>
void optional_field(EntryWriter& w, bool is_present, Write write) {
  w.flag(is_present);
  if (is_present) write();
}

template <class T>
void write_links_from(EntryWriter& w, const T& c) {
  optional_field(w, true, [&] { w.uint64(c.links_from); });
  optional_field(w, true, [&] { w.chain_links(c.links); });
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
                          optional_field(w, c.winner.has_value(), [&] { w.text(*c.winner); });
                          w.int64(c.price.value);
                          w.uint64(c.round_id);
                          write_links_from(w, c);
                          // Empty means unsealed, which the JSON form says by leaving the field
                          // out.
                          optional_field(w, !c.chain_head.empty(), [&] { w.text(c.chain_head); });
                          optional_field(w, !c.signature.empty(), [&] { w.text(c.signature); });
                          return true;
                        },
                        [](const auto&) { return false; },
                    },
                    command);
}

}  // namespace

std::string encode_entry(const Request& request) {
  EntryWriter w;
  w.byte(binary_form_version);
  w.byte(static_cast<std::uint8_t>(request.command.index()));
  if (!write_fields(w, request.command)) return encode(request).dump();
  optional_field(w, request.session.has_value(), [&] {
    w.text(request.session->client_id);
    w.uint64(request.session->seq);
  });
  return w.take();
}

Result<Request> decode_entry(std::string_view bytes) {
  if (bytes.empty() || static_cast<std::uint8_t>(bytes.front()) != binary_form_version) {
    return parse_request(bytes);
  }
  EntryReader r(bytes.substr(1));
  return decode_entry_request(r);
}

}  // namespace auction::platform

// The command codec (see auction/platform/commands.hpp). Pure; the only exception it meets
// is nlohmann's parse error, which becomes "bad_request" here, at the edge.
#include "auction/platform/commands.hpp"

#include <array>
#include <utility>

#include "auction/base/limits.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/platform/limits.hpp"
#include "platform/entry_reader.hpp"
#include "platform/field_reader.hpp"

namespace auction::platform {

namespace {

using nlohmann::json;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
// Spelled out for compilers without C++20 aggregate deduction (clang 16, the fuzz build).
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

template <class Reader>
Command decode_login(Reader& r) {
  Login c;
  r.username("username", c.username);
  r.address("address", c.address);
  r.hex("public_key", c.public_key, public_key_hex_digits);
  return c;
}

template <class Reader>
Command decode_rotate_key(Reader& r) {
  RotateKey c;
  r.username("username", c.username);
  r.hex("public_key", c.public_key, public_key_hex_digits);
  r.hex("proof", c.proof, signature_hex_digits);
  return c;
}

Command decode_get_user_address(FieldReader& r) {
  GetUserAddress c;
  r.username("username", c.username);
  return c;
}

template <class Reader>
Command decode_create_auction(Reader& r) {
  CreateAuction c;
  read_auction_terms(r, c);
  return c;
}

template <class T, class Reader>
Command decode_user_and_auction(Reader& r) {
  T c;
  r.username("username", c.username);
  r.auction_id("auction_id", c.auction_id);
  return c;
}

template <class T, class Reader>
Command decode_seller_and_auction(Reader& r) {
  T c;
  r.username("seller", c.seller);
  r.auction_id("auction_id", c.auction_id);
  return c;
}

// links_from and links, where a push or a result carries them: absent, from the start and none.
template <class Reader, class T>
void read_links_from(Reader& r, T& c) {
  // A chain has at most one link per buyer (each withdraws one at least).
  if (r.has("links_from")) {
    r.uint64("links_from", c.links_from, 0, auction::limits::buyers_per_auction_max);
  }
  if (r.has("links")) r.chain_links("links", c.links);
  if (r.ok() && c.links_from + c.links.size() > auction::limits::buyers_per_auction_max) {
    r.reject(Error{code::invalid_argument,
                   "links: a chain holds at most " +
                       std::to_string(auction::limits::buyers_per_auction_max) + " links"});
  }
}

template <class Reader>
Command decode_update_auction(Reader& r) {
  UpdateAuction c;
  r.username("seller", c.seller);
  r.auction_id("auction_id", c.auction_id);
  r.uint64("round_id", c.round_id, 0, UINT64_MAX);
  r.cents("current_price", c.current_price, Cents{0});
  read_links_from(r, c);
  return c;
}

template <class Reader>
Command decode_finish_auction(Reader& r) {
  FinishAuction c;
  r.username("seller", c.seller);
  r.auction_id("auction_id", c.auction_id);
  r.optional_username("winner", c.winner);
  r.cents("price", c.price, Cents{0});
  r.uint64("round_id", c.round_id, 0, UINT64_MAX);
  read_links_from(r, c);
  // Absent here means unsealed: the leader's chain check refuses such a result.
  if (r.has("chain_head")) r.hex("chain_head", c.chain_head, sha256_hex_digits);
  if (r.has("signature")) r.hex("signature", c.signature, signature_hex_digits);
  return c;
}

Command decode_fetch_auctions(FieldReader& r) {
  FetchAuctions c;
  c.limit = limits::fetch_page_max;
  r.username("username", c.username);
  if (r.has("after_id")) {
    std::uint64_t after = 0;
    r.uint64("after_id", after, 0, UINT64_MAX);
    c.after_id = AuctionId{after};
  }
  if (r.has("limit")) r.uint64("limit", c.limit, 1, limits::fetch_page_max);
  if (r.has("mine")) r.boolean("mine", c.mine);
  return c;
}

Command decode_fetch_buyers(FieldReader& r) {
  FetchBuyers c;
  c.limit = limits::buyers_page_max;
  r.username("username", c.username);
  r.auction_id("auction_id", c.auction_id);
  if (r.has("after")) r.username("after", c.after);
  if (r.has("limit")) r.uint64("limit", c.limit, 1, limits::buyers_page_max);
  return c;
}

Command decode_watch(FieldReader& r) {
  Watch c;
  c.limit = limits::watch_page_max;
  r.username("username", c.username);
  if (r.has("after")) {
    std::uint64_t after = 0;
    r.uint64("after", after, 0, UINT64_MAX);
    c.after = after;
  }
  if (r.has("limit")) r.uint64("limit", c.limit, 1, limits::watch_page_max);
  if (r.has("wait_ms")) r.uint64("wait_ms", c.wait_ms, 0, limits::watch_wait_ms_max);
  return c;
}

Command decode_fetch_links(FieldReader& r) {
  FetchLinks c;
  c.limit = limits::link_withdrawals_page_max;
  r.username("username", c.username);
  r.auction_id("auction_id", c.auction_id);
  if (r.has("from")) r.uint64("from", c.from, 0, auction::limits::buyers_per_auction_max);
  if (r.has("limit")) r.uint64("limit", c.limit, 1, limits::link_withdrawals_page_max);
  return c;
}

// The ops, in the order of Command's alternatives. A write's index here is its op code in
// the log's binary form (entry_codec.hpp): new ops go at the end, and none moves.
struct OpEntry {
  std::string_view name;
  bool is_read;
  Command (*decode)(FieldReader&);
  Command (*decode_entry)(EntryReader&);  // writes only: reads are never in the binary form
};

constexpr std::array<OpEntry, 15> ops{{
    {"login", false, decode_login, decode_login},
    {"get_user_address", true, decode_get_user_address, nullptr},
    {"create_auction", false, decode_create_auction, decode_create_auction},
    {"join_auction", false, decode_user_and_auction<JoinAuction>,
     decode_user_and_auction<JoinAuction>},
    {"quit_auction", false, decode_user_and_auction<QuitAuction>,
     decode_user_and_auction<QuitAuction>},
    {"start_auction", false, decode_seller_and_auction<StartAuction>,
     decode_seller_and_auction<StartAuction>},
    {"update_auction", false, decode_update_auction, decode_update_auction},
    {"finish_auction", false, decode_finish_auction, decode_finish_auction},
    {"cancel_auction", false, decode_seller_and_auction<CancelAuction>,
     decode_seller_and_auction<CancelAuction>},
    {"fetch_auctions", true, decode_fetch_auctions, nullptr},
    {"rotate_key", false, decode_rotate_key, decode_rotate_key},
    {"get_transcript", true, decode_user_and_auction<GetTranscript>, nullptr},
    {"fetch_buyers", true, decode_fetch_buyers, nullptr},
    {"fetch_links", true, decode_fetch_links, nullptr},
    {"watch", true, decode_watch, nullptr},
}};
static_assert(ops.size() == std::variant_size_v<Command>, "one op per command, in order");

const OpEntry* find_op(std::string_view op) {
  for (const auto& entry : ops) {
    if (entry.name == op) return &entry;
  }
  return nullptr;
}

}  // namespace

json encode_fields(const Command& command) {
  return std::visit(
      Overloaded{
          [](const Login& c) -> json {
            return {{"username", c.username}, {"address", c.address}, {"public_key", c.public_key}};
          },
          [](const GetUserAddress& c) -> json {
            return {{"username", c.username}};
          },
          [](const CreateAuction& c) -> json {
            json out = {{"seller", c.seller},
                        {"auction_name", c.auction_name},
                        {"item_name", c.item_name},
                        {"item_description", c.item_description},
                        {"base_price", c.base_price.value},
                        {"increment", c.increment.value},
                        {"period_ms", c.period_ms}};
            write_sale_terms(out, c.terms);
            return out;
          },
          [](const JoinAuction& c) -> json {
            return {{"username", c.username}, {"auction_id", c.auction_id.value}};
          },
          [](const QuitAuction& c) -> json {
            return {{"username", c.username}, {"auction_id", c.auction_id.value}};
          },
          [](const StartAuction& c) -> json {
            return {{"seller", c.seller}, {"auction_id", c.auction_id.value}};
          },
          [](const UpdateAuction& c) -> json {
            return {{"seller", c.seller},         {"auction_id", c.auction_id.value},
                    {"round_id", c.round_id},     {"current_price", c.current_price.value},
                    {"links_from", c.links_from}, {"links", c.links}};
          },
          [](const FinishAuction& c) -> json {
            json fields = {{"seller", c.seller},
                           {"auction_id", c.auction_id.value},
                           {"winner", c.winner ? json(*c.winner) : json(nullptr)},
                           {"price", c.price.value},
                           {"round_id", c.round_id},
                           {"links_from", c.links_from},
                           {"links", c.links}};
            if (!c.chain_head.empty()) fields["chain_head"] = c.chain_head;
            if (!c.signature.empty()) fields["signature"] = c.signature;
            return fields;
          },
          [](const CancelAuction& c) -> json {
            return {{"seller", c.seller}, {"auction_id", c.auction_id.value}};
          },
          [](const FetchAuctions& c) -> json {
            json fields = {
                {"username", c.username}, {"after_id", c.after_id.value}, {"limit", c.limit}};
            if (c.mine) fields["mine"] = true;
            return fields;
          },
          [](const RotateKey& c) -> json {
            return {{"username", c.username}, {"public_key", c.public_key}, {"proof", c.proof}};
          },
          [](const GetTranscript& c) -> json {
            return {{"username", c.username}, {"auction_id", c.auction_id.value}};
          },
          [](const FetchBuyers& c) -> json {
            json fields = {
                {"username", c.username}, {"auction_id", c.auction_id.value}, {"limit", c.limit}};
            if (!c.after.empty()) fields["after"] = c.after;
            return fields;
          },
          [](const FetchLinks& c) -> json {
            return {{"username", c.username},
                    {"auction_id", c.auction_id.value},
                    {"from", c.from},
                    {"limit", c.limit}};
          },
          [](const Watch& c) -> json {
            json fields = {{"username", c.username}, {"limit", c.limit}, {"wait_ms", c.wait_ms}};
            if (c.after) fields["after"] = *c.after;
            return fields;
          },
      },
      command);
}

std::optional<std::string_view> acting_user(const Command& command) {
  return std::visit(
      Overloaded{
          [](const GetUserAddress&) -> std::optional<std::string_view> { return std::nullopt; },
          [](const auto& c) -> std::optional<std::string_view> {
            if constexpr (requires { c.seller; }) {
              return std::string_view(c.seller);
            } else {
              return std::string_view(c.username);
            }
          },
      },
      command);
}

std::string_view op_name(const Command& command) { return ops[command.index()].name; }

bool is_read(std::string_view op) {
  const auto* entry = find_op(op);
  return entry != nullptr && entry->is_read;
}

bool is_write(std::string_view op) {
  const auto* entry = find_op(op);
  return entry != nullptr && !entry->is_read;
}

Result<Request> decode_request(const json& request) {
  FieldReader r(request);
  std::string op;
  r.text("op", op, 1, 64);
  if (!r.ok()) return std::unexpected(r.finish().error());
  const OpEntry* entry = find_op(op);
  if (entry == nullptr) return fail(code::unknown_op, "unknown op '" + op + "'");

  Request out{entry->decode(r), std::nullopt};
  if (r.has("client_id") || r.has("seq")) {
    SessionTag tag;
    r.client_id("client_id", tag.client_id);
    r.uint64("seq", tag.seq, 1, UINT64_MAX);
    out.session = std::move(tag);
  }
  if (auto done = r.finish(); !done) return std::unexpected(done.error());
  return out;
}

Result<Request> decode_entry_request(EntryReader& r) {
  const auto code = r.byte();
  if (!code) return fail(code::bad_request, "the entry holds no op");
  if (*code >= ops.size() || ops[*code].decode_entry == nullptr) {
    return fail(code::bad_request, "no write has op code " + std::to_string(*code));
  }
  Request out{ops[*code].decode_entry(r), std::nullopt};
  if (r.has("client_id")) {
    SessionTag tag;
    r.client_id("client_id", tag.client_id);
    r.uint64("seq", tag.seq, 1, UINT64_MAX);
    out.session = std::move(tag);
  }
  if (auto done = r.finish(); !done) return std::unexpected(done.error());
  return out;
}

Result<void> check_new_request(const Command& command) {
  const auto* create = std::get_if<CreateAuction>(&command);
  if (create == nullptr) return {};  // the other ops carry no free text
  for (const auto& [field, text] : {std::pair{"auction_name", &create->auction_name},
                                    std::pair{"item_name", &create->item_name},
                                    std::pair{"item_description", &create->item_description}}) {
    if (auto checked = check_free_text(field, *text); !checked) return checked;
  }
  return {};
}

namespace {

// A log entry of a version whose pushes listed every buyer's status (parse_request()).
void drop_legacy_buyers(json& entry) {
  if (!entry.is_object() || entry.contains("links_from") || !entry.contains("buyers")) return;
  const auto op = entry.find("op");
  if (op == entry.end() || !op->is_string()) return;
  if (*op == "update_auction" || *op == "finish_auction") entry.erase("buyers");
}

}  // namespace

Result<Request> parse_request(std::string_view bytes) {
  // The one place where a peer's bytes meet the JSON parser: its exceptions stop here, and
  // the nesting is checked first so that no text can take the recursive parser too deep.
  if (!is_nesting_within(bytes, auction::limits::json_depth_max)) {
    return fail(code::bad_request,
                "nests deeper than " + std::to_string(auction::limits::json_depth_max));
  }
  json parsed = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return fail(code::bad_request, "not valid JSON");
  drop_legacy_buyers(parsed);
  return decode_request(parsed);
}

json encode(const Request& request) {
  json out = encode_fields(request.command);
  out["op"] = op_name(request.command);
  if (request.session) {
    out["client_id"] = request.session->client_id;
    out["seq"] = request.session->seq;
  }
  return out;
}

}  // namespace auction::platform

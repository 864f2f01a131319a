// The platform StateMachine (see auction/platform/state_machine.hpp).
//
// Every write's checks are its admit(), const: its on() runs them first and changes state
// only when nothing can fail any more, so a command either applies whole or not at all, and
// check() runs the very same admit() for the leader before it proposes. Checks run in one
// order for all ops: the acting user exists, the auction exists, ownership, stage, then the
// op's own rules.
#include "auction/platform/state_machine.hpp"

#include <algorithm>

#include <cstdint>
#include <cstdio>
#include <set>
#include <utility>

#include "auction/base/assert.hpp"
#include "auction/base/limits.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/platform/answers.hpp"
#include "auction/platform/entry_codec.hpp"
#include "auction/platform/limits.hpp"
#include "auction/platform/views.hpp"
#include "platform/answer_text.hpp"
#include "platform/entry_reader.hpp"
#include "platform/field_reader.hpp"

namespace auction::platform {

namespace {

using nlohmann::json;

// (A snapshot in the binary form starts with the version of its fields' form, 1 up to
// EntryReader::form_latest, which it is written in; a JSON snapshot starts with '{'.)

std::string id_text(AuctionId id) { return std::to_string(id.value); }

std::unexpected<Error> wrong_stage(const AuctionRecord& a, std::string_view needed) {
  return fail(code::wrong_stage, "auction " + id_text(a.id) + " is " +
                                     std::string(stage_name(a.stage)) + ", needs " +
                                     std::string(needed));
}

using PublicKeyBytes = std::array<std::uint8_t, 32>;

// The raw key of `hex`. Precondition: public_key_hex_digits lowercase hex digits (the codec
// and the snapshot reader check them).
PublicKeyBytes key_bytes(std::string_view hex) {
  const auto nibble = [](char c) {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  };
  PublicKeyBytes bytes{};
  AUCTION_ASSERT(hex.size() == 2 * bytes.size(), "a public key is 64 hex digits");
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return bytes;
}

std::string key_text(const PublicKeyBytes& bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * bytes.size());
  for (const std::uint8_t b : bytes) {
    text += hex[b >> 4];
    text += hex[b & 15];
  }
  return text;
}

// The joined buyers the links of `links` from index `start` on (the new ones) withdraw, as the
// platform reads them from the links: each must be a buyer of the auction, still active, and
// withdrawn once (a buyer who withdrew is out for good). The buyers' statuses are the chain's;
// no seller reports them. The names point into `links`.
Result<std::vector<std::string_view>> new_withdrawals(const AuctionRecord& a, const json& links,
                                                      std::size_t start) {
  std::vector<std::string_view> names;
  for (auto link = links.begin() + static_cast<std::ptrdiff_t>(start); link != links.end();
       ++link) {
    for (const auto& w : (*link)["withdrawn"]) {
      names.push_back(w["username"].get_ref<const std::string&>());
    }
  }
  std::set<std::string_view> seen;
  for (const std::string_view name : names) {
    const auto it = a.buyers.find(name);
    if (it == a.buyers.end()) {
      return fail(code::not_joined, "links: withdraw " + std::string(name) +
                                        ", who has not joined auction " + id_text(a.id));
    }
    if (!it->second || !seen.insert(name).second) {
      return fail(code::transcript_invalid,
                  "links: withdraw " + std::string(name) + " again (a buyer leaves once)");
    }
  }
  return names;
}

// A clock price never falls, and after `round` raises it is at most the price of round
// `round` (whether the clock counts its first round as 0 or 1).
Result<void> check_clock_price(const AuctionRecord& a, std::string_view field, Cents price,
                               std::uint64_t round) {
  const auto ceiling = a.price_schedule().price_at(round);
  if (!ceiling) return fail(code::invalid_argument, "round_id: " + ceiling.error().message);
  if (price < a.current_price) {
    return fail(code::invalid_argument, std::string(field) + ": below the current price " +
                                            std::to_string(a.current_price.value));
  }
  if (price > *ceiling) {
    return fail(code::invalid_argument, std::string(field) + ": above the price of round_id, " +
                                            std::to_string(ceiling->value));
  }
  return {};
}

// A seller's chain only grows. A push carries the links from index `from` on: they must agree
// with the links the platform holds where they overlap and leave no gap after them (the
// leader checked the new ones before proposing; chain_check.hpp). Returns the new links (as
// a slice: the index in `links` of the first link the platform lacks).
Result<std::size_t> new_links_start(const AuctionRecord& a, std::uint64_t from, const json& links) {
  const std::size_t held = a.links.size();
  if (from > held || from + links.size() < held) {
    return fail(code::transcript_invalid,
                "links: links " + std::to_string(from) + ".." +
                    std::to_string(from + links.size()) + " do not extend the " +
                    std::to_string(held) + " links the platform holds for auction " +
                    id_text(a.id) + " (links_from must be at most " + std::to_string(held) + ")");
  }
  const std::size_t overlap = held - from;
  const bool agrees = std::equal(
      links.begin(), links.begin() + static_cast<std::ptrdiff_t>(overlap),
      a.links.begin() + static_cast<std::ptrdiff_t>(from),
      [](const json& pushed, const std::string& stored) { return link_text(pushed) == stored; });
  if (!agrees) {
    return fail(code::transcript_invalid,
                "links: differ from the links the platform holds for "
                "auction " +
                    id_text(a.id) + " (a chain is never rewritten)");
  }
  return overlap;
}

// The seller, then every buyer.
std::vector<std::string> participants(const AuctionRecord& a) {
  std::vector<std::string> users{a.seller};
  for (const auto& [username, active] : a.buyers) users.push_back(username);
  return users;
}

// Appends the new links (admitted: new_links_start) and withdraws whom they withdraw.
void apply_new_links(AuctionRecord& a, const json& links, std::size_t start) {
  for (auto it = links.begin() + static_cast<std::ptrdiff_t>(start); it != links.end(); ++it) {
    a.links.push_back(link_text(*it));
    for (const auto& w : (*it)["withdrawn"]) {
      a.buyers.find(w["username"].get_ref<const std::string&>())->second = false;
    }
  }
}

}  // namespace

void StateMachine::begin_entry(raft::LogIndex index) {
  AUCTION_ASSERT(index > applied_index_, "apply() out of log order");
  applied_index_ = index;
  last_event_.reset();
}

WatchEvent& StateMachine::record_event(WatchEventKind kind) {
  WatchEvent& event = last_event_.emplace();
  event.revision = applied_index_.value;
  event.kind = kind;
  return event;
}

WatchEvent& StateMachine::record_event(WatchEventKind kind, const AuctionRecord& a) {
  WatchEvent& event = record_event(kind);
  event.auction_id = a.id;
  if (kind != WatchEventKind::auction_created && kind != WatchEventKind::auction_cancelled) {
    event.progress = progress_of(a);
  }
  return event;
}

std::optional<WatchEvent> StateMachine::as_seen_by(const WatchEvent& event,
                                                   std::string_view watcher) const {
  if (event.kind == WatchEventKind::user_logged_in) {
    // Its own: another program that logged in with its key takes its peers over.
    if (!event.username ||
        (*event.username != watcher && !is_counterpart(watcher, *event.username))) {
      return std::nullopt;
    }
    return event;
  }
  const AuctionRecord* a = event.auction_id ? auction(*event.auction_id) : nullptr;
  if (a == nullptr) return std::nullopt;  // never: auctions are never removed
  const Role role = role_of(*a, watcher);
  if (role != Role::none) {
    WatchEvent seen = event;
    seen.role = role;
    return seen;
  }
  const bool is_own_quit = event.kind == WatchEventKind::buyer_left && event.username == watcher;
  const bool is_participants_only = event.kind == WatchEventKind::buyer_joined ||
                                    event.kind == WatchEventKind::buyer_left ||
                                    event.kind == WatchEventKind::round_pushed;
  if (is_participants_only && !is_own_quit) return std::nullopt;
  WatchEvent seen = event;
  seen.progress.reset();
  seen.role = Role::none;
  return seen;
}

bool StateMachine::is_counterpart(std::string_view a, std::string_view b) const {
  const auto first = users_.find(a);
  const auto second = users_.find(b);
  if (first == users_.end() || second == users_.end()) return false;
  // The shorter list, each looked up in the longer: as cheap as the shorter list allows.
  const std::vector<AuctionId>* few = &first->second.auctions;
  const std::vector<AuctionId>* many = &second->second.auctions;
  if (few->size() > many->size()) std::swap(few, many);
  for (const AuctionId id : *few) {
    if (!std::binary_search(many->begin(), many->end(), id)) continue;
    const AuctionRecord& shared = auctions_.find(id)->second;
    const bool is_running = shared.stage == Stage::created || shared.stage == Stage::started;
    // Both take part; one of them sells it (two of its buyers are no counterparts).
    if (is_running && (shared.seller == a || shared.seller == b)) return true;
  }
  return false;
}

std::string StateMachine::apply(raft::LogIndex index, std::string_view command) {
  Result<Request> request = decode_entry(command);
  if (request) return apply(index, *request);
  // A log entry this replica cannot decode was proposed by a replica with other rules: a
  // deployment bug, answered as an error on every replica alike rather than crashing all.
  begin_entry(index);
  return answer_text(std::unexpected(request.error()));
}

std::string StateMachine::apply(raft::LogIndex index, const Request& request) {
  begin_entry(index);
  if (is_read(op_name(request.command))) return answer_text(read(request.command));
  if (!request.session) return answer_text(execute(request.command));

  // Every write acts for a user (acting_user()), whose session this is.
  const std::string_view user = acting_user(request.command).value_or("");
  auto saved = sessions_.begin(user, *request.session, index);
  if (!saved) return answer_text(std::unexpected(saved.error()));
  if (*saved) return std::move(**saved);
  std::string out = answer_text(execute(request.command));
  sessions_.record(user, *request.session, out, index);
  return out;
}

Result<json> StateMachine::query(const json& request) const {
  auto decoded = decode_request(request);
  if (!decoded) return std::unexpected(decoded.error());
  if (!is_read(op_name(decoded->command))) {
    return fail(code::bad_request, std::string(op_name(decoded->command)) + " is not a read");
  }
  return read(decoded->command);
}

Result<std::string> StateMachine::query_text(const Command& command) const {
  const auto* fetch = std::get_if<FetchAuctions>(&command);
  if (fetch == nullptr) {
    if (!is_read(op_name(command))) {
      return fail(code::bad_request, std::string(op_name(command)) + " is not a read");
    }
    auto result = read(command);
    if (!result) return std::unexpected(result.error());
    return result->dump();
  }
  // As on(FetchAuctions) dumped.
  if (auto user = require_user(fetch->username); !user) return std::unexpected(user.error());
  AuctionPageText text;
  const bool more = visit_page(*fetch, [&](const AuctionRecord& a) {
    text.add_view(views_.text(a, role_of(a, fetch->username)));
  });
  return std::move(text).finish(more);
}

template <class Visit>
bool StateMachine::visit_page(const FetchAuctions& c, Visit visit) const {
  std::uint64_t count = 0;
  if (!c.mine) {
    auto it = auctions_.upper_bound(c.after_id);
    for (; it != auctions_.end() && count < c.limit; ++it, ++count) visit(it->second);
    return it != auctions_.end();
  }
  const std::vector<AuctionId>& ids = users_.find(c.username)->second.auctions;
  auto it = std::upper_bound(ids.begin(), ids.end(), c.after_id);
  for (; it != ids.end() && count < c.limit; ++it, ++count) visit(auctions_.find(*it)->second);
  return it != ids.end();
}

Result<json> StateMachine::execute(const Command& command) {
  return std::visit(
      [this](const auto& c) -> Result<json> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (is_read_command<T>) {
          return read(c);
        } else {
          return on(c);
        }
      },
      command);
}

Result<json> StateMachine::read(const Command& command) const {
  if (const auto* c = std::get_if<GetUserAddress>(&command)) return on(*c);
  if (const auto* c = std::get_if<FetchAuctions>(&command)) return on(*c);
  if (const auto* c = std::get_if<GetTranscript>(&command)) return on(*c);
  if (const auto* c = std::get_if<FetchBuyers>(&command)) return on(*c);
  if (const auto* c = std::get_if<FetchLinks>(&command)) return on(*c);
  if (std::holds_alternative<Watch>(command)) {
    return fail(code::bad_request, "watch is served by a replica from its recent events");
  }
  AUCTION_ASSERT(false, "read() of a mutating command");
  return fail(code::bad_request, "not a read");
}

Result<void> StateMachine::require_user(std::string_view username) const {
  if (!users_.contains(username)) {
    return fail(code::unknown_user, "no user named " + std::string(username));
  }
  return {};
}

Result<const AuctionRecord*> StateMachine::find_auction(AuctionId id) const {
  const auto it = auctions_.find(id);
  if (it == auctions_.end()) return fail(code::unknown_auction, "no auction " + id_text(id));
  return &it->second;
}

Result<const AuctionRecord*> StateMachine::owned_auction(std::string_view seller,
                                                         AuctionId id) const {
  if (auto user = require_user(seller); !user) return std::unexpected(user.error());
  auto found = find_auction(id);
  if (found && (*found)->seller != seller) {
    return fail(code::not_owner,
                std::string(seller) + " is not the seller of auction " + id_text(id));
  }
  return found;
}

Result<const AuctionRecord*> StateMachine::unstarted_auction(std::string_view username,
                                                             AuctionId id) const {
  if (auto user = require_user(username); !user) return std::unexpected(user.error());
  auto found = find_auction(id);
  if (found && (*found)->stage != Stage::created) return wrong_stage(**found, "created");
  return found;
}

Result<const AuctionRecord*> StateMachine::participated_auction(std::string_view username,
                                                                AuctionId id) const {
  if (auto user = require_user(username); !user) return std::unexpected(user.error());
  auto found = find_auction(id);
  if (found && (*found)->seller != username && !(*found)->has_buyer(username)) {
    return fail(code::not_joined, std::string(username) + " takes no part in auction " +
                                      id_text(id) + ": only its seller and its buyers see it");
  }
  return found;
}

void StateMachine::add_participation(std::string_view username, AuctionId id) {
  std::vector<AuctionId>& ids = users_.find(username)->second.auctions;
  ids.insert(std::upper_bound(ids.begin(), ids.end(), id), id);
}

void StateMachine::remove_participation(std::string_view username, AuctionId id) {
  std::vector<AuctionId>& ids = users_.find(username)->second.auctions;
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it != ids.end() && *it == id) ids.erase(it);
}

AuctionRecord& StateMachine::edit(const AuctionRecord& admitted) {
  views_.forget(admitted.id);
  return auctions_.find(admitted.id)->second;
}

Result<void> StateMachine::check(const Request& request) const {
  if (is_read(op_name(request.command))) return {};
  if (request.session) {
    auto verdict = sessions_.judge(acting_user(request.command).value_or(""), *request.session);
    if (!verdict) return std::unexpected(verdict.error());
    // A retry of the last applied seq gets its saved answer, whatever the state says now.
    if (*verdict == SessionTable::Verdict::replay) return {};
  }
  auto admitted = admit_command(request.command);
  if (!admitted) return std::unexpected(admitted.error());
  return {};
}

Result<StateMachine::Admitted> StateMachine::admit_command(const Command& command) const {
  return std::visit(
      [this](const auto& c) -> Result<Admitted> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (is_read_command<T>) {
          return Admitted{};
        } else {
          return admit(c);
        }
      },
      command);
}

Result<StateMachine::Admitted> StateMachine::admit(const Login& c) const {
  const auto user = users_.find(c.username);
  if (user == users_.end()) {
    if (users_.size() >= capacity_.users_max) {
      return fail(code::limit_exceeded, "the platform has the maximum of " +
                                            std::to_string(capacity_.users_max) + " users");
    }
  } else if (user->second.public_key != key_bytes(c.public_key)) {
    return fail(code::name_taken,
                "the name " + c.username + " belongs to another key; choose another name");
  }
  return Admitted{};
}

Result<json> StateMachine::on(const Login& c) {
  if (auto ok = admit(c); !ok) return std::unexpected(ok.error());
  auto [user, created] = users_.try_emplace(c.username);
  user->second.address = c.address;
  user->second.public_key = key_bytes(c.public_key);
  WatchEvent& event = record_event(WatchEventKind::user_logged_in);
  event.username = c.username;
  event.address = c.address;
  return encode_answer(LoggedIn{c.username, c.address, created});
}

Result<StateMachine::Admitted> StateMachine::admit(const RotateKey& c) const {
  if (auto user = require_user(c.username); !user) return std::unexpected(user.error());
  return Admitted{};
}

Result<json> StateMachine::on(const RotateKey& c) {
  if (auto ok = admit(c); !ok) return std::unexpected(ok.error());
  users_.find(c.username)->second.public_key = key_bytes(c.public_key);
  return encode_answer(RotatedKey{c.username, c.public_key});
}

const AuctionRecord* StateMachine::auction(AuctionId id) const {
  const auto it = auctions_.find(id);
  return it == auctions_.end() ? nullptr : &it->second;
}

std::optional<std::string> StateMachine::public_key(std::string_view username) const {
  const auto it = users_.find(username);
  if (it == users_.end()) return std::nullopt;
  return key_text(it->second.public_key);
}

Result<StateMachine::Admitted> StateMachine::admit(const CreateAuction& c) const {
  if (auto user = require_user(c.seller); !user) return std::unexpected(user.error());
  if (auctions_.size() >= capacity_.auctions_max) {
    return fail(code::limit_exceeded, "the platform has the maximum of " +
                                          std::to_string(capacity_.auctions_max) + " auctions");
  }
  return Admitted{};
}

Result<json> StateMachine::on(const CreateAuction& c) {
  if (auto ok = admit(c); !ok) return std::unexpected(ok.error());
  const AuctionId id = next_auction_id_;
  next_auction_id_ = AuctionId{id.value + 1};
  AuctionRecord record;
  record.id = id;
  record.seller = c.seller;
  record.auction_name = c.auction_name;
  record.item_name = c.item_name;
  record.item_description = c.item_description;
  record.base_price = c.base_price;
  record.increment = c.increment;
  record.period_ms = c.period_ms;
  record.terms = c.terms;
  record.current_price = c.base_price;
  const AuctionRecord& created = auctions_.emplace(id, std::move(record)).first->second;
  add_participation(c.seller, id);
  record_event(WatchEventKind::auction_created, created).auction = view_of(created, Role::none);
  return encode_answer(CreatedAuction{id});
}

Result<StateMachine::Admitted> StateMachine::admit(const JoinAuction& c) const {
  auto found = unstarted_auction(c.username, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  if (a.seller == c.username) {
    return fail(code::invalid_argument, "username: a seller cannot join its own auction");
  }
  // Joining twice is a success that changes nothing, so a retry without a session is safe.
  const bool already_joined = a.has_buyer(c.username);
  if (!already_joined && a.buyers.size() >= auction::limits::buyers_per_auction_max) {
    return fail(code::limit_exceeded, "auction " + id_text(a.id) + " has the maximum of " +
                                          std::to_string(auction::limits::buyers_per_auction_max) +
                                          " buyers");
  }
  return Admitted{&a, !already_joined};
}

Result<json> StateMachine::on(const JoinAuction& c) {
  auto admitted = admit(c);
  if (!admitted) return std::unexpected(admitted.error());
  const AuctionId id = admitted->auction->id;
  if (!admitted->changes) return encode_answer(JoinedAuction{id, true});
  AuctionRecord& a = edit(*admitted->auction);
  a.buyers.emplace(c.username, true);
  add_participation(c.username, id);
  record_event(WatchEventKind::buyer_joined, a).username = c.username;
  return encode_answer(JoinedAuction{id, false});
}

Result<StateMachine::Admitted> StateMachine::admit(const QuitAuction& c) const {
  auto found = unstarted_auction(c.username, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  if (!a.has_buyer(c.username)) {
    return fail(code::not_joined, c.username + " has not joined auction " + id_text(a.id));
  }
  return Admitted{&a, true};
}

Result<json> StateMachine::on(const QuitAuction& c) {
  auto admitted = admit(c);
  if (!admitted) return std::unexpected(admitted.error());
  AuctionRecord& a = edit(*admitted->auction);
  a.buyers.erase(c.username);
  remove_participation(c.username, a.id);
  record_event(WatchEventKind::buyer_left, a).username = c.username;
  return encode_answer(LeftAuction{a.id});
}

Result<StateMachine::Admitted> StateMachine::admit(const StartAuction& c) const {
  auto found = owned_auction(c.seller, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  if (a.stage != Stage::created) return wrong_stage(a, "created");
  if (a.buyers.empty()) return fail(code::no_buyers, "auction " + id_text(a.id) + " has no buyers");
  return Admitted{&a, true};
}

Result<json> StateMachine::on(const StartAuction& c) {
  auto admitted = admit(c);
  if (!admitted) return std::unexpected(admitted.error());
  AuctionRecord& a = edit(*admitted->auction);
  a.stage = Stage::started;
  // The keys its transcript is checked against, from now on (auction_record.hpp).
  a.keys.clear();
  for (const std::string& user : participants(a)) {
    if (const auto found = users_.find(user); found != users_.end()) {
      a.keys.emplace(user, key_text(found->second.public_key));
    }
  }
  record_event(WatchEventKind::auction_started, a);
  return encode_answer(StartedAuction{view_of(a, Role::seller)});
}

Result<StateMachine::Admitted> StateMachine::admit(const UpdateAuction& c) const {
  auto found = owned_auction(c.seller, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  if (a.stage != Stage::started) return wrong_stage(a, "started");
  // Round ids are the seller's logical clock: an older push was overtaken by a newer one
  // and is ignored, never applied (nor is it an error: it is simply late).
  if (c.round_id < a.round_id) return Admitted{&a, false};
  if (auto ok = check_clock_price(a, "current_price", c.current_price, c.round_id); !ok) {
    return std::unexpected(ok.error());
  }
  auto start = new_links_start(a, c.links_from, c.links);
  if (!start) return std::unexpected(start.error());
  if (auto ok = new_withdrawals(a, c.links, *start); !ok) {
    return std::unexpected(ok.error());
  }
  return Admitted{&a, true, *start};
}

Result<json> StateMachine::on(const UpdateAuction& c) {
  auto admitted = admit(c);
  if (!admitted) return std::unexpected(admitted.error());
  const AuctionRecord& stored = *admitted->auction;
  if (!admitted->changes) {
    return encode_answer(
        UpdatedAuction{false, stored.round_id, stored.current_price, stored.links.size()});
  }
  AuctionRecord& a = edit(stored);
  a.round_id = c.round_id;
  a.current_price = c.current_price;
  apply_new_links(a, c.links, admitted->new_links_start);
  record_event(WatchEventKind::round_pushed, a);
  return encode_answer(UpdatedAuction{true, a.round_id, a.current_price, a.links.size()});
}

Result<StateMachine::Admitted> StateMachine::admit(const FinishAuction& c) const {
  auto found = owned_auction(c.seller, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  // Idempotent: a seller delivers its journaled result until acknowledged, so a repeat
  // succeeds; a finished auction never changes again, so the stored outcome is answered.
  if (a.stage == Stage::finished) return Admitted{&a, false};
  if (a.stage != Stage::started) return wrong_stage(a, "started");
  if (c.round_id < a.round_id) {
    return fail(code::invalid_argument,
                "round_id: older than the last reported round " + std::to_string(a.round_id));
  }
  auto start = new_links_start(a, c.links_from, c.links);
  if (!start) return std::unexpected(start.error());
  auto withdrawn = new_withdrawals(a, c.links, *start);
  if (!withdrawn) return std::unexpected(withdrawn.error());
  if (c.winner) {
    const auto winner = a.buyers.find(*c.winner);
    if (winner == a.buyers.end()) {
      return fail(code::not_joined,
                  "winner: " + *c.winner + " has not joined auction " + id_text(a.id));
    }
    const bool leaves = std::find(withdrawn->begin(), withdrawn->end(),
                                  std::string_view(*c.winner)) != withdrawn->end();
    if (!winner->second || leaves) {
      return fail(code::invalid_argument,
                  "winner: " + *c.winner + " is not active (the chain withdraws it)");
    }
  }
  if (auto ok = check_clock_price(a, "price", c.price, c.round_id); !ok) {
    return std::unexpected(ok.error());
  }
  return Admitted{&a, true, *start};
}

Result<json> StateMachine::on(const FinishAuction& c) {
  auto admitted = admit(c);
  if (!admitted) return std::unexpected(admitted.error());
  const auto outcome = [](const AuctionRecord& a, bool applied) {
    return encode_answer(FinishedAuction{applied, a.winner, a.current_price, a.round_id});
  };
  if (!admitted->changes) return outcome(*admitted->auction, false);
  AuctionRecord& a = edit(*admitted->auction);
  a.stage = Stage::finished;
  a.round_id = c.round_id;
  a.current_price = c.price;
  a.winner = c.winner;
  apply_new_links(a, c.links, admitted->new_links_start);
  a.chain_head = c.chain_head;
  a.signature = c.signature;
  record_event(WatchEventKind::auction_finished, a).outcome = outcome_of(a);
  return outcome(a, true);
}

Result<StateMachine::Admitted> StateMachine::admit(const CancelAuction& c) const {
  auto found = owned_auction(c.seller, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  if (a.stage != Stage::created) return wrong_stage(a, "created");
  return Admitted{&a, true};
}

Result<json> StateMachine::on(const CancelAuction& c) {
  auto admitted = admit(c);
  if (!admitted) return std::unexpected(admitted.error());
  AuctionRecord& a = edit(*admitted->auction);
  a.stage = Stage::cancelled;
  record_event(WatchEventKind::auction_cancelled, a);
  return encode_answer(CancelledAuction{a.id, a.stage});
}

Result<json> StateMachine::on(const GetTranscript& c) const {
  auto found = participated_auction(c.username, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  if (a.stage != Stage::started && a.stage != Stage::finished) {
    return wrong_stage(a, "started or finished");
  }
  const auto key = a.keys.find(a.seller);
  TranscriptSummary t;
  t.auction_id = a.id;
  t.seller = a.seller;
  t.seller_key = key == a.keys.end() ? std::string() : key->second;
  t.base_price = a.base_price;
  t.increment = a.increment;
  t.terms = terms_as_seen_by(a, role_of(a, c.username));
  t.stage = a.stage;
  t.buyer_count = a.buyers.size();
  t.link_count = a.links.size();
  t.round_id = a.round_id;
  t.price = a.current_price;
  t.winner = a.winner;
  t.chain_head = a.chain_head;
  t.signature = a.signature;
  return encode_answer(t);
}

Result<json> StateMachine::on(const FetchBuyers& c) const {
  auto found = participated_auction(c.username, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  const bool is_seller = a.seller == c.username;
  BuyerPage page;
  page.auction_id = a.id;
  auto it = c.after.empty() ? a.buyers.begin() : a.buyers.upper_bound(c.after);
  for (; it != a.buyers.end() && page.buyers.size() < c.limit; ++it) {
    BuyerView& b = page.buyers.emplace_back(BuyerView{it->first, it->second, {}, {}});
    if (is_seller) b.address = users_.find(it->first)->second.address;
    if (const auto key = a.keys.find(it->first); key != a.keys.end()) b.public_key = key->second;
  }
  page.more = it != a.buyers.end();
  return encode_answer(std::move(page));
}

Result<json> StateMachine::on(const FetchLinks& c) const {
  auto found = participated_auction(c.username, c.auction_id);
  if (!found) return std::unexpected(found.error());
  const AuctionRecord& a = **found;
  if (a.stage != Stage::started && a.stage != Stage::finished) {
    return wrong_stage(a, "started or finished");
  }
  if (c.from > a.links.size()) {
    return fail(code::invalid_argument, "from: auction " + id_text(a.id) + " holds " +
                                            std::to_string(a.links.size()) + " links");
  }
  LinkPage page;
  page.auction_id = a.id;
  page.from = c.from;
  // At least one link, however many it withdraws: every link came in one entry, so it fits
  // one answer (limits.hpp).
  std::size_t withdrawals = 0;
  std::size_t i = c.from;
  for (; i < a.links.size(); ++i) {
    json link = link_json(a.links[i]);
    const std::size_t count = link["withdrawn"].size();
    if (i > c.from && withdrawals + count > c.limit) break;
    withdrawals += count;
    page.links.push_back(std::move(link));
  }
  page.more = i < a.links.size();
  return encode_answer(std::move(page));
}

Result<json> StateMachine::on(const GetUserAddress& c) const {
  const auto it = users_.find(c.username);
  if (it == users_.end()) return fail(code::unknown_user, "no user named " + c.username);
  return encode_answer(UserAddress{it->first, it->second.address, key_text(it->second.public_key)});
}

Result<json> StateMachine::on(const FetchAuctions& c) const {
  if (auto user = require_user(c.username); !user) return std::unexpected(user.error());
  AuctionPage page;
  page.more = visit_page(c, [&](const AuctionRecord& a) {
    page.auctions.push_back(view_of(a, role_of(a, c.username)));
  });
  return encode_answer(std::move(page));
}

json StateMachine::snapshot() const {
  json users = json::array();
  for (const auto& [username, user] : users_) {
    users.push_back({{"username", username},
                     {"address", user.address},
                     {"public_key", key_text(user.public_key)}});
  }
  json auctions = json::array();
  for (const auto& [id, record] : auctions_) auctions.push_back(to_snapshot(record));
  return {{"format", 1},
          {"applied_index", applied_index_.value},
          {"next_auction_id", next_auction_id_.value},
          {"users", std::move(users)},
          {"auctions", std::move(auctions)},
          {"sessions", sessions_.snapshot()}};
}

Result<StateMachine> StateMachine::restore(const json& snapshot, Capacity capacity) {
  FieldReader f(snapshot);
  std::uint64_t format = 0;
  std::uint64_t applied = 0;
  std::uint64_t next_id = 0;
  f.uint64("format", format, 1, 1);
  f.uint64("applied_index", applied, 0, UINT64_MAX);
  f.uint64("next_auction_id", next_id, 1, UINT64_MAX);
  const json* users = f.raw("users");
  const json* auctions = f.raw("auctions");
  const json* sessions = f.raw("sessions");
  if (auto done = f.finish(); !done) return fail(code::bad_snapshot, done.error().message);

  StateMachine sm(capacity);
  sm.applied_index_ = raft::LogIndex{applied};
  sm.next_auction_id_ = AuctionId{next_id};

  if (!users->is_array() || users->size() > capacity.users_max) {
    return fail(code::bad_snapshot,
                "users: must be an array of at most " + std::to_string(capacity.users_max));
  }
  for (const auto& item : *users) {
    FieldReader u(item);
    std::string username;
    std::string address;
    std::string key;
    u.username("username", username);
    u.address("address", address);
    u.hex("public_key", key, public_key_hex_digits);
    if (auto done = u.finish(); !done) {
      return fail(code::bad_snapshot, "users[]: " + done.error().message);
    }
    if (auto added = sm.add_restored_user(std::move(username), std::move(address), key_bytes(key));
        !added) {
      return std::unexpected(added.error());
    }
  }

  if (!auctions->is_array() || auctions->size() > capacity.auctions_max) {
    return fail(code::bad_snapshot,
                "auctions: must be an array of at most " + std::to_string(capacity.auctions_max));
  }
  for (const auto& item : *auctions) {
    auto record = auction_record_from_snapshot(item);
    if (!record) return std::unexpected(record.error());
    if (auto added = sm.add_restored_auction(std::move(*record)); !added) {
      return std::unexpected(added.error());
    }
  }

  auto table = SessionTable::restore(*sessions, sm.applied_index_);
  if (!table) return std::unexpected(table.error());
  sm.sessions_ = std::move(*table);
  return sm;
}

Result<void> StateMachine::add_restored_user(std::string username, std::string address,
                                             const std::array<std::uint8_t, 32>& key) {
  // Users come in username order, so each is placed at the end in constant time.
  const std::size_t before = users_.size();
  users_.emplace_hint(users_.end(), username, UserRecord{std::move(address), key, {}});
  if (users_.size() == before) return fail(code::bad_snapshot, "users[]: " + username + " twice");
  return {};
}

Result<void> StateMachine::add_restored_auction(AuctionRecord record) {
  const std::string id = id_text(record.id);
  if (record.id >= next_auction_id_ ||
      (!auctions_.empty() && record.id <= auctions_.rbegin()->first)) {
    return fail(code::bad_snapshot,
                "auctions[]: id " + id + " out of order or not below next_auction_id");
  }
  if (!users_.contains(record.seller)) {
    return fail(code::bad_snapshot, "auctions[]: auction " + id + " has an unknown seller");
  }
  for (const auto& [buyer, active] : record.buyers) {
    if (!users_.contains(buyer)) {
      return fail(code::bad_snapshot,
                  "auctions[]: auction " + id + " has an unknown buyer " + buyer);
    }
  }
  // Ids come in order: every user's list of auctions is built by appending.
  users_.find(record.seller)->second.auctions.push_back(record.id);
  for (const auto& [buyer, active] : record.buyers) {
    users_.find(buyer)->second.auctions.push_back(record.id);
  }
  auctions_.emplace_hint(auctions_.end(), record.id, std::move(record));
  return {};
}

std::string StateMachine::snapshot_bytes() const {
  EntryWriter w;
  w.byte(EntryReader::form_latest);
  w.uint64(applied_index_.value);
  w.uint64(next_auction_id_.value);
  w.uint64(users_.size());
  for (const auto& [username, user] : users_) {
    w.text(username);
    w.text(user.address);
    w.raw(std::string_view(reinterpret_cast<const char*>(user.public_key.data()),
                           user.public_key.size()));
  }
  w.uint64(auctions_.size());
  for (const auto& [id, record] : auctions_) write_record(w, record);
  sessions_.snapshot_to(w);
  return w.take();
}

Result<StateMachine> StateMachine::restore_bytes(std::string_view bytes, Capacity capacity) {
  const std::uint8_t form = bytes.empty() ? 0 : static_cast<std::uint8_t>(bytes.front());
  if (form < 1 || form > EntryReader::form_latest) {
    // A snapshot taken before the binary form: JSON text. It holds the links of a chain a
    // few levels below its top, so it may nest that much deeper than a request.
    constexpr std::size_t snapshot_levels_max = 8;
    if (!is_nesting_within(bytes, auction::limits::json_depth_max + snapshot_levels_max)) {
      return fail(code::bad_snapshot, "the snapshot nests too deep");
    }
    auto json = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return fail(code::bad_snapshot, "the snapshot is not JSON");
    return restore(json, capacity);
  }
  EntryReader in(bytes.substr(1), form);
  const auto damaged = [&in](std::string_view part) {
    return fail(code::bad_snapshot, std::string(part) + in.finish().error().message);
  };
  std::uint64_t applied = 0;
  std::uint64_t next_id = 0;
  std::uint64_t count = 0;
  in.uint64("applied_index", applied, 0, UINT64_MAX);
  in.uint64("next_auction_id", next_id, 1, UINT64_MAX);
  in.uint64("users", count, 0, capacity.users_max);
  if (!in.ok()) return damaged("");
  StateMachine sm(capacity);
  sm.applied_index_ = raft::LogIndex{applied};
  sm.next_auction_id_ = AuctionId{next_id};
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string username;
    std::string address;
    in.username("username", username);
    in.address("address", address);
    const auto key = in.raw("public_key", 32);
    if (!in.ok()) return damaged("users[]: ");
    std::array<std::uint8_t, 32> raw_key{};
    std::copy(key->begin(), key->end(), reinterpret_cast<char*>(raw_key.data()));
    if (auto added = sm.add_restored_user(std::move(username), std::move(address), raw_key);
        !added) {
      return std::unexpected(added.error());
    }
  }
  in.uint64("auctions", count, 0, capacity.auctions_max);
  if (!in.ok()) return damaged("");
  for (std::uint64_t i = 0; i < count; ++i) {
    auto record = read_record(in);
    if (!record) return std::unexpected(record.error());
    if (auto added = sm.add_restored_auction(std::move(*record)); !added) {
      return std::unexpected(added.error());
    }
  }
  auto table = SessionTable::restore_from(in, sm.applied_index_);
  if (!table) return std::unexpected(table.error());
  sm.sessions_ = std::move(*table);
  if (auto done = in.finish(); !done) return damaged("");
  return sm;
}

std::string StateMachine::digest() const {
  // FNV-1a: simple, stable across platforms and versions; it detects divergence, it does
  // not defend against anyone forging a collision.
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : snapshot_bytes()) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace auction::platform

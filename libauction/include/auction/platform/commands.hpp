// The platform's typed commands and their JSON codec: the one codec of a request, used by
// the replica to decode and by platform::Client to encode (answers.hpp is the answers' one).
//
// A client sends one JSON object per request, {"op": ..., fields...} (the wire layer has
// already removed its "id"). The replica decodes it with decode_request() (which checks
// every field: types, character sets, lengths, ranges), writes encode(request) into the Raft
// log, and every replica decodes that entry again in StateMachine::apply(). Because the log
// holds the canonical encoding, decode(encode(r)) == r for every decodable r.
//
// Rules that need the state (does the user exist, who owns the auction) are the state
// machine's; this file checks only what a single request can show on its own.
//
// Pure: no I/O, no clock. Never throws: JSON parse failures become "bad_request".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/base/sale_terms.hpp"

namespace auction::platform {

// One joined buyer and whether it is still active, as a snapshot lists an auction's buyers.
// (Sellers report no statuses: the platform reads them from the chain's links.)
struct BuyerStatus {
  std::string username;
  bool active = true;

  friend bool operator==(const BuyerStatus&, const BuyerStatus&) = default;
};

// The text forms of a user's Ed25519 public key and of a signature (lowercase hex).
inline constexpr std::size_t public_key_hex_digits = 64;
inline constexpr std::size_t signature_hex_digits = 128;
inline constexpr std::size_t sha256_hex_digits = 64;

// Registers a new user with its public key (first come, first served), or moves an
// existing user to a new peer address ("host:port"); `public_key` must then be the user's.
// Only a connection that proved this key may send it (docs/identity.md).
struct Login {
  std::string username;
  std::string address;
  std::string public_key;  // public_key_hex_digits lowercase hex digits

  friend bool operator==(const Login&, const Login&) = default;
};

// Read: where a user's program answers peers.
struct GetUserAddress {
  std::string username;

  friend bool operator==(const GetUserAddress&, const GetUserAddress&) = default;
};

// A new auction and its terms: the clock starts at base_price and rises by `increment` every
// period, or by the increment of the highest of `terms.increment_steps` the price has reached;
// `terms` (absent on the wire: the defaults) adds a reserve and a grace (base/sale_terms.hpp).
struct CreateAuction {
  std::string seller;
  std::string auction_name;
  std::string item_name;
  std::string item_description;
  Cents base_price;  // >= 0
  Cents increment;   // >= 1
  std::int64_t period_ms =
      0;  // in [auction::limits::period_ms_min, auction::limits::period_ms_max]
  SaleTerms terms{};

  friend bool operator==(const CreateAuction&, const CreateAuction&) = default;
};

struct JoinAuction {
  std::string username;
  AuctionId auction_id;

  friend bool operator==(const JoinAuction&, const JoinAuction&) = default;
};

struct QuitAuction {
  std::string username;
  AuctionId auction_id;

  friend bool operator==(const QuitAuction&, const QuitAuction&) = default;
};

struct StartAuction {
  std::string seller;
  AuctionId auction_id;

  friend bool operator==(const StartAuction&, const StartAuction&) = default;
};

// The seller's periodic push of a running auction (it owns the auction while it runs): its
// round and price, and the links of its announcement chain the platform may lack. `links` are
// the chain's links from index `links_from` on, as market/auction_chain.hpp encodes them:
// they must agree with the links the platform holds where they overlap and leave no gap
// (links_from <= held <= links_from + links.size()), and the leader's chain check judges the
// new ones before the push is proposed. The buyers' statuses are the chain's: a buyer is
// active until a link withdraws it. A push carries no list of buyers, so it stays small
// whatever the auction's size (docs/platform.md, "update_auction").
struct UpdateAuction {
  std::string seller;
  AuctionId auction_id;
  std::uint64_t round_id = 0;
  Cents current_price;
  std::uint64_t links_from = 0;                    // absent on the wire: 0
  nlohmann::json links = nlohmann::json::array();  // absent on the wire: []

  friend bool operator==(const UpdateAuction&, const UpdateAuction&) = default;
};

// The seller's result, with the links of the chain it ends that the platform may lack (from
// `links_from` on, as in UpdateAuction) and the seller's signature over the result and the
// chain's head (market/peer_signatures.hpp): the transcript the platform checks before it
// records it (docs/platform.md, "Transcripts").
struct FinishAuction {
  std::string seller;
  AuctionId auction_id;
  std::optional<std::string> winner;  // nullopt: the auction ended without a winner
  Cents price;
  std::uint64_t round_id = 0;
  std::uint64_t links_from = 0;                    // absent on the wire: 0
  nlohmann::json links = nlohmann::json::array();  // absent on the wire: []
  // sha256_hex_digits and signature_hex_digits lowercase hex digits. Absent on the wire:
  // "" (unsealed), which decodes, and which the leader's chain check refuses.
  std::string chain_head;
  std::string signature;

  friend bool operator==(const FinishAuction&, const FinishAuction&) = default;
};

struct CancelAuction {
  std::string seller;
  AuctionId auction_id;

  friend bool operator==(const CancelAuction&, const CancelAuction&) = default;
};

// Read: one page of auctions, ids > after_id in increasing order, as `username` may see them;
// with `mine`, only those `username` sells or has joined.
struct FetchAuctions {
  std::string username;
  AuctionId after_id;       // AuctionId{0}: from the first
  std::uint64_t limit = 0;  // in [1, limits::fetch_page_max]
  bool mine = false;        // absent on the wire: false

  friend bool operator==(const FetchAuctions&, const FetchAuctions&) = default;
};

// Replaces the user's key. Sent on a connection that proved the old key; `proof` is the new
// key's signature over the rotation (docs/identity.md), so a key nobody holds is never
// registered. The leader checks the proof before proposing; apply() trusts it (the log is
// written only by authenticated members).
struct RotateKey {
  std::string username;
  std::string public_key;  // the new key
  std::string proof;       // signature_hex_digits lowercase hex digits

  friend bool operator==(const RotateKey&, const RotateKey&) = default;
};

// Read: the transcript of a started or finished auction (its chain, and its result once
// finished), for its seller and its buyers.
struct GetTranscript {
  std::string username;
  AuctionId auction_id;

  friend bool operator==(const GetTranscript&, const GetTranscript&) = default;
};

// Read: one page of an auction's buyers, in username order after `after`, as `username` may
// see them: for its seller and its joined buyers only (docs/platform.md, "Visibility").
struct FetchBuyers {
  std::string username;
  AuctionId auction_id;
  std::string after;        // "" (absent on the wire): from the first
  std::uint64_t limit = 0;  // in [1, limits::buyers_page_max]

  friend bool operator==(const FetchBuyers&, const FetchBuyers&) = default;
};

// Read: one page of the links of a started or finished auction's chain, from index `from`:
// links holding at most `limit` withdrawals in all, but at least one link. For its seller
// and its buyers, like get_transcript.
struct FetchLinks {
  std::string username;
  AuctionId auction_id;
  std::uint64_t from = 0;   // absent on the wire: 0
  std::uint64_t limit = 0;  // in [1, limits::link_withdrawals_page_max]

  friend bool operator==(const FetchLinks&, const FetchLinks&) = default;
};

// Read: the events `username` may see after revision `after` (watch_event.hpp), at most
// `limit`, waiting up to `wait_ms` for the first when there is none yet. Served from the
// replica's recent events rather than its state (docs/platform.md, "watch"): without `after`,
// no events, only the revision the replica has reached (where a new watcher starts).
struct Watch {
  std::string username;
  std::optional<std::uint64_t> after;  // absent on the wire: nullopt
  std::uint64_t limit = 0;             // in [1, limits::watch_page_max]
  std::uint64_t wait_ms = 0;           // in [0, limits::watch_wait_ms_max]; absent: 0

  friend bool operator==(const Watch&, const Watch&) = default;
};

using Command =
    std::variant<Login, GetUserAddress, CreateAuction, JoinAuction, QuitAuction, StartAuction,
                 UpdateAuction, FinishAuction, CancelAuction, FetchAuctions, RotateKey,
                 GetTranscript, FetchBuyers, FetchLinks, Watch>;

// The reads, served without a log entry: watch by the replica from its recent events, the
// others by StateMachine::query().
template <class T>
inline constexpr bool is_read_command =
    std::is_same_v<T, GetUserAddress> || std::is_same_v<T, FetchAuctions> ||
    std::is_same_v<T, GetTranscript> || std::is_same_v<T, FetchBuyers> ||
    std::is_same_v<T, FetchLinks> || std::is_same_v<T, Watch>;

// The user a command acts for or reads as (the username, or the seller): only a connection
// that proved that user's key may send it. nullopt for get_user_address, which anyone may
// read.
std::optional<std::string_view> acting_user(const Command& command);

// The exactly-once tag a mutating request may carry (see session_table.hpp).
struct SessionTag {
  std::string client_id;  // [A-Za-z0-9_.-], 1..auction::limits::client_id_bytes_max
  std::uint64_t seq = 0;  // >= 1, increasing per client

  friend bool operator==(const SessionTag&, const SessionTag&) = default;
};

// A command plus its optional session tag: what travels in a log entry.
struct Request {
  Command command;
  std::optional<SessionTag> session;

  friend bool operator==(const Request&, const Request&) = default;
};

// The op name of a command, as on the wire ("login", "create_auction", ...).
std::string_view op_name(const Command& command);

// True for the ops served without a log entry (fetch_auctions, fetch_buyers, fetch_links,
// get_user_address, get_transcript by StateMachine::query(); watch by the replica). False for
// anything else, unknown ops included.
bool is_read(std::string_view op);
// True for the platform's writes: the ops of a Command that is not a read. False for reads,
// the replica's own ops (status, the admin ops) and unknown ops.
bool is_write(std::string_view op);

// Decodes and checks one request object. Fields other than the op's own and the session
// fields (client_id, seq) are rejected, so the log never carries data nobody reads.
// client_id and seq come together or not at all; reads accept them and ignore them.
// Errors: "unknown_op" (an op the platform does not serve, e.g. the replica's own
//   "status"), "bad_request" (not an object, missing field, wrong JSON type, unknown
//   field), "invalid_argument" (a value out of range; the message starts with the field
//   name, e.g. "base_price: must be >= 0").
Result<Request> decode_request(const nlohmann::json& request);

// The rules a request must pass before the leader proposes it, beyond decode_request()'s:
// the rules that came after entries breaking them could already be committed. Neither
// decode_request() nor apply checks them, because every replica re-applies the log from
// index 1 and an entry must apply the same way on every replica, whichever version proposed
// it. Today: create_auction's auction_name, item_name and item_description pass
// check_free_text() (auction/base/text_rules.hpp): no control or bidirectional formatting
// character. The replica calls it on every request it receives; a client may call it first.
// Errors: "invalid_argument" naming the field and the character, e.g. "auction_name: must
//   not hold U+001B (no control or bidirectional formatting characters)".
Result<void> check_new_request(const Command& command);

// Parses the bytes of one request (a log entry) and decodes it. Entries written by earlier
// versions decode as they applied then: an update_auction or finish_auction without
// "links_from" that lists every buyer's status ("buyers") is read without that list (the
// leader had checked it against the chain, which says the same; the links are the whole
// chain, from index 0). decode_request() refuses that field from clients.
// Errors: "bad_request" for bytes that are not JSON, then as decode_request().
Result<Request> parse_request(std::string_view bytes);

// The canonical JSON of a request. Every value came through decode_request() or obeys the
// same rules, so dump() on the result cannot throw.
nlohmann::json encode(const Request& request);

// The command's own fields, as encode() writes them, without "op" and the session tag: what
// platform::Client sends for a typed call (the wire adds the op, the client its session).
nlohmann::json encode_fields(const Command& command);

}  // namespace auction::platform

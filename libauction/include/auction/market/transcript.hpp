// An auction's transcript, and checking it: what anyone can use to see that a result follows
// from what the seller announced and what the buyers signed.
//
// A transcript is the seller's chain (auction_chain.hpp: the opening and one link per round
// in which buyers left) and its signed result. Checking it replays the chain with the pure
// auction rules, from the opening to the result:
//   - every link's round is reached in order, at the price the rules give it;
//   - every withdrawal the buyer asked for carries that buyer's signature over the request
//     (its auction, reason, and a round and price that match); a withdrawal for silence is
//     the seller's claim, recorded as such;
//   - every withdrawal is one the rules allow (a buyer leaves once; the last cannot);
//   - the result is exactly what the replay ends with (winner, round, price, statuses), it
//     names the chain's head, and the seller signed it.
// Any difference is an error naming the first one; nothing is "mostly valid".
//
// Pure (market/): no I/O, no clock; safe from any thread; never throws but for memory.
// Checking costs one signature check per withdrawal the buyers asked for, plus the seller's.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/market/auction_chain.hpp"
#include "auction/market/auction_rules.hpp"
#include "auction/market/peer_messages.hpp"

namespace auction::market {

struct Transcript {
  ChainOpening opening;
  std::vector<ChainLink> links;
  SignedFinish finish;

  friend bool operator==(const Transcript&, const Transcript&) = default;
};

// The keys a transcript is checked against: the seller's and every buyer's, as the platform
// registered them (a buyer whose key is missing fails any proof it needs).
struct TranscriptKeys {
  identity::PublicKey seller;
  std::map<std::string, identity::PublicKey, std::less<>> buyers;
};

// One buyer leaving, as the replay found it: in round `round_id` at `price`; `proof` is the
// buyer's own request, whose signature checked (nullopt: withdrawn for silence, the seller's
// claim).
struct ReplayedWithdrawal {
  RoundId round_id = 0;
  Cents price;
  std::string username;
  BuyerStatus status = BuyerStatus::withdrawn_silent;
  std::optional<WithdrawProof> proof;
};

// The replay of a chain: the rules as the last link leaves them, the chain's head, and each
// withdrawal in order.
struct ChainReplay {
  AuctionRules rules;
  identity::Sha256Digest head;
  std::vector<ReplayedWithdrawal> withdrawals;
};

// How a replay treats links checked before.
struct ReplayOptions {
  // The first links_checked links are replayed by the rules, but their proofs' signatures
  // are not checked again: someone who checks a chain as it grows (the platform, which
  // checked the links it holds when it stored them) pays the signature checks of the new
  // links only. Every other check still applies to every link.
  std::size_t links_checked = 0;
};

// Replays `links` from `opening`, checking each withdrawal as above. What the platform
// checks of a running auction's pushed chain, and the first half of verify_transcript.
// Errors: transcript_invalid naming the first link or withdrawal the rules refuse (or an
// opening they refuse); bad_signature naming the first withdrawal whose proof does not
// verify against its buyer's key in `cluster_id`.
Result<ChainReplay> replay_chain(const ChainOpening& opening, const std::vector<ChainLink>& links,
                                 const TranscriptKeys& keys, std::string_view cluster_id,
                                 ReplayOptions options = {});

// Replays the chain, then checks the result against it (see the top of this file).
// Errors: those of replay_chain; transcript_invalid when the result differs from the replay
// or names another head; bad_signature when the seller's signature does not verify.
Result<ChainReplay> verify_transcript(const Transcript& transcript, const TranscriptKeys& keys,
                                      std::string_view cluster_id);

// A result as the platform records it: the record's fields, whose statuses carry no reason
// (the chain gives them), and the seal the seller signed.
struct RecordedResult {
  RoundId round_id = 0;
  std::optional<std::string> winner;
  Cents price;
  // Every buyer: still active? As the platform's record lists them, to be compared with the
  // chain's; nullopt where there is no list of one's own (the platform reads its statuses
  // from the chain).
  std::optional<std::map<std::string, bool, std::less<>>> active;
  identity::Sha256Digest chain_head;
  identity::Signature signature;
};

// The result the platform records, from its fields and the hex texts of its seal.
// Errors: transcript_invalid when the seal is missing or not hex: nothing proves the result.
Result<RecordedResult> recorded_result(
    RoundId round_id, std::optional<std::string> winner, Cents price,
    std::optional<std::map<std::string, bool, std::less<>>> active, std::string_view chain_head_hex,
    std::string_view signature_hex);

// As verify_transcript, for a result recorded without reasons: the statuses with reasons are
// the replay's, and the seller's signature must be over them.
Result<ChainReplay> verify_recorded_result(const ChainOpening& opening,
                                           const std::vector<ChainLink>& links,
                                           const RecordedResult& result, const TranscriptKeys& keys,
                                           std::string_view cluster_id, ReplayOptions options = {});

// The keys of `seller` and of each user in `keys_hex` (username -> 64 hex digits), as the
// platform lists them. Errors: invalid_argument naming a key that is not a key, or a seller
// without one.
Result<TranscriptKeys> transcript_keys(
    std::string_view seller, const std::map<std::string, std::string, std::less<>>& keys_hex);

// {"opening":{...},"links":[...],"finish":{...}} (auction_chain.hpp and peer_messages.hpp
// give the parts).
nlohmann::json encode(const Transcript& transcript);
// Checks every field as the parts' decoders do, and that the parts name one auction.
Result<Transcript> decode_transcript(const nlohmann::json& j);

}  // namespace auction::market

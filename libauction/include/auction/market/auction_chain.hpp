// The seller's announcement chain: the history of a running auction as a SHA-256 hash chain,
// so that what the seller announced can never be rewritten afterwards.
//
// The chain starts at an opening (the auction, its seller, its prices and the buyers who
// joined) and grows by one link each time buyers leave: the round they left in, and for each
// the status it left with and, unless it was withdrawn for silence, the buyer's own signed
// withdraw request as the proof. Rounds in which nobody leaves add nothing: the price of
// every round follows from the opening, so the chain stays as short as the auction has
// buyers, however many rounds it runs.
//
//   head(0)   = SHA-256(opening)
//   head(k+1) = SHA-256(head(k), link k)
//
// Every announcement names the head as of its round and is signed over it
// (peer_signatures.hpp), the seller pushes the links with update_auction, and the result
// names the final head: so a buyer holding any signed announcement, or anyone holding the
// transcript (transcript.hpp), can check that the history it is shown is the one announced.
// docs/auction.md ("The announcement chain") gives the bytes.
//
// Pure (market/): no I/O, no clock; safe from any thread; never throws but for memory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/base/sale_terms.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/identity/signing.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

// What the chain starts from. `buyers` are the usernames that joined, in any order (the
// digest sorts them). `terms` bind the increment table, the reserve and the grace into the
// chain; a hidden reserve by its commitment only (hidden_reserve_commitment()), so the
// digest, which every announcement names, tells nobody the reserve.
struct ChainOpening {
  AuctionId auction_id;
  std::string seller;
  Cents base_price;
  Cents increment;
  std::vector<std::string> buyers;
  SaleTerms terms{};

  friend bool operator==(const ChainOpening&, const ChainOpening&) = default;
};

// A buyer's signed withdraw request, kept as the proof that it asked to leave: the round and
// price it had seen when it asked, and its signature over the request (peer_signatures.hpp).
struct WithdrawProof {
  RoundId round_id = 0;
  Cents price;
  identity::Signature signature;

  friend bool operator==(const WithdrawProof&, const WithdrawProof&) = default;
};

// One buyer leaving. Invariant: `status` is not active, and `proof` is present exactly when
// the status is not withdrawn_silent (silence is the seller's claim; nothing can prove it).
struct ChainWithdrawal {
  std::string username;
  BuyerStatus status = BuyerStatus::withdrawn_silent;
  std::optional<WithdrawProof> proof;

  friend bool operator==(const ChainWithdrawal&, const ChainWithdrawal&) = default;
};

// The buyers who left in round `round_id`, in the order the seller applied them (at least
// one).
struct ChainLink {
  RoundId round_id = 0;
  std::vector<ChainWithdrawal> withdrawals;

  friend bool operator==(const ChainLink&, const ChainLink&) = default;
};

// The digests above.
identity::Sha256Digest chain_opening_digest(const ChainOpening& opening);
// SHA-256 of ("ppapd/v1/hidden-reserve", the auction, the reserve, its salt): what the
// opening's digest holds for a hidden reserve (docs/auction.md, "Reserve").
identity::Sha256Digest hidden_reserve_commitment(AuctionId auction_id, Cents reserve,
                                                 std::string_view salt);
identity::Sha256Digest chain_next_digest(const identity::Sha256Digest& head, const ChainLink& link);

// One seller's chain of one auction. Plain value; the seller's engine owns it.
class AuctionChain {
 public:
  // An empty chain: no links, the head is the opening's digest.
  explicit AuctionChain(ChainOpening opening);

  // The chain a restarted seller resumes: the opening and the links it pushed.
  // The links are taken as they are; the transcript verifier checks what they claim.
  AuctionChain(ChainOpening opening, std::vector<ChainLink> links);

  // Appends `link` and moves the head. Precondition: `link` has at least one withdrawal.
  void append(ChainLink link);

  const ChainOpening& opening() const noexcept { return opening_; }
  const std::vector<ChainLink>& links() const noexcept { return links_; }
  const identity::Sha256Digest& head() const noexcept { return head_; }

 private:
  ChainOpening opening_;
  std::vector<ChainLink> links_;
  identity::Sha256Digest head_;  // invariant: the digest of opening_ and links_
};

// {"auction_id":7,"seller":"sam","base_price":1000,"increment":100,"buyers":["amy","bob"]},
// and the terms' keys where they are not the defaults (write_sale_terms()).
nlohmann::json encode(const ChainOpening& opening);
// {"round_id":3,"withdrawn":[{"username":"amy","reason":"by_request",
//   "proof":{"round_id":3,"price":1300,"signature":"..."}}, {"username":"bob","reason":"silent"}]}
nlohmann::json encode(const ChainLink& link);
nlohmann::json encode_links(const std::vector<ChainLink>& links);

// How many of `links`, from index `from` on, one message may carry: the end index of the
// longest run links[from, end) whose encoded JSON (encode_links) takes at most `bytes_max`
// bytes, but at least one link when any is left, however large (a link is never split).
// What a seller's update_auction and finish_auction carry, so each stays below the
// platform's entry bound (docs/platform.md, "update_auction"). Precondition: from <= size.
std::size_t links_fitting(const std::vector<ChainLink>& links, std::size_t from,
                          std::size_t bytes_max);

// Check every field's type and bounds and the invariants above (bad_request /
// invalid_argument naming the field, under `context`, e.g. "update_auction.links[2]").
// A list of links holds at most limits::buyers_per_auction_max withdrawals in all (each
// buyer leaves once).
Result<ChainOpening> decode_chain_opening(const nlohmann::json& j, std::string context);
Result<ChainLink> decode_chain_link(const nlohmann::json& j, std::string context);
Result<std::vector<ChainLink>> decode_chain_links(const nlohmann::json& j, std::string context);

}  // namespace auction::market

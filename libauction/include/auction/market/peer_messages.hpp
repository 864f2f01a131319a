// The peer protocol between a seller and its buyers: the bodies of the requests each side
// sends the other during a running auction, and of their answers.
//
//   seller -> buyer   announce_price    answered by PeerAck (the round acknowledgement)
//   seller -> buyer   auction_finished  (a SignedFinish)  answered by PeerAck
//   seller -> buyer   seller_back       answered by PeerAck
//   buyer  -> seller  withdraw          answered by WithdrawReply
//
// Every message but the withdraw reply carries its sender's signature (peer_signatures.hpp
// says over what): the receiver checks it against the sender's key from the platform before
// it believes a word, so a stranger on the network can send nothing a seller or buyer acts on.
//
// These are the `params` of a wire request and the `result` of its response; the wire layer owns
// framing and the envelope. docs/auction.md shows example lines. Decoding checks every field a peer
// controls: bad_request for a missing or ill-typed field, invalid_argument for a value out of
// range; the error message names the field. Pure (market/), safe from any thread, never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/identity/signing.hpp"
#include "auction/market/finish_record.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

// Op names, as they appear in the wire envelope.
inline constexpr std::string_view op_announce_price = "announce_price";
inline constexpr std::string_view op_auction_finished = "auction_finished";
inline constexpr std::string_view op_seller_back = "seller_back";
inline constexpr std::string_view op_withdraw = "withdraw";

// One round's announcement: the price of `round_id` and every joined buyer's status.
//
// The compact form (is_compact) lists only the withdrawn buyers, as "withdrawn"; every other
// buyer of the auction is active. The joined buyers never change while an auction runs, so a
// buyer that has had the full list once (its ack says has_buyers) learns the same from it,
// and a round costs bytes per withdrawn buyer instead of per joined buyer: B buyers no longer
// cost B x B entries a round. A seller sends it only to buyers whose ack said has_buyers
// (docs/auction.md, "Compact announcements"); a buyer that holds no list answers it with
// buyers_unknown, and the seller sends the full form at once.
//
// `chain_head` is the digest of the seller's announcement chain as of this announcement
// (auction_chain.hpp); `signature` is the seller's over the full form (peer_signatures.hpp),
// so one signature serves both forms.
struct AnnouncePrice {
  AuctionId auction_id;
  RoundId round_id = 0;
  Cents price;
  // At most limits::buyers_per_auction_max, unique usernames; when is_compact, withdrawn ones only.
  std::vector<BuyerEntry> buyers;
  bool is_compact = false;
  identity::Sha256Digest chain_head;
  identity::Signature signature;

  friend bool operator==(const AnnouncePrice&, const AnnouncePrice&) = default;
};

// The seller logged in again, now answering at `address`, resuming at round `round_id`.
// Signed by the seller; a buyer takes it only if it is not older than the last one it took.
struct SellerBack {
  AuctionId auction_id;
  std::string seller;
  std::string address;
  RoundId round_id = 0;
  identity::Signature signature;

  friend bool operator==(const SellerBack&, const SellerBack&) = default;
};

// A buyer's answer to announce_price, auction_finished and seller_back. For announce_price
// `round_id` is the round being acknowledged; the seller counts it only for that round.
// `has_buyers`: this buyer holds the auction's list of buyers, so the compact announcement is
// enough for it (sent only when true). `signature` is the buyer's over the digest of the
// statement it acknowledges (peer_signatures.hpp), so an ack counts for that one message.
struct PeerAck {
  AuctionId auction_id;
  RoundId round_id = 0;
  bool has_buyers = false;
  identity::Signature signature;

  friend bool operator==(const PeerAck&, const PeerAck&) = default;
};

// A buyer asks to leave. `reason` is by_request unless the buyer's max price proxy sent it.
// `round_id` and `price` are the newest round the buyer had seen when it asked. Signed by the
// buyer: the seller keeps the signature in its chain as the proof of this withdrawal.
struct WithdrawRequest {
  AuctionId auction_id;
  std::string username;
  WithdrawReason reason = WithdrawReason::by_request;
  RoundId round_id = 0;
  Cents price;
  identity::Signature signature;

  friend bool operator==(const WithdrawRequest&, const WithdrawRequest&) = default;
};

// The seller's answer to a withdraw request (WithdrawOutcome is in types.hpp).
struct WithdrawReply {
  WithdrawOutcome outcome = WithdrawOutcome::withdrawn;

  friend bool operator==(const WithdrawReply&, const WithdrawReply&) = default;
};

// The body of auction_finished: the result, the head of the seller's chain it ends, and the
// seller's signature over both.
struct SignedFinish {
  FinishRecord record;
  identity::Sha256Digest chain_head;
  identity::Signature signature;

  friend bool operator==(const SignedFinish&, const SignedFinish&) = default;
};

// Both forms of AnnouncePrice; see is_compact.
nlohmann::json encode(const AnnouncePrice& message);
// The FinishRecord's fields plus "chain_head" and "signature".
nlohmann::json encode(const SignedFinish& message);
nlohmann::json encode(const SellerBack& message);
nlohmann::json encode(const PeerAck& message);
nlohmann::json encode(const WithdrawRequest& message);
nlohmann::json encode(const WithdrawReply& message);

Result<AnnouncePrice> decode_announce_price(const nlohmann::json& j);
Result<SellerBack> decode_seller_back(const nlohmann::json& j);
Result<PeerAck> decode_peer_ack(const nlohmann::json& j);
Result<WithdrawRequest> decode_withdraw_request(const nlohmann::json& j);
Result<WithdrawReply> decode_withdraw_reply(const nlohmann::json& j);
Result<SignedFinish> decode_signed_finish(const nlohmann::json& j);

}  // namespace auction::market

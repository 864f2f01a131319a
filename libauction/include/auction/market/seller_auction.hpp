// SellerAuction: the seller's pure engine of one running auction.
//
// Like a Raft core, it is fed events and hands back actions: start(now_ms), on_tick(now_ms),
// on_ack, on_send_failed and on_withdraw_request go in; Announce, BuyerWithdrawn, Paused,
// Resumed, Finish and PushUpdate come out. The Asio runtime (SellerPeer and SellerRuntime, in
// market/runtime/) carries the actions out (sends the announcements with their deadline,
// journals and delivers the finish, pushes update_auction) and feeds the results back as
// events. Time enters only as `now_ms` values from one monotonic clock the runtime chooses.
// Sits in market/ (pure). Single-threaded, no I/O, never throws.
//
// One round, as this engine sees it:
//   announce (round r, price, buyers) to every active buyer, deadline = now + ack_deadline_ms
//   -> acks and failures come back -> the round closes at the deadline (or earlier, once every
//   active buyer has answered) -> buyers without an ack for r are withdrawn as silent once
//   they have missed the auction's terms().grace_rounds rounds in a row
//   -> the next round is announced period_ms after this one was.
//
// The pause rule: when a round closes and *every* active buyer is silent, nobody is withdrawn.
// Everybody going quiet at once is the seller's own connectivity failing, not the buyers
// leaving; withdrawing them all would end the auction with no winner by accident. The engine
// emits Paused once, then re-announces the same round (same id, same price) after a backoff
// that starts at period_ms and doubles up to pause_retry_ms_max, for as long as it takes.
// The first round that closes with at least one ack resumes the auction (Resumed), and the
// buyers still silent in it are withdrawn as usual: when all but one are silent, the one who
// acknowledged wins, which is correct.
//
// Signatures: the engine keeps the auction's chain (auction_chain.hpp), appending a link
// whenever buyers leave, and signs every announcement and the result with the seller's key
// (peer_signatures.hpp). It believes a buyer's ack or withdraw request only when that buyer
// signed it: an unsigned ack counts as no answer, and an unsigned withdraw request is refused
// with bad_signature and changes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/market/auction_chain.hpp"
#include "auction/market/auction_rules.hpp"
#include "auction/market/auction_state.hpp"
#include "auction/market/finish_record.hpp"
#include "auction/market/peer_messages.hpp"
#include "auction/market/peer_signatures.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

struct SellerConfig {
  std::int64_t period_ms = 1000;            // the price rises once per period; > 0
  std::int64_t ack_deadline_ms = 800;       // how long a buyer has to ack; 0 < it < period_ms
  std::int64_t push_period_ms = 1000;       // how often update_auction is pushed; > 0
  std::int64_t pause_retry_ms_max = 16000;  // the backoff cap while paused; >= period_ms
};

// Errors: invalid_argument naming the field that breaks the bounds above.
Result<void> validate(const SellerConfig& config);

// Whose signatures the engine makes and believes: the seller's own signer, and the key of
// every buyer of the auction, as the platform registered them.
struct SellerKeys {
  PeerSigner signer;
  std::map<std::string, identity::PublicKey, std::less<>> buyers;
};

namespace seller_action {

// Send `message` to each of `recipients` (the active buyers) and report, per recipient,
// on_ack or on_send_failed for message.round_id. No answer by `deadline_ms` is a failure.
struct Announce {
  AnnouncePrice message;
  // SHA-256 of the message's statement: what each recipient's ack must be signed over.
  identity::Sha256Digest digest;
  std::vector<std::string> recipients;
  std::int64_t deadline_ms = 0;
};

// A buyer left in `round_id` (for the seller's user and log; the next Announce shows it).
struct BuyerWithdrawn {
  std::string username;
  BuyerStatus status = BuyerStatus::withdrawn_silent;
  RoundId round_id = 0;
};

// Every active buyer was silent in `round_id`: nobody was withdrawn; the same round is
// announced again at `retry_at_ms`. Emitted once per pause.
struct Paused {
  RoundId round_id = 0;
  std::int64_t retry_at_ms = 0;
};

// A round closed with at least one ack after a pause.
struct Resumed {
  RoundId round_id = 0;
};

// The auction is over. Emitted once per SellerAuction. The runtime journals the record, sends
// auction_finished to every buyer in it, and delivers it to the platform until acknowledged.
// `finish` is the signed result; `links` the whole chain it ends.
struct Finish {
  SignedFinish finish;
  std::vector<ChainLink> links;
};

// Push `state` and the chain's links to the platform (update_auction). Losing one is
// harmless: the next one carries everything.
struct PushUpdate {
  AuctionState state;
  std::vector<ChainLink> links;
};

}  // namespace seller_action

using SellerAction =
    std::variant<seller_action::Announce, seller_action::BuyerWithdrawn, seller_action::Paused,
                 seller_action::Resumed, seller_action::Finish, seller_action::PushUpdate>;

class SellerAuction {
 public:
  // Takes ownership of `rules`: fresh ones (AuctionRules::create) to start an auction, or
  // restored ones (AuctionRules::restore) to resume after a restart, with the chain's
  // `links` as pushed. The chain opens with every buyer of `rules`.
  // Errors: invalid_argument for a bad config, or a signer without a key pair or cluster id.
  static Result<SellerAuction> create(AuctionRules rules, SellerConfig config, SellerKeys keys,
                                      std::vector<ChainLink> links = {});

  // Begins driving the auction at `now_ms`:
  //   not started -> starts it and announces round 0 (or finishes at once with <= 1 buyer);
  //   running (restored) -> announces the restored round again, same id and price;
  //   finished (restored) -> emits Finish again so the runtime delivers it.
  // A PushUpdate is emitted with the first announcement. Errors: wrong_stage when called twice.
  Result<std::vector<SellerAction>> start(std::int64_t now_ms);

  // Advances time: closes the round at its deadline, announces the next one (or retries a
  // paused one), pushes updates. Nothing happens before start or after the finish.
  std::vector<SellerAction> on_tick(std::int64_t now_ms);

  // Whether `ack` is `username`'s signed acknowledgement of the newest announcement. The
  // runtime treats any other answer as a failed send.
  bool is_signed_ack(std::string_view username, const PeerAck& ack) const;
  // Whether `ack` is `username`'s signed acknowledgement of the statement whose SHA-256 is
  // `acknowledged` (a runtime keeps it per announcement sent, so a late ack still counts).
  bool is_signed_ack(std::string_view username, const PeerAck& ack,
                     const identity::Sha256Digest& acknowledged) const;
  // Whether `ack` is `username`'s signed acknowledgement of `message`.
  bool is_signed_ack(std::string_view username, const PeerAck& ack,
                     const AnnouncePrice& message) const;

  // The signed announcement of the auction as it stands, without opening a round: how a
  // runtime hands the buyers their list before the start.
  AnnouncePrice introduction() const;

  // `username` acknowledged `round_id` (the runtime checked is_signed_ack). Acks for any
  // other round, from unknown or withdrawn buyers, or after the round closed, are ignored:
  // an ack counts only for the open round.
  std::vector<SellerAction> on_ack(std::string_view username, RoundId round_id,
                                   std::int64_t now_ms);

  // The announcement of `round_id` to `username` failed or timed out. The buyer counts as
  // silent for that round unless its ack arrived anyway.
  std::vector<SellerAction> on_send_failed(std::string_view username, RoundId round_id,
                                           std::int64_t now_ms);

  struct WithdrawResponse {
    WithdrawReply reply;
    std::vector<SellerAction> actions;
  };
  // A buyer asks to leave. The reply goes back to the buyer; see AuctionRules::withdraw for the
  // outcomes. Leaving may finish the auction (the actions then hold the Finish).
  // Errors (nothing changes): bad_signature unless the request's buyer signed it;
  // implausible_round when its price is not the price of its round.
  Result<WithdrawResponse> on_withdraw_request(const WithdrawRequest& request, std::int64_t now_ms);

  const AuctionRules& rules() const noexcept { return rules_; }
  const AuctionChain& chain() const noexcept { return chain_; }
  const SellerKeys& keys() const noexcept { return keys_; }
  // The seller's signed seller_back for a restart at `address`.
  SellerBack seller_back(std::string address) const;
  const SellerConfig& config() const noexcept { return config_; }
  bool is_started() const noexcept { return started_; }
  bool is_paused() const noexcept { return paused_; }
  bool is_round_open() const noexcept { return round_open_; }
  std::int64_t round_deadline_ms() const noexcept { return deadline_ms_; }
  // The earliest now_ms at which on_tick has something to do (close the round, announce,
  // push); nullopt when only an event can change anything (not started, finished). Lets a
  // runtime sleep until then instead of polling.
  std::optional<std::int64_t> next_tick_due_ms() const noexcept;

 private:
  SellerAuction(AuctionRules rules, SellerConfig config, SellerKeys keys,
                std::vector<ChainLink> links);

  void announce(std::int64_t now_ms, std::vector<SellerAction>& actions);
  // The auction as it stands, announced and signed, and its statement's digest.
  std::pair<AnnouncePrice, identity::Sha256Digest> signed_announcement() const;
  void close_round_if_answered(std::int64_t now_ms, std::vector<SellerAction>& actions);
  void close_round(std::int64_t now_ms, std::vector<SellerAction>& actions);
  void push(std::int64_t now_ms, std::vector<SellerAction>& actions);
  void finish_if_done(std::vector<SellerAction>& actions);

  AuctionRules rules_;
  SellerConfig config_;
  SellerKeys keys_;
  AuctionChain chain_;
  // The digest of the newest announcement's statement: what an ack must be signed over.
  RoundId announced_round_ = 0;
  identity::Sha256Digest announced_digest_;
  bool started_ = false;
  bool finish_emitted_ = false;
  // The open round closes at deadline_ms_ at the latest.
  bool round_open_ = false;
  std::int64_t deadline_ms_ = 0;
  std::set<std::string, std::less<>> acked_;   // buyers that acked the open round
  std::set<std::string, std::less<>> failed_;  // buyers whose send failed and did not ack
  // Active buyers who missed the last rounds' acknowledgements: how many in a row (never
  // the terms' grace_rounds or more: at that many a buyer is withdrawn). Not pushed: a restarted
  // seller begins again from none missed.
  std::map<std::string, std::uint32_t, std::less<>> missed_;
  // When the next announcement (next round, or the paused round again) is due.
  std::int64_t next_announce_at_ms_ = 0;
  std::int64_t next_push_at_ms_ = 0;
  bool paused_ = false;
  std::int64_t retry_ms_ = 0;  // the next pause backoff; period_ms .. pause_retry_ms_max
};

}  // namespace auction::market

// BuyerAuction: a buyer's pure engine of one running auction.
//
// The runtime (BuyerPeer, in market/runtime/) hands it the seller's messages (announce_price,
// auction_finished, seller_back) and ticks; it answers with the acknowledgement to send back
// and with events for the user (price changed, someone withdrew, paused, resumed, seller back,
// finished) and actions (send a withdraw request). Time enters only as `now_ms` values.
// Sits in market/ (pure). Single-threaded, no I/O, never throws.
//
// It believes only its seller. Every message must carry the seller's signature, checked
// against the seller's key from the platform in this cluster's scope (peer_signatures.hpp);
// anything else is refused with bad_signature and changes nothing. An announcement must also
// be plausible: its price is the price of its round, and its round is no further ahead than
// the time since the last round taken allows at the auction's period (implausible_round), so
// not even the seller can jump the price to push buyers past their max price. The buyer signs
// what it sends: each acknowledgement (over the digest of the statement acknowledged) and each
// withdraw request (with the round and price it had seen).
//
// Round ids are a logical clock. The newest round seen is kept; a newer announcement is taken
// even if rounds were missed in between. An older or repeated one is not applied (the view
// never goes backwards) but is still acknowledged: the seller counts an ack for the round it
// announced, and a late or duplicated message must not get us withdrawn as silent. That
// happens for real when a restarted seller resumes from a push older than what we saw.
//
// Pause: no message from the seller for pause_after_periods periods means the seller is gone
// (crashed or cut off); Paused is emitted once. Any later announcement, even a stale one,
// shows the seller is back and emits Resumed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/base/price_schedule.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/market/finish_record.hpp"
#include "auction/market/peer_messages.hpp"
#include "auction/market/peer_signatures.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

struct BuyerConfig {
  AuctionId auction_id;
  std::string username;                   // this buyer; a valid username
  std::int64_t period_ms = 1000;          // the auction's period; > 0
  std::uint32_t pause_after_periods = 3;  // silence that counts as a pause; >= 1
  std::optional<Cents> max_price;         // the proxy: withdraw once the price passes it; >= 0
  // The auction as the platform shows it: whose it is, and its prices (increment > 0, and the
  // increment table: PriceSchedule::create's rules).
  std::string seller;
  identity::PublicKey seller_key;
  Cents base_price;
  Cents increment{1};
  std::vector<IncrementStep> increment_steps{};
  // The newest round known when the buyer began watching (the platform's last push; 0
  // before the start), and when that was: the first announcement may be ahead of it by no
  // more rounds than periods have passed since.
  RoundId known_round = 0;
  std::int64_t known_at_ms = 0;
  // This buyer's key pair and the cluster: what it signs with. signer.username == username.
  PeerSigner signer;
};
// Errors: invalid_argument naming the field that breaks the bounds above.
Result<void> validate(const BuyerConfig& config);

namespace buyer_event {

// A newer round was taken.
struct PriceChanged {
  RoundId round_id = 0;
  Cents price;
};

// `username` (perhaps this buyer) is out, as first seen in `round_id`.
struct BuyerWithdrew {
  std::string username;
  BuyerStatus status = BuyerStatus::withdrawn_by_request;
  // The round the seller took the withdrawal in, the number the seller reports too: the one
  // before the first announcement that shows the buyer out. Exact when this buyer saw that
  // round's announcement; otherwise (rounds missed, or shown out in round 0) the buyer left
  // in round_id at the latest.
  RoundId round_id = 0;
  bool is_exact = true;
};

// Nothing heard from the seller for pause_after_periods periods; last round seen, if any.
struct Paused {
  std::optional<RoundId> round_id;
};

// The seller is announcing again after a pause.
struct Resumed {
  RoundId round_id = 0;
};

// The seller logged in again and now answers at `address`: the runtime sends withdraw
// requests there from now on.
struct SellerBack {
  std::string seller;
  std::string address;
};

// The auction is over (emitted once).
struct Finished {
  FinishRecord record;
  bool is_winner = false;
};

// Action: send `request` to the seller (its reply is for the user; resending is harmless,
// withdrawal is idempotent).
struct SendWithdraw {
  WithdrawRequest request;
};

}  // namespace buyer_event

using BuyerEvent = std::variant<buyer_event::PriceChanged, buyer_event::BuyerWithdrew,
                                buyer_event::Paused, buyer_event::Resumed, buyer_event::SellerBack,
                                buyer_event::Finished, buyer_event::SendWithdraw>;

class BuyerAuction {
 public:
  // Starts watching at `now_ms` (pause detection counts from here until the first message).
  // Errors: invalid_argument for a bad config.
  static Result<BuyerAuction> create(BuyerConfig config, std::int64_t now_ms);

  struct Step {
    PeerAck ack;                     // what to answer the seller
    std::vector<BuyerEvent> events;  // in order
  };

  // Precondition for the three message handlers: the message is for config().auction_id (the
  // runtime routes by auction id). Each refuses, changing nothing, a message that is not
  // signed by the seller (bad_signature).
  //
  // Taken when newer than the newest round seen; always acknowledged with message.round_id.
  // If this buyer is listed active but has asked to withdraw, the withdraw request is sent
  // again (it may have crossed the announcement, or the seller restarted from an older push).
  // A compact announcement can be checked only once the buyer holds the list of buyers (from
  // an earlier full one); until then it is refused with buyers_unknown, and the seller sends
  // the full form. Errors also: implausible_round (see the top), invalid_argument (a compact
  // announcement naming someone who did not join).
  Result<Step> on_announce(const AnnouncePrice& message, std::int64_t now_ms);

  // The result; taken once, whatever its round. Acknowledged with record.round_id.
  Result<Step> on_finished(const SignedFinish& message, std::int64_t now_ms);

  // The seller is back at a new address. Acknowledged with the newest round seen. One older
  // than the newest seller_back taken is acknowledged but not taken (a replay); one further
  // ahead than the period allows is refused (implausible_round).
  Result<Step> on_seller_back(const SellerBack& message, std::int64_t now_ms);

  // Notices a pause (once per pause).
  std::vector<BuyerEvent> on_tick(std::int64_t now_ms);

  // The user wants out: emits SendWithdraw (by_request). Nothing once finished or once this
  // buyer is known to be out.
  std::vector<BuyerEvent> request_withdraw();

  // Sets (or clears, with nullopt) the max price proxy while the auction runs. When the
  // newest price seen already passes the new max, emits SendWithdraw (max_price) at once.
  // Precondition: max_price, if set, is >= 0.
  std::vector<BuyerEvent> set_max_price(std::optional<Cents> max_price);

  const BuyerConfig& config() const noexcept { return config_; }
  // The clock's prices (config's base_price, increment and increment_steps).
  const PriceSchedule& prices() const noexcept { return prices_; }
  std::optional<RoundId> round_id() const noexcept { return round_id_; }
  Cents price() const noexcept { return price_; }
  // Every buyer's status as of the newest round seen.
  const std::map<std::string, BuyerStatus, std::less<>>& buyers() const noexcept { return buyers_; }
  // False once this buyer is shown withdrawn, or not listed at all.
  bool is_active() const;
  // How many buyers the newest round seen shows active.
  std::size_t active_count() const;
  bool is_paused() const noexcept { return paused_; }
  bool is_finished() const noexcept { return finished_; }
  bool wants_out() const noexcept { return wants_out_.has_value(); }

 private:
  BuyerAuction(BuyerConfig config, PriceSchedule prices, std::int64_t now_ms);
  void send_withdraw(std::vector<BuyerEvent>& events) const;
  // Take the statuses of a newer round; `previous`: the newest round taken before it.
  void take_buyers(const AnnouncePrice& full, std::optional<RoundId> previous,
                   std::vector<BuyerEvent>& events);
  // Whether `round_id` is no further ahead than the periods since the last round taken allow.
  bool is_plausible(RoundId round_id, std::int64_t now_ms) const;
  // The signed acknowledgement of `statement` for `round_id`.
  PeerAck ack(RoundId round_id, std::string_view statement) const;
  Result<void> check_seller_signature(identity::SigningPurpose purpose, std::string_view statement,
                                      const identity::Signature& signature) const;

  BuyerConfig config_;
  PriceSchedule prices_;
  std::optional<RoundId> round_id_;  // newest round taken; only moves forward
  Cents price_;
  std::map<std::string, BuyerStatus, std::less<>> buyers_;
  std::int64_t last_heard_ms_ = 0;
  bool paused_ = false;
  bool finished_ = false;
  std::optional<WithdrawReason> wants_out_;  // set once this buyer asked to leave
  // The last round taken (or known at the start), and when: what is_plausible counts from.
  RoundId anchor_round_ = 0;
  std::int64_t anchor_ms_ = 0;
  std::optional<RoundId> seller_back_round_;  // the newest seller_back taken
};

}  // namespace auction::market

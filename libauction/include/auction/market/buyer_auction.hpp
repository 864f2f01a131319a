// BuyerAuction: a buyer's pure engine of one running auction.
//
// The runtime (BuyerPeer, in market/runtime/) hands it the seller's messages (announce_price,
// auction_finished, seller_back) and ticks; it answers with the acknowledgement to send back
// and with events for the user (price changed, someone withdrew, paused, resumed, seller back,
// finished) and actions (send a withdraw request). Time enters only as `now_ms` values.
// Sits in market/ (pure). Single-threaded, no I/O, never throws.
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
#include "auction/market/finish_record.hpp"
#include "auction/market/peer_messages.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

struct BuyerConfig {
  AuctionId auction_id;
  std::string username;                   // this buyer; a valid username
  std::int64_t period_ms = 1000;          // the auction's period; > 0
  std::uint32_t pause_after_periods = 3;  // silence that counts as a pause; >= 1
  std::optional<Cents> max_price;         // the proxy: withdraw once the price passes it; >= 0
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
  RoundId round_id = 0;
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
  // runtime routes by auction id).
  //
  // Taken when newer than the newest round seen; always acknowledged with message.round_id.
  // If this buyer is listed active but has asked to withdraw, the withdraw request is sent
  // again (it may have crossed the announcement, or the seller restarted from an older push).
  // A compact announcement is taken only once the buyer holds the list of buyers (from an
  // earlier full one); until then it is acknowledged with has_buyers false, which makes the
  // seller send the full form next.
  Step on_announce(const AnnouncePrice& message, std::int64_t now_ms);

  // The result; taken once, whatever its round. Acknowledged with record.round_id.
  Step on_finished(const FinishRecord& record, std::int64_t now_ms);

  // The seller is back at a new address. Acknowledged with the newest round seen.
  Step on_seller_back(const SellerBack& message, std::int64_t now_ms);

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
  std::optional<RoundId> round_id() const noexcept { return round_id_; }
  Cents price() const noexcept { return price_; }
  // Every buyer's status as of the newest round seen.
  const std::map<std::string, BuyerStatus, std::less<>>& buyers() const noexcept { return buyers_; }
  // False once this buyer is shown withdrawn, or not listed at all.
  bool is_active() const;
  bool is_paused() const noexcept { return paused_; }
  bool is_finished() const noexcept { return finished_; }
  bool wants_out() const noexcept { return wants_out_.has_value(); }

 private:
  explicit BuyerAuction(BuyerConfig config, std::int64_t now_ms);
  void send_withdraw(std::vector<BuyerEvent>& events) const;
  // Take the statuses of a newer round, from the full list or from the compact one.
  void take_buyers(const AnnouncePrice& message, std::vector<BuyerEvent>& events);
  void take_withdrawn(const AnnouncePrice& message, std::vector<BuyerEvent>& events);

  BuyerConfig config_;
  std::optional<RoundId> round_id_;  // newest round taken; only moves forward
  Cents price_;
  std::map<std::string, BuyerStatus, std::less<>> buyers_;
  std::size_t withdrawn_count_ = 0;  // invariant: == entries of buyers_ that are not active
  std::int64_t last_heard_ms_ = 0;
  bool paused_ = false;
  bool finished_ = false;
  std::optional<WithdrawReason> wants_out_;  // set once this buyer asked to leave
};

}  // namespace auction::market

// BuyerPeer: a buyer's side of its auctions on the network, without the platform.
//
// It serves the seller's messages (announce_price, auction_finished, seller_back) on its own
// wire::Server, hands each to the BuyerAuction (the buyer's pure engine) of that auction and
// answers with the engine's ack; a ticker feeds the engines time so they notice a silent
// seller (pause); and it carries out the engines' SendWithdraw by calling the seller's
// `withdraw` at the address it knows (updated by seller_back). Every engine event, and every
// answer to a withdrawal, is handed to the observer: that is how the BuyerRuntime and a user
// interface learn what happens.
//
// An auction must be watched (watch()) before its messages are taken: a buyer answers only
// for auctions it joined. The BuyerAuction of an auction is made at its first message, so the
// pause rule counts from the auction's start, not from the join.
//
// Sits in market/runtime/ (Asio). Threading: construct, call and destroy on the executor's thread;
// the executor must not run handlers concurrently. The observer runs on that thread inside the
// peer's calls: it may call set_seller_address() and the const accessors. Never blocks; network
// failures are values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/market/buyer_auction.hpp"
#include "auction/market/peer_signatures.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

struct BuyerPeerOptions {
  std::string username;  // this buyer; a valid username
  // What this buyer signs its acks and withdrawals with (signer.username == username).
  PeerSigner signer;
  std::string listen_address = "127.0.0.1";  // where sellers send announcements
  std::uint16_t listen_port = 0;             // 0: any free port
  std::chrono::milliseconds tick{50};        // how often the engines are fed time
  std::uint32_t pause_after_periods = 3;     // seller silence that counts as a pause
  std::optional<Cents> max_price;            // the proxy for every auction without its own
  std::size_t auctions_max = 1000;           // auctions watched at once
  std::chrono::milliseconds withdraw_deadline{2000};
  // The peer port's limits (docs/protocol.md, "Limits"). Sellers connect here: one
  // connection per seller, kept for the whole auction.
  std::size_t connections_per_address_max = 64;
  // Longer than the longest round period (period_ms <= 3,600,000): a seller's connection
  // legitimately stays silent for a whole period between two announcements, and closing it
  // then could make the next announcement fail and cost the buyer its place.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(65)};
};

// An auction to take part in, as the platform shows it.
struct WatchedAuction {
  AuctionId auction_id;
  std::int64_t period_ms = 1000;
  std::string seller;
  std::string seller_address;      // "" when not known yet (set_seller_address later)
  identity::PublicKey seller_key;  // every message of the seller's is checked against it
  Cents base_price;
  Cents increment{1};
  std::vector<IncrementStep> increment_steps{};
  RoundId known_round = 0;  // the platform's last pushed round; 0 before the start
};

// The seller's answer to one withdrawal this buyer sent (or why none came).
struct WithdrawAnswered {
  WithdrawReason reason = WithdrawReason::by_request;
  Result<WithdrawOutcome> outcome;
  // The round and the price the withdrawal was asked at (for max_price: the first price
  // above the buyer's max).
  RoundId round_id = 0;
  Cents price;
};

struct BuyerObserver {
  std::function<void(AuctionId, const BuyerEvent&)> on_event;                    // may be empty
  std::function<void(AuctionId, const WithdrawAnswered&)> on_withdraw_answered;  // may be empty
};

class BuyerPeer {
 public:
  BuyerPeer(boost::asio::any_io_executor executor, BuyerPeerOptions options,
            BuyerObserver observer);
  ~BuyerPeer();  // stops
  BuyerPeer(const BuyerPeer&) = delete;
  BuyerPeer& operator=(const BuyerPeer&) = delete;

  // Binds the server and starts the ticker. Returns the bound port. Errors: the wire
  // server's (address_in_use, bind_failed). Precondition: called once.
  Result<std::uint16_t> start();
  void stop();  // idempotent

  // Takes messages for `auction.auction_id` from now on, believing only those signed by
  // `auction.seller_key`. Watching an auction again updates what the platform showed of it
  // (an engine already made keeps the seller and prices it was made with).
  // Errors: invalid_argument (period_ms out of 1..86400000, increment < 1, base < 0),
  // limit_exceeded (auctions_max).
  Result<void> watch(WatchedAuction auction);
  // Stops taking its messages (the buyer left before the start). Unknown ids are ignored.
  void forget(AuctionId auction_id);
  bool is_watched(AuctionId auction_id) const;

  void set_seller_address(AuctionId auction_id, std::string address);
  // `seller` answers at `address` now (it logged in again): every auction watched of it.
  void set_address_of_seller(std::string_view seller, const std::string& address);
  std::string seller_address(AuctionId auction_id) const;  // "" when unknown

  // The proxy: `auction_id` set -> for that auction only; nullopt -> the default for every
  // auction without its own. `max_price` nullopt clears it. A running auction whose price
  // already passes the new max is withdrawn from at once. One for an auction not watched
  // yet is kept until it is (a max typed before the join is confirmed). Errors:
  // limit_exceeded (max prices kept for auctions_max auctions not watched yet).
  Result<void> set_max_price(std::optional<AuctionId> auction_id, std::optional<Cents> max_price);

  // The user wants out of a running auction. Errors: unknown_auction (not watched),
  // not_started (no announcement seen yet: leave through the platform instead),
  // already_finished, already_withdrawn.
  Result<void> withdraw(AuctionId auction_id);

  // The BuyerAuction of an auction that has started here, or nullptr.
  const BuyerAuction* find(AuctionId auction_id) const;
  std::vector<AuctionId> watched() const;
  std::uint16_t port() const;  // 0 before start()
  const BuyerPeerOptions& options() const;

  struct State;  // shared with the coroutines in flight; defined in buyer_peer.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::market

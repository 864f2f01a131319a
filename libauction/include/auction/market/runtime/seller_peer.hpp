// SellerPeer: the seller's side of its running auctions on the network, without the platform.
//
// It drives many SellerAuctions (the seller's pure engines, one per auction) at once on one
// Asio executor: a ticker feeds them time; each Announce is encoded once per form and sent to
// every recipient in parallel (one wire::Client per buyer): the compact form to buyers whose
// last ack said they hold the list of buyers, the full one to the others (docs/auction.md,
// "Compact announcements"); the acks and failures go back into the auction's engine; each
// Finish is sent to every buyer of the auction (a few attempts each); and it serves the
// buyers' `withdraw` requests on its own wire::Server. Every action the engines emit is also
// handed to the observer, in order: that is how the SellerRuntime (which adds the platform:
// pushes, the journal, finish delivery) and a user interface learn what happens.
//
// Sits in market/runtime/ (Asio). Threading: construct, call and destroy on the executor's thread;
// the executor must not run handlers concurrently (one thread or a strand). The observer runs on
// that thread, inside the peer's own calls: it may call set_address() and the const accessors, not
// run() or stop(). Never blocks the executor; network failures are values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/market/seller_auction.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

struct SellerPeerOptions {
  std::string username;                      // this seller; a valid username
  std::string listen_address = "127.0.0.1";  // where buyers send `withdraw`
  std::uint16_t listen_port = 0;             // 0: any free port
  // The longest the engines go without being fed time; the ticker also wakes exactly when
  // an engine is due (a round's deadline, the next round), so rounds start on time.
  std::chrono::milliseconds tick{10};
  std::size_t auctions_max = 1000;    // auctions held at once (finished ones included)
  std::uint32_t finish_attempts = 3;  // tries per buyer to deliver auction_finished
  std::chrono::milliseconds seller_back_deadline{2000};
  // How long after a round's deadline an announcement still waits for its ack. The round
  // closes at its deadline whatever comes later (the engine decides that); a late ack counts
  // for nothing in it, but still tells the seller which form of announcement the buyer takes,
  // so a round too big to be acked in time (the first full list to many buyers) is not sent
  // in full again and again.
  std::chrono::milliseconds late_ack_grace{1000};
  // The peer port's limits (docs/protocol.md, "Limits"). Buyers connect here only to
  // withdraw, once per auction, so a silent connection has nothing left to say.
  std::size_t connections_per_address_max = 64;
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
};

// Called for every action of every auction, after the peer carried out its part.
using SellerObserver = std::function<void(AuctionId, const SellerAction&)>;

// How one buyer's announcement of one round ended, as the seller saw it: acked (the right
// ack came back, perhaps after the round's deadline: compare latency with it) or not
// (failure, wrong answer, or no answer within the deadline and late_ack_grace), and how long
// after the round's fan-out began. For measurement (bench fanout) and monitoring.
struct AnnounceOutcome {
  AuctionId auction_id;
  std::string_view username;  // valid only during the call
  RoundId round_id = 0;
  bool is_acked = false;
  std::chrono::steady_clock::duration latency{};
};
using AnnounceObserver = std::function<void(const AnnounceOutcome&)>;

class SellerPeer {
 public:
  // `observer` may be empty.
  SellerPeer(boost::asio::any_io_executor executor, SellerPeerOptions options,
             SellerObserver observer);
  ~SellerPeer();  // stops
  SellerPeer(const SellerPeer&) = delete;
  SellerPeer& operator=(const SellerPeer&) = delete;

  // Binds the server (serving `withdraw`) and starts the ticker. Returns the bound port.
  // Errors: the wire server's (address_in_use, bind_failed). Precondition: called once.
  Result<std::uint16_t> start();

  // Stops the ticker and the server; sends in flight are abandoned. Idempotent.
  void stop();

  // Starts driving `auction` (fresh or restored, not yet started), whose buyers answer at
  // `addresses` (username -> "host:port"; a buyer without one counts as unreachable).
  // With `back_at` set (a restarted seller resuming), every active buyer is first told that
  // this seller now answers there (seller_back), on the same connection and before the first
  // announcement, so buyers learn the new address before the auction goes on.
  // Errors: wrong_stage (an auction with this id is already held and not finished),
  // limit_exceeded (auctions_max running auctions).
  Result<void> run(SellerAuction auction, std::map<std::string, std::string> addresses,
                   std::string back_at = {});

  // Called on the executor's thread for every announcement's outcome; may be empty. Must
  // not call run() or stop().
  void set_announce_observer(AnnounceObserver observer);

  // Optional, before run(): connects to every active buyer of `auction` at `addresses` and
  // sends each the full announcement of the auction's current round, waiting for all the
  // answers up to `deadline`. The first round of a big auction then finds the connections
  // made and the buyers holding the list of buyers (so it goes out in the compact form)
  // instead of spending its ack deadline on both. A buyer takes the announcement as any
  // other and acks the round's real announcement again when it comes (a repeated round is
  // acknowledged, never applied twice), so buyers that predate this need nothing new.
  // Returns how many buyers acked. Nothing is withdrawn here: whoever did not answer is
  // judged by the rounds, as always. `auction` is read when the awaitable first runs: await
  // it at once, before run() takes the auction.
  boost::asio::awaitable<std::size_t> async_introduce(const SellerAuction& auction,
                                                      std::map<std::string, std::string> addresses,
                                                      std::chrono::milliseconds deadline);

  // Where `username` answers from now on (a buyer that logged in again elsewhere).
  void set_address(std::string_view username, std::string address);

  // The SellerAuction of a held auction, or nullptr. Valid until the next non-const call.
  const SellerAuction* find(AuctionId auction_id) const;
  // Ids of held auctions that have not finished.
  std::vector<AuctionId> running() const;
  // Buyers whose latest announcement failed (so their address may be stale).
  std::vector<std::string> unreachable() const;

  const SellerPeerOptions& options() const;
  // The bound port (0 before start()).
  std::uint16_t port() const;

  struct State;  // shared with the coroutines in flight; defined in seller_peer.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::market

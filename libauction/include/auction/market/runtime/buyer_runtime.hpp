// BuyerRuntime: a buyer's whole runtime: the platform and the peer side.
//
// What a buyer program (the `buyer` CLI, an automated bidder) drives. It logs in at the
// address its BuyerPeer answers on, lists and shows auctions, joins and leaves them before
// they start (through the platform), and withdraws from running ones (peer to peer, at the
// seller's address it learned from the platform and keeps for when the platform is down).
// A buyer that logs in again (it restarted) watches the auctions it had joined once more.
// When a withdrawal cannot reach the seller, the seller's address is looked up again.
//
// Sits in market/runtime/ (Asio). Threading: construct, call and destroy on the executor's thread
// (one thread or a strand); the observer runs there too. Never blocks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/market/runtime/auction_list.hpp"
#include "auction/market/runtime/buyer_peer.hpp"
#include "auction/market/types.hpp"

namespace auction::platform {
class Client;
}

namespace auction::market {

struct BuyerRuntimeOptions {
  BuyerPeerOptions peer;           // peer.username is the buyer's username
  std::string advertised_address;  // given at login; "" -> peer.listen_address:bound port
};

class BuyerRuntime {
 public:
  // `platform` must outlive the runtime.
  BuyerRuntime(boost::asio::any_io_executor executor, platform::Client& platform,
               BuyerRuntimeOptions options);
  ~BuyerRuntime();  // stops
  BuyerRuntime(const BuyerRuntime&) = delete;
  BuyerRuntime& operator=(const BuyerRuntime&) = delete;

  // Replaces the observer (set it before start() to see everything).
  void set_observer(BuyerObserver observer);

  // Binds the peer server. Returns the address sellers reach this buyer at. Errors:
  // address_in_use, bind_failed. Precondition: called once.
  Result<std::string> start();
  void stop();  // idempotent

  // Logs in at this runtime's address, then watches every auction this user joined that has
  // not finished (fetch_auctions of its own auctions only, `mine`: not the whole registry).
  // Errors: the platform's, unavailable.
  boost::asio::awaitable<Result<void>> async_login();

  // One page of the auctions on the platform as this buyer sees them (fetch_auctions).
  boost::asio::awaitable<Result<AuctionListPage>> async_list(AuctionListRequest request = {});
  // One auction, with its buyers (every page) when this buyer joined it and `with_buyers`.
  // Errors: unknown_auction, the platform's.
  boost::asio::awaitable<Result<nlohmann::json>> async_show(AuctionId auction_id,
                                                            bool with_buyers = true);
  // Checks a finished auction from its transcript (market/transcript_report.hpp): the report,
  // or the first mismatch (transcript_invalid, bad_signature) or the platform's error.
  boost::asio::awaitable<Result<nlohmann::json>> async_verify(AuctionId auction_id);

  // Joins a created auction and watches it. Errors: the platform's (wrong_stage after the
  // start, unknown_auction, ...), limit_exceeded.
  boost::asio::awaitable<Result<void>> async_join(AuctionId auction_id);
  // Quits an auction before its start. Errors: the platform's (wrong_stage, not_joined).
  boost::asio::awaitable<Result<void>> async_leave(AuctionId auction_id);

  // Asks the seller to be let out of a running auction; the answer comes to the observer
  // (on_withdraw_answered). Errors: see BuyerPeer::withdraw.
  Result<void> withdraw(AuctionId auction_id);

  // The max price proxy, for one auction or (auction_id nullopt) as the default; see
  // BuyerPeer::set_max_price.
  Result<void> set_max_price(std::optional<AuctionId> auction_id, std::optional<Cents> max_price);

  // The platform says `username` logged in at `address` (its watch): if it sells an auction
  // watched here, its withdrawals go there from now on.
  void on_user_logged_in(std::string_view username, const std::string& address);
  // Some of the platform's events were missed (its watch fell behind): the sellers of the
  // auctions watched here are looked up again, in case one of them moved meanwhile.
  void refresh_seller_addresses();

  const BuyerPeer& peer() const;
  const std::string& address() const;
  const std::string& username() const;

  struct State;  // shared with the coroutines in flight; defined in buyer_runtime.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::market

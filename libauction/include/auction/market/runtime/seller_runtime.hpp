// SellerRuntime: a seller's whole runtime: the platform, the journal and the peer side.
//
// What a seller program (the `seller` CLI, or an embedder) drives. It logs in (a restarted
// seller logs in again, perhaps at a new address), creates, lists, starts, resumes and
// cancels auctions through the platform, and runs the started ones peer to peer with a
// SellerPeer. Around the peer it adds what needs the platform or the disk:
//   - start: `start_auction` hands the auction over to the seller and gives the buyers and
//     their addresses; the runtime builds the AuctionRules and runs them;
//   - every push period the running state goes to the journal and to the platform
//     (`update_auction`; at most one push per auction in flight, a lost one is superseded);
//   - buyers whose announcements fail get their address looked up again (`get_user_address`);
//     when the platform is down the last known address is kept;
//   - a finish is journaled first, then delivered (`finish_auction`) until the platform
//     acknowledges it, across restarts of the seller (the journal is read at start);
//   - resume: a started auction this process does not run (the seller restarted) continues
//     from the newest state there is, the journal's or the platform's, and its buyers are told
//     where the seller is now (`seller_back`).
//
// Sits in market/runtime/ (Asio). Threading: construct, call and destroy on the executor's thread
// (one thread or a strand); the observer runs there too. Calls may overlap (each awaits the
// platform on its own). Never blocks on the network; journal writes block briefly (one fsync).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/base/sale_terms.hpp"
#include "auction/market/runtime/auction_list.hpp"
#include "auction/market/runtime/seller_peer.hpp"
#include "auction/market/types.hpp"

namespace auction::platform {
class Client;
}

namespace auction::market {

struct SellerRuntimeOptions {
  SellerPeerOptions peer;                            // peer.username is the seller's username
  std::filesystem::path state_dir = "seller-state";  // the journal (one seller per directory)
  // The address given to the platform at login; "" -> peer.listen_address and the bound port.
  std::string advertised_address;
  std::chrono::milliseconds push_period{1000};     // update_auction and journal, per auction
  std::chrono::milliseconds delivery_retry{1000};  // pause between finish_auction attempts
  // The bytes of chain links one update_auction or finish_auction carries at most (a single
  // link larger than this goes alone): the links the platform lacks go in as many pushes as
  // it takes. Far enough below the platform's entry bound (1 MiB) that a push's other fields
  // never tip it over; docs/platform.md ("update_auction") has the measured sizes.
  std::size_t push_bytes_max = 512 * 1024;
};

// What the seller types to create an auction (docs/platform.md, create_auction).
struct NewAuction {
  std::string auction_name;
  std::string item_name;
  std::string item_description;
  Cents base_price;
  Cents increment;
  std::int64_t period_ms = 1000;
  // The increment table, the reserve and the grace; a hidden reserve's salt is drawn here
  // (leave it empty).
  SaleTerms terms{};
};

// What the runtime reports besides the peer's actions.
struct SellerRuntimeObserver {
  std::function<void(AuctionId, const SellerAction&)> on_action;  // every auction action
  // The platform acknowledged the finish: `result` is finish_auction's answer.
  std::function<void(AuctionId, const nlohmann::json& result)> on_delivered;
  // Something the user should know that is no command's answer (a refused finish, a journal
  // write that failed).
  std::function<void(const std::string& line)> on_warning;
};

class SellerRuntime {
 public:
  // `platform` must outlive the runtime.
  SellerRuntime(boost::asio::any_io_executor executor, platform::Client& platform,
                SellerRuntimeOptions options);
  ~SellerRuntime();  // stops
  SellerRuntime(const SellerRuntime&) = delete;
  SellerRuntime& operator=(const SellerRuntime&) = delete;

  // Replaces the observer (set it before start() to see everything).
  void set_observer(SellerRuntimeObserver observer);

  // Opens the journal and binds the peer server; starts delivering journaled finishes.
  // Returns the address buyers reach this seller at. Errors: journal_unusable,
  // journal_corrupt, address_in_use, bind_failed. Precondition: called once.
  Result<std::string> start();
  void stop();  // idempotent; abandons calls in flight

  // Logs in at this runtime's address (again, after a restart: the platform moves the user).
  boost::asio::awaitable<Result<void>> async_login();

  // Errors: the platform's (invalid_argument naming the field, unknown_user, ...), unavailable.
  // Text that platform::check_new_request() refuses (a control or bidirectional formatting
  // character in a name or the description) is refused here, before the platform is asked.
  boost::asio::awaitable<Result<AuctionId>> async_create(NewAuction auction);

  // One page of the auctions on the platform as this seller sees them (fetch_auctions).
  boost::asio::awaitable<Result<AuctionListPage>> async_list(AuctionListRequest request = {});
  // One auction as this seller sees it, with its buyers and their addresses (every page) when
  // `with_buyers`. Errors: unknown_auction, the platform's.
  boost::asio::awaitable<Result<nlohmann::json>> async_show(AuctionId auction_id,
                                                            bool with_buyers = true);
  // Checks a finished auction from its transcript (market/transcript_report.hpp): the report,
  // or the first mismatch (transcript_invalid, bad_signature) or the platform's error.
  boost::asio::awaitable<Result<nlohmann::json>> async_verify(AuctionId auction_id);

  // Hands a created auction over to this seller and runs it. Errors: the platform's
  // (not_owner, wrong_stage, no_buyers, ...), wrong_stage before the auction's scheduled
  // start (terms.start_at_ms, by this machine's clock), invalid_argument (an auction the
  // market rules refuse), limit_exceeded.
  boost::asio::awaitable<Result<void>> async_start(AuctionId auction_id);

  // Continues a started auction this process does not run, from the newest state (journal or
  // platform); returns the round it continues from. Errors: wrong_stage (not started, already
  // finished, or running here), not_owner, unknown_auction, the platform's.
  boost::asio::awaitable<Result<RoundId>> async_resume(AuctionId auction_id);

  // Cancels an auction that has not started. Errors: the platform's (wrong_stage, ...).
  boost::asio::awaitable<Result<void>> async_cancel(AuctionId auction_id);

  // Whether this process runs (or has finished) the auction now.
  const SellerAuction* find(AuctionId auction_id) const;
  // Journaled finishes the platform has not acknowledged yet.
  std::vector<AuctionId> undelivered() const;
  // Auctions this process runs now (started or resumed here, not finished).
  std::vector<AuctionId> running() const;
  const std::string& address() const;
  const std::string& username() const;

  struct State;  // shared with the coroutines in flight; defined in seller_runtime.cpp

 private:
  std::shared_ptr<State> state_;
};

// The settings of the seller's pure engine (SellerAuction) for an auction of `period_ms`:
// buyers get 4/5 of the period to acknowledge, the pause backoff caps at 16 periods (at most
// a day).
SellerConfig seller_config_for(std::int64_t period_ms, std::chrono::milliseconds push_period);

}  // namespace auction::market

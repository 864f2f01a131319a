// The seller's peer runtime; see auction/market/runtime/seller_peer.hpp.
#include "auction/market/runtime/seller_peer.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/assert.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/market/peer_messages.hpp"
#include "auction/market/peer_signatures.hpp"
#include "market/runtime/endpoint.hpp"
#include "wire/client.hpp"
#include "wire/server.hpp"
#include "wire/spawn.hpp"

namespace auction::market {

namespace asio = boost::asio;
using detail::steady_now_ms;
using std::chrono::milliseconds;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

struct SellerPeer::State : std::enable_shared_from_this<SellerPeer::State> {
  State(asio::any_io_executor ex, SellerPeerOptions opts, SellerObserver obs)
      : executor(std::move(ex)),
        options(std::move(opts)),
        observer(std::move(obs)),
        server(executor, detail::server_options_for(options.listen_address, options.listen_port,
                                                    options.connections_per_address_max,
                                                    options.idle_timeout)) {}

  // One buyer's address and the connection to it (made again when the address changes).
  struct Buyer {
    std::string address;
    std::unique_ptr<wire::Client> client;  // null when the address is unusable
    bool last_send_failed = false;
    // Auctions for which its latest ack said it holds the list of buyers: the compact
    // announcement will do for those. Per auction: a buyer's engine holds one list per
    // auction it takes part in. Bounded by the auctions held (forget_lists on eviction).
    std::set<AuctionId> has_buyers;
  };

  // One round's announcement, encoded once for all its recipients (in each form at most
  // once) and shared by their sends.
  struct RoundSend {
    AuctionId auction_id;
    RoundId round_id = 0;
    AnnouncePrice message;          // the full form, for a buyer that answers buyers_unknown
    identity::Sha256Digest digest;  // of its statement: what each ack must be signed over
    std::int64_t deadline_ms = 0;
    std::chrono::steady_clock::time_point sent_at;
    std::optional<wire::PreparedRequest> full;     // for buyers without the list
    std::optional<wire::PreparedRequest> compact;  // for buyers with it
  };

  asio::any_io_executor executor;
  SellerPeerOptions options;
  SellerObserver observer;
  AnnounceObserver announce_observer;
  wire::Server server;
  std::uint16_t port = 0;
  bool stopped = false;
  std::map<AuctionId, SellerAuction> auctions;  // held auctions, finished ones included
  std::vector<AuctionId> finished_order;        // oldest finished first, for eviction
  std::map<std::string, Buyer, std::less<>> buyers;

  void set_address(std::string_view username, std::string address) {
    auto it = buyers.find(username);
    if (it != buyers.end() && it->second.address == address) return;
    Buyer b;
    b.address = std::move(address);
    if (auto client_options = detail::client_options_for(b.address)) {
      b.client = std::make_unique<wire::Client>(executor, std::move(*client_options));
    }
    buyers.insert_or_assign(std::string(username), std::move(b));
  }

  wire::Client* client_of(std::string_view username) {
    auto it = buyers.find(username);
    return it == buyers.end() ? nullptr : it->second.client.get();
  }

  void mark(std::string_view username, AuctionId auction_id, bool failed, bool has_buyers) {
    if (auto it = buyers.find(username); it != buyers.end()) {
      it->second.last_send_failed = failed;
      if (has_buyers) {
        it->second.has_buyers.insert(auction_id);
      } else {
        it->second.has_buyers.erase(auction_id);
      }
    }
  }

  void forget_lists(AuctionId auction_id) {
    for (auto& [username, buyer] : buyers) buyer.has_buyers.erase(auction_id);
  }

  // Sends `a` to each recipient in parallel, in the form it can take.
  void announce(AuctionId auction_id, const seller_action::Announce& a) {
    auto round = std::make_shared<RoundSend>();
    round->auction_id = auction_id;
    round->round_id = a.message.round_id;
    round->message = a.message;
    round->digest = a.digest;
    round->deadline_ms = a.deadline_ms;
    round->sent_at = std::chrono::steady_clock::now();
    // The form is chosen here, once: an ack arriving before a send starts cannot change it.
    std::vector<bool> is_compact;
    is_compact.reserve(a.recipients.size());
    for (const std::string& username : a.recipients) {
      auto it = buyers.find(username);
      const bool has_buyers = it != buyers.end() && it->second.has_buyers.contains(auction_id);
      is_compact.push_back(has_buyers);
      if (has_buyers && !round->compact) {
        // The seller's signature covers the full form, so it serves the compact one as well.
        AnnouncePrice compact = a.message;
        compact.is_compact = true;
        std::erase_if(compact.buyers, [](const BuyerEntry& b) { return b.is_active(); });
        round->compact.emplace(op_announce_price, encode(compact));
      } else if (!has_buyers && !round->full) {
        round->full.emplace(op_announce_price, encode(a.message));
      }
    }
    for (std::size_t i = 0; i < a.recipients.size(); ++i) {
      wire::spawn_logged(executor,
                         async_announce(shared_from_this(), round, a.recipients[i], is_compact[i]),
                         "seller: announce");
    }
  }

  // Carries out the network part of `actions`, then reports each to the observer.
  void handle(AuctionId auction_id, std::vector<SellerAction> actions) {
    for (const SellerAction& action : actions) {
      if (const auto* a = std::get_if<seller_action::Announce>(&action)) {
        announce(auction_id, *a);
      } else if (const auto* f = std::get_if<seller_action::Finish>(&action)) {
        finished_order.push_back(auction_id);
        for (const BuyerEntry& b : f->finish.record.buyers) {
          wire::spawn_logged(executor,
                             async_send_finished(shared_from_this(), b.username, f->finish),
                             "seller: auction_finished");
        }
      }
      if (observer) observer(auction_id, action);
    }
  }

  SellerAuction* find(AuctionId auction_id) {
    auto it = auctions.find(auction_id);
    return it == auctions.end() ? nullptr : &it->second;
  }

  static asio::awaitable<void> async_announce(std::shared_ptr<State> self,
                                              std::shared_ptr<const RoundSend> round,
                                              std::string username, bool is_compact) {
    const AuctionId auction_id = round->auction_id;
    const RoundId round_id = round->round_id;
    bool acked = false;
    bool has_buyers = false;
    auto it = self->buyers.find(username);
    if (it != self->buyers.end() && it->second.client) {
      wire::Client& client = *it->second.client;
      const wire::PreparedRequest& request = is_compact ? *round->compact : *round->full;
      // The engine closes the round at its deadline; the call waits a little longer so a late
      // ack still says which form this buyer takes (SellerPeerOptions::late_ack_grace).
      auto budget = [&] {
        return milliseconds(std::max<std::int64_t>(1, round->deadline_ms - steady_now_ms())) +
               self->options.late_ack_grace;
      };
      auto reply = co_await client.async_call(request, budget());
      if (self->stopped) co_return;
      if (is_compact && reply && !reply->ok && reply->code() == code::buyers_unknown) {
        // The buyer cannot check the compact form without the list (it restarted): send
        // it the full form at once, within the same round.
        const wire::PreparedRequest full(op_announce_price, encode(round->message));
        reply = co_await client.async_call(full, budget());
        if (self->stopped) co_return;
      }
      const SellerAuction* auction = self->find(auction_id);
      if (reply && reply->ok && auction != nullptr) {
        auto ack = decode_peer_ack(reply->result);
        // Only the buyer's own signature over this very announcement counts.
        acked = ack && ack->round_id == round_id &&
                auction->is_signed_ack(username, *ack, round->digest);
        has_buyers = acked && ack->has_buyers;
      }
    }
    self->mark(username, auction_id, !acked, has_buyers);
    if (self->announce_observer) {
      self->announce_observer({auction_id, username, round_id, acked,
                               std::chrono::steady_clock::now() - round->sent_at});
    }
    SellerAuction* auction = self->find(auction_id);
    if (auction == nullptr) co_return;
    const std::int64_t now = steady_now_ms();
    self->handle(auction_id, acked ? auction->on_ack(username, round_id, now)
                                   : auction->on_send_failed(username, round_id, now));
  }

  static asio::awaitable<void> async_send_finished(std::shared_ptr<State> self,
                                                   std::string username, SignedFinish finish) {
    const SellerAuction* auction = self->find(finish.record.auction_id);
    const milliseconds period(auction ? auction->config().period_ms : 1000);
    asio::steady_timer pause(self->executor);
    for (std::uint32_t attempt = 0; attempt < self->options.finish_attempts; ++attempt) {
      if (attempt > 0) {
        pause.expires_after(period);
        co_await pause.async_wait(use_tuple);
      }
      if (self->stopped) co_return;
      wire::Client* client = self->client_of(username);
      if (client == nullptr) co_return;
      auto reply = co_await client->async_call(std::string(op_auction_finished), encode(finish),
                                               std::max(period, milliseconds(500)));
      if (self->stopped || (reply && reply->ok)) co_return;
    }
  }

  static asio::awaitable<void> async_send_back(std::shared_ptr<State> self, std::string username,
                                               SellerBack message) {
    wire::Client* client = self->client_of(username);
    if (client == nullptr) co_return;
    (void)co_await client->async_call(std::string(op_seller_back), encode(message),
                                      self->options.seller_back_deadline);
  }

  // When the ticker should wake next: `tick` from now, or sooner when an engine is due. The
  // engines count whole milliseconds of steady_now_ms(), so waking at the start of the due
  // millisecond makes a round start on it, not up to a tick late.
  std::chrono::steady_clock::time_point next_wake() const {
    auto wake = std::chrono::steady_clock::now() + options.tick;
    for (const auto& [id, auction] : auctions) {
      if (const auto due_ms = auction.next_tick_due_ms()) {
        wake = std::min(wake, std::chrono::steady_clock::time_point(milliseconds(*due_ms)));
      }
    }
    return wake;
  }

  static asio::awaitable<void> async_tick(std::shared_ptr<State> self) {
    asio::steady_timer timer(self->executor);
    while (!self->stopped) {
      timer.expires_at(self->next_wake());
      co_await timer.async_wait(use_tuple);
      if (self->stopped) break;
      std::vector<AuctionId> ids;
      for (const auto& [id, auction] : self->auctions) {
        if (!auction.rules().is_finished()) ids.push_back(id);
      }
      for (AuctionId id : ids) {
        if (SellerAuction* auction = self->find(id))
          self->handle(id, auction->on_tick(steady_now_ms()));
      }
    }
  }

  asio::awaitable<wire::Reply> on_withdraw(wire::Request request) {
    auto message = decode_withdraw_request(request.body);
    if (!message) co_return wire::Reply::failure(message.error());
    SellerAuction* auction = find(message->auction_id);
    if (auction == nullptr) {
      co_return wire::Reply::failure(
          {code::unknown_auction, "auction " + std::to_string(message->auction_id.value) +
                                      " is not run by this seller now"});
    }
    auto response = auction->on_withdraw_request(*message, steady_now_ms());
    if (!response) co_return wire::Reply::failure(response.error());
    handle(message->auction_id, std::move(response->actions));
    co_return wire::Reply::success(encode(response->reply));
  }

  void evict_finished() {
    while (auctions.size() >= options.auctions_max && !finished_order.empty()) {
      auctions.erase(finished_order.front());
      forget_lists(finished_order.front());
      finished_order.erase(finished_order.begin());
    }
  }
};

SellerPeer::SellerPeer(asio::any_io_executor executor, SellerPeerOptions options,
                       SellerObserver observer)
    : state_(
          std::make_shared<State>(std::move(executor), std::move(options), std::move(observer))) {}

SellerPeer::~SellerPeer() { stop(); }

Result<std::uint16_t> SellerPeer::start() {
  std::weak_ptr<State> weak = state_;
  state_->server.handle(
      std::string(op_withdraw), [weak](wire::Request request) -> asio::awaitable<wire::Reply> {
        auto self = weak.lock();
        if (!self || self->stopped) {
          co_return wire::Reply::failure({code::unavailable, "the seller is stopping"});
        }
        co_return co_await self->on_withdraw(std::move(request));
      });
  auto bound = state_->server.start();
  if (!bound) return bound;
  state_->port = *bound;
  wire::spawn_logged(state_->executor, State::async_tick(state_), "seller: ticker");
  return bound;
}

void SellerPeer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  state_->observer = nullptr;
  state_->announce_observer = nullptr;
  state_->server.stop();
  for (auto& [name, buyer] : state_->buyers) {
    if (buyer.client) buyer.client->close();
  }
}

Result<void> SellerPeer::run(SellerAuction auction, std::map<std::string, std::string> addresses,
                             std::string back_at) {
  const AuctionId id = auction.rules().auction_id();
  if (const SellerAuction* held = state_->find(id); held && !held->rules().is_finished()) {
    return fail(code::wrong_stage,
                "auction " + std::to_string(id.value) + " is already running here");
  }
  state_->auctions.erase(id);
  std::erase(state_->finished_order, id);
  state_->evict_finished();
  if (state_->auctions.size() >= state_->options.auctions_max) {
    return fail(
        code::limit_exceeded,
        "this seller already runs " + std::to_string(state_->options.auctions_max) + " auctions");
  }
  for (auto& [username, address] : addresses) state_->set_address(username, std::move(address));
  auto [it, inserted] = state_->auctions.emplace(id, std::move(auction));
  AUCTION_ASSERT(inserted, "the auction id was free");
  if (!back_at.empty()) {
    // Spawned before the announcement, so each buyer's connection carries it first.
    const SellerBack message = it->second.seller_back(std::move(back_at));
    for (const BuyerEntry& b : it->second.rules().buyers()) {
      if (!b.is_active()) continue;
      wire::spawn_logged(state_->executor, State::async_send_back(state_, b.username, message),
                         "seller: seller_back");
    }
  }
  auto actions = it->second.start(steady_now_ms());
  AUCTION_ASSERT(actions.has_value(), "a held auction is started once");
  state_->handle(id, std::move(*actions));
  return {};
}

asio::awaitable<std::size_t> SellerPeer::async_introduce(
    const SellerAuction& auction, std::map<std::string, std::string> addresses,
    milliseconds deadline) {
  auto state = state_;  // the peer may go away while the calls are out
  for (auto& [username, address] : addresses) state->set_address(username, std::move(address));
  const AuctionRules& rules = auction.rules();
  // `auction` outlives this coroutine's calls: it waits for every one of them.
  const AnnouncePrice message = auction.introduction();
  const identity::Sha256Digest digest = identity::sha256(announcement_statement(message));
  const wire::PreparedRequest request(op_announce_price, encode(message));
  struct Tally {
    explicit Tally(const asio::any_io_executor& ex)
        : all_answered(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer all_answered;  // never expires; cancel() when the last answer is in
    std::size_t waiting = 0;
    std::size_t acked = 0;
  };
  auto tally = std::make_shared<Tally>(state->executor);
  for (const BuyerEntry& b : rules.buyers()) {
    if (!b.is_active()) continue;
    ++tally->waiting;
    auto call = [](std::shared_ptr<State> self, std::shared_ptr<Tally> tally,
                   const SellerAuction* auction, const AnnouncePrice* message,
                   const identity::Sha256Digest* digest, std::string username,
                   wire::PreparedRequest request, milliseconds deadline) -> asio::awaitable<void> {
      const AuctionId id = message->auction_id;
      bool acked = false;
      bool has_buyers = false;
      if (wire::Client* client = self->client_of(username)) {
        auto reply = co_await client->async_call(std::move(request), deadline);
        if (reply && reply->ok) {
          auto ack = decode_peer_ack(reply->result);
          acked = ack && ack->round_id == message->round_id &&
                  auction->is_signed_ack(username, *ack, *digest);
          has_buyers = acked && ack->has_buyers;
        }
      }
      if (!self->stopped) self->mark(username, id, !acked, has_buyers);
      if (acked) ++tally->acked;
      if (--tally->waiting == 0) tally->all_answered.cancel();
    };
    wire::spawn_logged(state->executor,
                       call(state, tally, &auction, &message, &digest, b.username, request,
                            deadline),
                       "seller: introduce");
  }
  while (tally->waiting > 0) co_await tally->all_answered.async_wait(use_tuple);
  co_return tally->acked;
}

void SellerPeer::set_announce_observer(AnnounceObserver observer) {
  state_->announce_observer = std::move(observer);
}

void SellerPeer::set_address(std::string_view username, std::string address) {
  state_->set_address(username, std::move(address));
}

const SellerAuction* SellerPeer::find(AuctionId auction_id) const {
  auto it = state_->auctions.find(auction_id);
  return it == state_->auctions.end() ? nullptr : &it->second;
}

std::vector<AuctionId> SellerPeer::running() const {
  std::vector<AuctionId> ids;
  for (const auto& [id, auction] : state_->auctions) {
    if (!auction.rules().is_finished()) ids.push_back(id);
  }
  return ids;
}

std::vector<std::string> SellerPeer::unreachable() const {
  std::vector<std::string> names;
  for (const auto& [name, buyer] : state_->buyers) {
    if (buyer.last_send_failed) names.push_back(name);
  }
  return names;
}

const SellerPeerOptions& SellerPeer::options() const { return state_->options; }

std::uint16_t SellerPeer::port() const { return state_->port; }

}  // namespace auction::market

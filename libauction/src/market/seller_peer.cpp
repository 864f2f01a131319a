// The seller's peer runtime; see auction/market/seller_peer.hpp.
#include "auction/market/seller_peer.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/market/peer_messages.hpp"
#include "auction/wire/client.hpp"
#include "auction/wire/server.hpp"
#include "auction/wire/spawn.hpp"
#include "market/endpoint.hpp"
#include "market/market_assert.hpp"

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
        server(executor, server_options(options)) {}

  static wire::ServerOptions server_options(const SellerPeerOptions& options) {
    wire::ServerOptions s;
    s.address = options.listen_address;
    s.port = options.listen_port;
    return s;
  }

  // One buyer's address and the connection to it (made again when the address changes).
  struct Buyer {
    std::string address;
    std::unique_ptr<wire::Client> client;  // null when the address is unusable
    bool last_send_failed = false;
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

  void mark(std::string_view username, bool failed) {
    if (auto it = buyers.find(username); it != buyers.end()) it->second.last_send_failed = failed;
  }

  // Carries out the network part of `actions`, then reports each to the observer.
  void handle(AuctionId auction_id, std::vector<SellerAction> actions) {
    for (const SellerAction& action : actions) {
      if (const auto* a = std::get_if<seller_action::Announce>(&action)) {
        const auto sent_at = std::chrono::steady_clock::now();
        for (const std::string& username : a->recipients) {
          wire::spawn_logged(executor,
                             async_announce(shared_from_this(), auction_id, username, a->message,
                                            a->deadline_ms, sent_at),
                             "seller: announce");
        }
      } else if (const auto* f = std::get_if<seller_action::Finish>(&action)) {
        finished_order.push_back(auction_id);
        for (const BuyerEntry& b : f->record.buyers) {
          wire::spawn_logged(executor, async_send_finished(shared_from_this(), b.username, f->record),
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

  static asio::awaitable<void> async_announce(std::shared_ptr<State> self, AuctionId auction_id,
                                              std::string username, AnnouncePrice message,
                                              std::int64_t deadline_ms,
                                              std::chrono::steady_clock::time_point sent_at) {
    bool acked = false;
    if (wire::Client* client = self->client_of(username)) {
      const milliseconds budget(std::max<std::int64_t>(1, deadline_ms - steady_now_ms()));
      auto reply = co_await client->async_call(std::string(op_announce_price), encode(message),
                                               budget);
      if (self->stopped) co_return;
      if (reply && reply->ok) {
        auto ack = decode_peer_ack(reply->result);
        acked = ack && ack->auction_id == auction_id && ack->round_id == message.round_id;
      }
    }
    self->mark(username, !acked);
    if (self->announce_observer) {
      self->announce_observer({auction_id, username, message.round_id, acked,
                               std::chrono::steady_clock::now() - sent_at});
    }
    SellerAuction* auction = self->find(auction_id);
    if (auction == nullptr) co_return;
    const std::int64_t now = steady_now_ms();
    self->handle(auction_id, acked ? auction->on_ack(username, message.round_id, now)
                                   : auction->on_send_failed(username, message.round_id, now));
  }

  static asio::awaitable<void> async_send_finished(std::shared_ptr<State> self,
                                                   std::string username, FinishRecord record) {
    const SellerAuction* auction = self->find(record.auction_id);
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
      auto reply = co_await client->async_call(std::string(op_auction_finished), encode(record),
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

  static asio::awaitable<void> async_tick(std::shared_ptr<State> self) {
    asio::steady_timer timer(self->executor);
    while (!self->stopped) {
      timer.expires_after(self->options.tick);
      co_await timer.async_wait(use_tuple);
      if (self->stopped) break;
      std::vector<AuctionId> ids;
      for (const auto& [id, auction] : self->auctions) {
        if (!auction.clock().is_finished()) ids.push_back(id);
      }
      for (AuctionId id : ids) {
        if (SellerAuction* auction = self->find(id)) self->handle(id, auction->on_tick(steady_now_ms()));
      }
    }
  }

  asio::awaitable<wire::Reply> on_withdraw(wire::Request request) {
    auto message = decode_withdraw_request(request.body);
    if (!message) co_return wire::Reply::failure(message.error());
    SellerAuction* auction = find(message->auction_id);
    if (auction == nullptr) {
      co_return wire::Reply::failure(
          {"unknown_auction",
           "auction " + std::to_string(message->auction_id) + " is not run by this seller now"});
    }
    auto response = auction->on_withdraw_request(message->username, message->reason,
                                                 steady_now_ms());
    handle(message->auction_id, std::move(response.actions));
    co_return wire::Reply::success(encode(response.reply));
  }

  void evict_finished() {
    while (auctions.size() >= options.auctions_max && !finished_order.empty()) {
      auctions.erase(finished_order.front());
      finished_order.erase(finished_order.begin());
    }
  }
};

SellerPeer::SellerPeer(asio::any_io_executor executor, SellerPeerOptions options,
                       SellerObserver observer)
    : state_(std::make_shared<State>(std::move(executor), std::move(options),
                                     std::move(observer))) {}

SellerPeer::~SellerPeer() { stop(); }

Result<std::uint16_t> SellerPeer::start() {
  std::weak_ptr<State> weak = state_;
  state_->server.handle(std::string(op_withdraw),
                        [weak](wire::Request request) -> asio::awaitable<wire::Reply> {
                          auto self = weak.lock();
                          if (!self || self->stopped) {
                            co_return wire::Reply::failure({"unavailable", "the seller is stopping"});
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
  const AuctionId id = auction.clock().auction_id();
  if (const SellerAuction* held = state_->find(id); held && !held->clock().is_finished()) {
    return fail("wrong_stage", "auction " + std::to_string(id) + " is already running here");
  }
  state_->auctions.erase(id);
  std::erase(state_->finished_order, id);
  state_->evict_finished();
  if (state_->auctions.size() >= state_->options.auctions_max) {
    return fail("limit_exceeded", "this seller already runs " +
                                      std::to_string(state_->options.auctions_max) + " auctions");
  }
  for (auto& [username, address] : addresses) state_->set_address(username, std::move(address));
  auto [it, inserted] = state_->auctions.emplace(id, std::move(auction));
  MARKET_ASSERT(inserted, "the auction id was free");
  if (!back_at.empty()) {
    // Spawned before the announcement, so each buyer's connection carries it first.
    const SellerBack message{id, state_->options.username, std::move(back_at)};
    for (const BuyerEntry& b : it->second.clock().buyers()) {
      if (!b.is_active()) continue;
      wire::spawn_logged(state_->executor, State::async_send_back(state_, b.username, message),
                         "seller: seller_back");
    }
  }
  auto actions = it->second.start(steady_now_ms());
  MARKET_ASSERT(actions.has_value(), "a held auction is started once");
  state_->handle(id, std::move(*actions));
  return {};
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
    if (!auction.clock().is_finished()) ids.push_back(id);
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

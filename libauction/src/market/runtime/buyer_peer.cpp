// A buyer's peer runtime; see auction/market/runtime/buyer_peer.hpp.
#include "auction/market/runtime/buyer_peer.hpp"

#include <map>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/assert.hpp"
#include "auction/market/peer_messages.hpp"
#include "market/runtime/endpoint.hpp"
#include "wire/client.hpp"
#include "wire/server.hpp"
#include "wire/spawn.hpp"

namespace auction::market {

namespace asio = boost::asio;
using detail::steady_now_ms;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

struct BuyerPeer::State : std::enable_shared_from_this<BuyerPeer::State> {
  State(asio::any_io_executor ex, BuyerPeerOptions opts, BuyerObserver obs)
      : executor(std::move(ex)),
        options(std::move(opts)),
        observer(std::move(obs)),
        server(executor, detail::server_options_for(options.listen_address, options.listen_port,
                                                    options.connections_per_address_max,
                                                    options.idle_timeout)) {}

  // One watched auction: what the buyer knows of it, and its pure engine once it started.
  struct Watch {
    WatchedAuction auction;          // its seller_address is seller_address below
    std::int64_t watched_at_ms = 0;  // when auction.known_round was known
    std::string seller_address;
    std::unique_ptr<wire::Client> client;  // to seller_address; null when unusable
    std::optional<Cents> max_price;        // this auction's own proxy, if set
    std::optional<BuyerAuction> engine;    // made at the first message from the seller
    // The seller confirmed this buyer is out: it announces nothing more to it, so its
    // silence is no pause.
    bool is_out = false;
  };

  asio::any_io_executor executor;
  BuyerPeerOptions options;
  BuyerObserver observer;
  wire::Server server;
  std::uint16_t port = 0;
  bool stopped = false;
  std::map<AuctionId, Watch> watches;
  // Max prices set for auctions not watched yet (a `max` typed before the join is
  // confirmed): each moves into its Watch when the auction is watched. At most
  // options.auctions_max.
  std::map<AuctionId, Cents> max_prices_ahead;

  Watch* find(AuctionId auction_id) {
    auto it = watches.find(auction_id);
    return it == watches.end() ? nullptr : &it->second;
  }

  void set_seller_address(Watch& w, std::string address) {
    if (w.seller_address == address && w.client) return;
    w.seller_address = std::move(address);
    w.client.reset();
    if (auto client_options = detail::client_options_for(w.seller_address)) {
      w.client = std::make_unique<wire::Client>(executor, std::move(*client_options));
    }
  }

  std::optional<Cents> max_price_of(const Watch& w) const {
    return w.max_price ? w.max_price : options.max_price;
  }

  // The BuyerAuction of `w`, made now if this is the seller's first message.
  BuyerAuction& engine_of(AuctionId auction_id, Watch& w) {
    if (!w.engine) {
      BuyerConfig config{auction_id,
                         options.username,
                         w.auction.period_ms,
                         options.pause_after_periods,
                         max_price_of(w),
                         w.auction.seller,
                         w.auction.seller_key,
                         w.auction.base_price,
                         w.auction.increment,
                         w.auction.increment_steps,
                         w.auction.known_round,
                         w.watched_at_ms,
                         options.signer};
      auto engine = BuyerAuction::create(std::move(config), steady_now_ms());
      AUCTION_ASSERT(engine.has_value(), "watch() and the options were validated at start");
      w.engine.emplace(std::move(*engine));
    }
    return *w.engine;
  }

  // Carries out SendWithdraw and SellerBack, then reports each event to the observer.
  void handle(AuctionId auction_id, std::vector<BuyerEvent> events) {
    for (const BuyerEvent& event : events) {
      if (const auto* send = std::get_if<buyer_event::SendWithdraw>(&event)) {
        wire::spawn_logged(executor, async_withdraw(shared_from_this(), send->request),
                           "buyer: withdraw");
      } else if (const auto* back = std::get_if<buyer_event::SellerBack>(&event)) {
        if (Watch* w = find(auction_id)) set_seller_address(*w, back->address);
      }
      if (observer.on_event) observer.on_event(auction_id, event);
    }
  }

  static asio::awaitable<void> async_withdraw(std::shared_ptr<State> self,
                                              WithdrawRequest request) {
    WithdrawAnswered answered{request.reason, fail(code::unavailable, "no address for the seller"),
                              request.round_id, request.price};
    if (Watch* w = self->find(request.auction_id); w && w->client) {
      auto reply = co_await w->client->async_call(std::string(op_withdraw), encode(request),
                                                  self->options.withdraw_deadline);
      if (self->stopped) co_return;
      if (reply && reply->ok) {
        if (auto decoded = decode_withdraw_reply(reply->result);
            decoded && (decoded->outcome == WithdrawOutcome::withdrawn ||
                        decoded->outcome == WithdrawOutcome::already_withdrawn)) {
          if (Watch* out = self->find(request.auction_id)) {
            out->is_out = true;
            // Nothing more to say to this seller about this auction: give the connection
            // back, since the seller's port grants each source address only its share
            // (docs/protocol.md, "Limits of the ports"), and buyers may share one.
            if (out->client) out->client->close();
          }
        }
      }
      if (!reply) {
        answered.outcome = std::unexpected(reply.error());
      } else if (!reply->ok) {
        answered.outcome = std::unexpected(reply->to_error());
      } else if (auto decoded = decode_withdraw_reply(reply->result)) {
        answered.outcome = decoded->outcome;
      } else {
        answered.outcome = std::unexpected(decoded.error());
      }
    }
    if (self->observer.on_withdraw_answered) {
      self->observer.on_withdraw_answered(request.auction_id, answered);
    }
  }

  static asio::awaitable<void> async_tick(std::shared_ptr<State> self) {
    asio::steady_timer timer(self->executor);
    while (!self->stopped) {
      timer.expires_after(self->options.tick);
      co_await timer.async_wait(use_tuple);
      if (self->stopped) break;
      std::vector<AuctionId> ids;
      for (const auto& [id, w] : self->watches) {
        // A buyer known to be out hears nothing more from the seller until the result.
        const bool is_out =
            w.is_out || (w.engine && w.engine->round_id() && !w.engine->is_active());
        if (w.engine && !is_out) ids.push_back(id);
      }
      for (AuctionId id : ids) {
        if (Watch* w = self->find(id); w && w->engine) {
          self->handle(id, w->engine->on_tick(steady_now_ms()));
        }
      }
    }
  }

  wire::Reply not_watched(AuctionId auction_id) const {
    return wire::Reply::failure(
        {code::not_joined,
         options.username + " does not take part in auction " + std::to_string(auction_id.value)});
  }

  // The three seller messages share one shape: decode, route, step the engine (which checks
  // the seller's signature), answer.
  template <class Message, class Decode, class Step>
  wire::Reply serve(const wire::Request& request, Decode decode, Step step) {
    Result<Message> message = decode(request.body);
    if (!message) return wire::Reply::failure(message.error());
    const AuctionId auction_id = auction_of(*message);
    Watch* w = find(auction_id);
    if (w == nullptr) return not_watched(auction_id);
    const bool is_first = !w->engine.has_value();
    Result<BuyerAuction::Step> result = step(engine_of(auction_id, *w), *message);
    if (!result) {
      // A refused first message (a stranger's) must not leave an engine behind: it would
      // start pause detection and make the auction look started here.
      if (is_first) w->engine.reset();
      return wire::Reply::failure(result.error());
    }
    const PeerAck ack = result->ack;
    handle(auction_id, std::move(result->events));
    return wire::Reply::success(encode(ack));
  }

  static AuctionId auction_of(const AnnouncePrice& m) { return m.auction_id; }
  static AuctionId auction_of(const SignedFinish& m) { return m.record.auction_id; }
  static AuctionId auction_of(const SellerBack& m) { return m.auction_id; }

  void register_ops() {
    std::weak_ptr<State> weak = weak_from_this();
    auto op = [&](std::string_view name, auto serve_one) {
      server.handle(
          std::string(name),
          [weak, serve_one](wire::Request request) -> asio::awaitable<wire::Reply> {
            auto self = weak.lock();
            if (!self || self->stopped) {
              co_return wire::Reply::failure({code::unavailable, "the buyer is stopping"});
            }
            co_return serve_one(*self, request);
          });
    };
    op(op_announce_price, [](State& s, const wire::Request& r) {
      return s.serve<AnnouncePrice>(r, decode_announce_price,
                                    [](BuyerAuction& e, const AnnouncePrice& m) {
                                      return e.on_announce(m, steady_now_ms());
                                    });
    });
    op(op_auction_finished, [](State& s, const wire::Request& r) {
      return s.serve<SignedFinish>(
          r, decode_signed_finish,
          [](BuyerAuction& e, const SignedFinish& m) { return e.on_finished(m, steady_now_ms()); });
    });
    op(op_seller_back, [](State& s, const wire::Request& r) {
      return s.serve<SellerBack>(r, decode_seller_back, [](BuyerAuction& e, const SellerBack& m) {
        return e.on_seller_back(m, steady_now_ms());
      });
    });
  }
};

BuyerPeer::BuyerPeer(asio::any_io_executor executor, BuyerPeerOptions options,
                     BuyerObserver observer)
    : state_(
          std::make_shared<State>(std::move(executor), std::move(options), std::move(observer))) {}

BuyerPeer::~BuyerPeer() { stop(); }

Result<std::uint16_t> BuyerPeer::start() {
  const PeerSigner& signer = state_->options.signer;
  if (!can_sign(signer) || signer.username != state_->options.username) {
    return fail(code::invalid_argument,
                "signer: a buyer signs with its own key pair in a cluster (no user key, or no "
                "cluster id in the cluster file's tls section)");
  }
  state_->register_ops();
  auto bound = state_->server.start();
  if (!bound) return bound;
  state_->port = *bound;
  wire::spawn_logged(state_->executor, State::async_tick(state_), "buyer: ticker");
  return bound;
}

void BuyerPeer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  state_->observer = {};
  state_->server.stop();
  for (auto& [id, w] : state_->watches) {
    if (w.client) w.client->close();
  }
}

Result<void> BuyerPeer::watch(WatchedAuction auction) {
  if (auction.period_ms < 1 || auction.period_ms > duration_ms_max) {
    return fail(code::invalid_argument, "period_ms: must be 1..86400000");
  }
  if (auto prices =
          PriceSchedule::create(auction.base_price, auction.increment, auction.increment_steps);
      !prices) {
    return std::unexpected(prices.error());
  }
  if (!is_valid_username(auction.seller)) {
    return fail(code::invalid_argument, "seller: not a username");
  }
  const AuctionId auction_id = auction.auction_id;
  State::Watch* w = state_->find(auction_id);
  if (w == nullptr) {
    if (state_->watches.size() >= state_->options.auctions_max) {
      return fail(code::limit_exceeded, "this buyer already takes part in " +
                                            std::to_string(state_->options.auctions_max) +
                                            " auctions");
    }
    w = &state_->watches[auction_id];
    if (auto ahead = state_->max_prices_ahead.extract(auction_id)) w->max_price = ahead.mapped();
  }
  std::string seller_address = std::move(auction.seller_address);
  w->auction = std::move(auction);
  w->watched_at_ms = steady_now_ms();
  if (!seller_address.empty()) state_->set_seller_address(*w, std::move(seller_address));
  return {};
}

void BuyerPeer::forget(AuctionId auction_id) { state_->watches.erase(auction_id); }

bool BuyerPeer::is_watched(AuctionId auction_id) const {
  return state_->watches.contains(auction_id);
}

void BuyerPeer::set_seller_address(AuctionId auction_id, std::string address) {
  if (State::Watch* w = state_->find(auction_id))
    state_->set_seller_address(*w, std::move(address));
}

void BuyerPeer::set_address_of_seller(std::string_view seller, const std::string& address) {
  for (auto& [id, w] : state_->watches) {
    if (w.auction.seller == seller) state_->set_seller_address(w, address);
  }
}

std::string BuyerPeer::seller_address(AuctionId auction_id) const {
  auto it = state_->watches.find(auction_id);
  return it == state_->watches.end() ? std::string() : it->second.seller_address;
}

Result<void> BuyerPeer::set_max_price(std::optional<AuctionId> auction_id,
                                      std::optional<Cents> max_price) {
  AUCTION_ASSERT(!max_price || max_price->value >= 0, "a max price is not negative");
  if (auction_id && !state_->watches.contains(*auction_id)) {
    // Kept until the auction is watched (its join may not be confirmed yet).
    auto& ahead = state_->max_prices_ahead;
    if (!max_price) {
      ahead.erase(*auction_id);
      return {};
    }
    if (!ahead.contains(*auction_id) && ahead.size() >= state_->options.auctions_max) {
      return fail(code::limit_exceeded, "max prices are already set for " +
                                            std::to_string(ahead.size()) +
                                            " auctions this buyer does not take part in");
    }
    ahead.insert_or_assign(*auction_id, *max_price);
    return {};
  }
  const auto apply = [this](AuctionId id, State::Watch& w) {
    if (w.engine) state_->handle(id, w.engine->set_max_price(state_->max_price_of(w)));
  };
  if (auction_id) {
    State::Watch& w = state_->watches.at(*auction_id);
    w.max_price = max_price;
    apply(*auction_id, w);
    return {};
  }
  state_->options.max_price = max_price;
  for (auto& [id, w] : state_->watches) apply(id, w);
  return {};
}

Result<void> BuyerPeer::withdraw(AuctionId auction_id) {
  State::Watch* w = state_->find(auction_id);
  if (w == nullptr) {
    return fail(code::unknown_auction,
                "not taking part in auction " + std::to_string(auction_id.value));
  }
  if (!w->engine) {
    return fail(code::not_started, "auction " + std::to_string(auction_id.value) +
                                       " has not started here yet; leave it instead");
  }
  if (w->engine->is_finished()) return fail(code::already_finished, "the auction is over");
  auto events = w->engine->request_withdraw();
  if (events.empty()) return fail(code::already_withdrawn, "you are out of this auction already");
  state_->handle(auction_id, std::move(events));
  return {};
}

const BuyerAuction* BuyerPeer::find(AuctionId auction_id) const {
  auto it = state_->watches.find(auction_id);
  return it == state_->watches.end() || !it->second.engine ? nullptr : &*it->second.engine;
}

std::vector<AuctionId> BuyerPeer::watched() const {
  std::vector<AuctionId> ids;
  for (const auto& [id, w] : state_->watches) ids.push_back(id);
  return ids;
}

std::uint16_t BuyerPeer::port() const { return state_->port; }

const BuyerPeerOptions& BuyerPeer::options() const { return state_->options; }

}  // namespace auction::market

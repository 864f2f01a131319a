// A buyer's whole runtime; see auction/market/runtime/buyer_runtime.hpp.
#include "auction/market/runtime/buyer_runtime.hpp"

#include <set>
#include <utility>

#include "auction/platform/client.hpp"
#include "market/runtime/auction_views.hpp"
#include "market/runtime/endpoint.hpp"
#include "wire/spawn.hpp"

namespace auction::market {

namespace asio = boost::asio;
using nlohmann::json;

struct BuyerRuntime::State : std::enable_shared_from_this<BuyerRuntime::State> {
  State(asio::any_io_executor ex, platform::Client& client, BuyerRuntimeOptions opts)
      : executor(std::move(ex)), platform(client), options(std::move(opts)) {}

  asio::any_io_executor executor;
  platform::Client& platform;
  BuyerRuntimeOptions options;
  BuyerObserver observer;
  std::unique_ptr<BuyerPeer> peer;
  std::string address;
  bool stopped = false;
  std::set<AuctionId> looking_up;  // a seller address lookup is in flight

  const std::string& username() const { return options.peer.username; }

  void on_withdraw_answered(AuctionId auction_id, const WithdrawAnswered& answered) {
    // The seller did not answer: it may have moved. BuyerAuction sends the request again at
    // the next announcement, by then to the address the platform knows.
    if (!answered.outcome && platform::is_unreachable(answered.outcome.error()) &&
        !looking_up.contains(auction_id)) {
      looking_up.insert(auction_id);
      wire::spawn_logged(executor, async_refresh_seller(shared_from_this(), auction_id),
                         "buyer: look up seller");
    }
    if (observer.on_withdraw_answered) observer.on_withdraw_answered(auction_id, answered);
  }

  static asio::awaitable<void> async_refresh_seller(std::shared_ptr<State> self,
                                                    AuctionId auction_id) {
    auto view = co_await self->platform.async_fetch_auction(self->username(), auction_id);
    if (view && !self->stopped) {
      platform::GetUserAddress get{view->seller};
      auto seller = co_await self->platform.async_get_user_address(std::move(get));
      if (seller && !self->stopped) self->peer->set_seller_address(auction_id, seller->address);
    }
    self->looking_up.erase(auction_id);
  }

  // Watches an auction seen as `view`, learning where its seller answers and its key.
  // Without the seller's key nothing it sends could be believed, so the watch fails when the
  // platform cannot say it.
  asio::awaitable<Result<void>> async_watch(const platform::AuctionView& view) {
    auto self = shared_from_this();
    WatchedAuction watched;
    watched.auction_id = AuctionId{view.auction_id.value};
    watched.period_ms = view.period_ms;
    watched.seller = view.seller;
    watched.base_price = view.base_price;
    watched.increment = view.increment;
    watched.increment_steps = view.terms.increment_steps;
    watched.known_round = view.progress ? view.progress->round_id : 0;
    platform::GetUserAddress get{view.seller};
    auto found = co_await platform.async_get_user_address(std::move(get));
    if (self->stopped) co_return fail(code::unavailable, "the buyer is stopping");
    if (!found) co_return std::unexpected(found.error());
    auto key = identity::public_key_from_text(found->public_key);
    if (!key) {
      co_return fail(code::bad_response, "get_user_address.public_key: " + key.error().message);
    }
    watched.seller_key = *key;
    watched.seller_address = found->address;
    co_return peer->watch(std::move(watched));
  }
};

BuyerRuntime::BuyerRuntime(asio::any_io_executor executor, platform::Client& platform,
                           BuyerRuntimeOptions options)
    : state_(std::make_shared<State>(std::move(executor), platform, std::move(options))) {
  // The buyer signs its peer messages with the key it proves to the platform.
  if (const auto& user = platform.user()) {
    state_->options.peer.signer = PeerSigner{user->username, user->keys, platform.cluster_id()};
  }
  std::weak_ptr<State> weak = state_;
  BuyerObserver relay;
  relay.on_event = [weak](AuctionId id, const BuyerEvent& event) {
    auto self = weak.lock();
    if (self && self->observer.on_event) self->observer.on_event(id, event);
  };
  relay.on_withdraw_answered = [weak](AuctionId id, const WithdrawAnswered& answered) {
    if (auto self = weak.lock()) self->on_withdraw_answered(id, answered);
  };
  state_->peer = std::make_unique<BuyerPeer>(state_->executor, state_->options.peer, relay);
}

BuyerRuntime::~BuyerRuntime() { stop(); }

void BuyerRuntime::set_observer(BuyerObserver observer) { state_->observer = std::move(observer); }

Result<std::string> BuyerRuntime::start() {
  auto port = state_->peer->start();
  if (!port) return std::unexpected(port.error());
  state_->address = detail::login_address(state_->options.advertised_address,
                                          state_->options.peer.listen_address, *port);
  return state_->address;
}

void BuyerRuntime::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  state_->observer = {};
  state_->peer->stop();
}

asio::awaitable<Result<void>> BuyerRuntime::async_login() {
  auto self = state_;
  platform::Login login{self->username(), self->address, self->platform.user_public_key()};
  auto result = co_await self->platform.async_login(std::move(login));
  if (!result) co_return std::unexpected(result.error());
  auto auctions = co_await self->platform.async_fetch_all_auctions(self->username(), true);
  if (!auctions) co_return std::unexpected(auctions.error());
  for (const platform::AuctionView& view : *auctions) {
    const bool is_open =
        view.stage == platform::Stage::created || view.stage == platform::Stage::started;
    if (view.role != platform::Role::buyer || !is_open) continue;
    if (auto ok = co_await self->async_watch(view); !ok) co_return ok;
  }
  co_return Result<void>{};
}

asio::awaitable<Result<AuctionListPage>> BuyerRuntime::async_list(AuctionListRequest request) {
  auto self = state_;
  co_return co_await detail::async_list_auction_views(self->platform, self->username(), request);
}

asio::awaitable<Result<json>> BuyerRuntime::async_show(AuctionId auction_id, bool with_buyers) {
  auto self = state_;
  co_return co_await detail::async_show_auction_view(self->platform, self->username(), auction_id,
                                                     with_buyers);
}

asio::awaitable<Result<json>> BuyerRuntime::async_verify(AuctionId auction_id) {
  auto self = state_;
  co_return co_await detail::async_verify_transcript(self->platform, self->username(), auction_id);
}

asio::awaitable<Result<void>> BuyerRuntime::async_join(AuctionId auction_id) {
  auto self = state_;
  platform::JoinAuction join{self->username(), auction_id};
  auto result = co_await self->platform.async_join_auction(std::move(join));
  if (!result) co_return std::unexpected(result.error());
  auto view = co_await self->platform.async_fetch_auction(self->username(), auction_id);
  if (!view) co_return std::unexpected(view.error());
  co_return co_await self->async_watch(*view);
}

asio::awaitable<Result<void>> BuyerRuntime::async_leave(AuctionId auction_id) {
  auto self = state_;
  platform::QuitAuction quit{self->username(), auction_id};
  auto result = co_await self->platform.async_quit_auction(std::move(quit));
  if (!result) co_return std::unexpected(result.error());
  self->peer->forget(auction_id);
  co_return Result<void>{};
}

Result<void> BuyerRuntime::withdraw(AuctionId auction_id) {
  return state_->peer->withdraw(auction_id);
}

Result<void> BuyerRuntime::set_max_price(std::optional<AuctionId> auction_id,
                                         std::optional<Cents> max_price) {
  return state_->peer->set_max_price(auction_id, max_price);
}

const BuyerPeer& BuyerRuntime::peer() const { return *state_->peer; }

void BuyerRuntime::on_user_logged_in(std::string_view username, const std::string& address) {
  state_->peer->set_address_of_seller(username, address);
}

void BuyerRuntime::refresh_seller_addresses() {
  State& s = *state_;
  for (const AuctionId id : s.peer->watched()) {
    if (s.looking_up.insert(id).second) {
      wire::spawn_logged(s.executor, State::async_refresh_seller(state_, id),
                         "buyer: look up seller");
    }
  }
}

const std::string& BuyerRuntime::address() const { return state_->address; }

const std::string& BuyerRuntime::username() const { return state_->username(); }

}  // namespace auction::market

// A seller's whole runtime; see auction/market/runtime/seller_runtime.hpp.
#include "auction/market/runtime/seller_runtime.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/assert.hpp"
#include "auction/market/auction_rules.hpp"
#include "auction/market/runtime/journal.hpp"
#include "auction/market/transcript_report.hpp"
#include "auction/platform/client.hpp"
#include "market/runtime/auction_views.hpp"
#include "market/runtime/endpoint.hpp"
#include "wire/spawn.hpp"

namespace auction::market {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The buyers as update_auction and finish_auction report them.
std::vector<platform::BuyerStatus> buyer_report(const std::vector<BuyerEntry>& buyers) {
  std::vector<platform::BuyerStatus> report;
  report.reserve(buyers.size());
  for (const BuyerEntry& b : buyers) report.push_back({b.username, b.is_active()});
  return report;
}

// A started auction as the platform's seller view holds it, as the state to resume from.
// The platform keeps only whether a buyer is active, not why it left: a buyer it shows
// inactive is restored as withdrawn by request.
Result<AuctionState> state_from_view(const platform::AuctionView& view) {
  if (!view.progress) {
    return fail(code::bad_response, "auction view: no round and buyers (not the seller's view)");
  }
  AuctionState state;
  state.auction_id = view.auction_id;
  state.stage = Stage::running;
  state.round_id = view.progress->round_id;
  state.price = view.progress->current_price;
  state.base_price = view.base_price;
  state.increment = view.increment;
  for (const platform::AuctionView::Buyer& b : view.progress->buyers) {
    state.buyers.push_back(
        {b.username, b.active ? BuyerStatus::active : BuyerStatus::withdrawn_by_request});
  }
  return state;
}

// The rules of an auction starting now, with every buyer of `state` active.
Result<AuctionRules> fresh_rules(const AuctionState& state) {
  std::vector<std::string> names;
  for (const BuyerEntry& b : state.buyers) names.push_back(b.username);
  return AuctionRules::create(state.auction_id, state.base_price, state.increment,
                              std::move(names));
}

std::map<std::string, std::string> addresses_from_view(const platform::AuctionView& view) {
  std::map<std::string, std::string> addresses;
  if (!view.progress) return addresses;
  for (const platform::AuctionView::Buyer& b : view.progress->buyers) {
    if (b.address) addresses[b.username] = *b.address;
  }
  return addresses;
}

}  // namespace

SellerConfig seller_config_for(std::int64_t period_ms, std::chrono::milliseconds push_period) {
  SellerConfig config;
  config.period_ms = std::clamp<std::int64_t>(period_ms, 2, duration_ms_max);
  config.ack_deadline_ms = std::max<std::int64_t>(1, config.period_ms * 4 / 5);
  config.push_period_ms = std::clamp<std::int64_t>(push_period.count(), 1, duration_ms_max);
  config.pause_retry_ms_max = std::min(config.period_ms * 16, duration_ms_max);
  return config;
}

struct SellerRuntime::State : std::enable_shared_from_this<SellerRuntime::State> {
  State(asio::any_io_executor ex, platform::Client& client, SellerRuntimeOptions opts)
      : executor(std::move(ex)), platform(client), options(std::move(opts)) {}

  asio::any_io_executor executor;
  platform::Client& platform;
  SellerRuntimeOptions options;
  SellerRuntimeObserver observer;
  std::unique_ptr<SellerPeer> peer;
  std::optional<Journal> journal;
  std::string address;
  bool stopped = false;
  std::set<AuctionId> pushing;       // an update_auction is in flight
  std::set<AuctionId> delivering;    // a finish delivery loop runs
  std::set<std::string> looking_up;  // a get_user_address is in flight

  const std::string& username() const { return options.peer.username; }

  void warn(const std::string& line) {
    if (observer.on_warning) observer.on_warning(line);
  }

  // Everything the peer reports passes here first: the platform's and the journal's part.
  void on_action(AuctionId auction_id, const SellerAction& action) {
    if (const auto* push = std::get_if<seller_action::PushUpdate>(&action)) {
      if (auto ok = journal->save_state(JournaledRun{push->state, push->links}); !ok) {
        warn("journal: " + ok.error().message);
      }
      if (!pushing.contains(auction_id)) {
        pushing.insert(auction_id);
        wire::spawn_logged(executor, async_push(shared_from_this(), push->state, push->links),
                           "seller: push");
      }
      refresh_addresses(auction_id);
    } else if (const auto* finish = std::get_if<seller_action::Finish>(&action)) {
      // Durable before anyone is told (the buyers are told by the peer right after this).
      if (auto ok = journal->save_finish(JournaledFinish{finish->finish, finish->links}); !ok) {
        warn("journal: " + ok.error().message + " (the result is delivered but not kept)");
      }
      deliver(auction_id);
    }
    if (observer.on_action) observer.on_action(auction_id, action);
  }

  void deliver(AuctionId auction_id) {
    if (delivering.contains(auction_id)) return;
    delivering.insert(auction_id);
    wire::spawn_logged(executor, async_deliver(shared_from_this(), auction_id), "seller: deliver");
  }

  void refresh_addresses(AuctionId auction_id) {
    const SellerAuction* auction = peer->find(auction_id);
    if (auction == nullptr) return;
    for (const std::string& name : peer->unreachable()) {
      const BuyerEntry* b = auction->rules().find(name);
      if (b == nullptr || !b->is_active() || looking_up.contains(name)) continue;
      looking_up.insert(name);
      wire::spawn_logged(executor, async_look_up(shared_from_this(), name), "seller: look up");
    }
  }

  static asio::awaitable<void> async_push(std::shared_ptr<State> self, AuctionState state,
                                          std::vector<ChainLink> links) {
    platform::UpdateAuction update{
        self->username(), state.auction_id,           state.round_id,
        state.price,      buyer_report(state.buyers), encode_links(links)};
    (void)co_await self->platform.async_update_auction(std::move(update));
    self->pushing.erase(state.auction_id);
  }

  static asio::awaitable<void> async_look_up(std::shared_ptr<State> self, std::string username) {
    platform::GetUserAddress get{username};
    auto found = co_await self->platform.async_get_user_address(std::move(get));
    self->looking_up.erase(username);
    // Platform down: keep the last known address.
    if (found && !self->stopped) self->peer->set_address(username, found->address);
  }

  // Delivers the finish journaled for `auction_id` until the platform answers. It reads the
  // journal before every attempt, so it always sends what the journal holds now (a fresh
  // start of the same id, on a platform that forgot it, replaces a stale entry).
  static asio::awaitable<void> async_deliver(std::shared_ptr<State> self, AuctionId auction_id) {
    asio::steady_timer pause(self->executor);
    while (!self->stopped) {
      const Journal::Entry* entry = self->journal->find(auction_id);
      if (entry == nullptr || !std::holds_alternative<JournaledFinish>(*entry)) break;
      const JournaledFinish journaled = std::get<JournaledFinish>(*entry);
      const FinishRecord& record = journaled.finish.record;
      platform::FinishAuction finish{self->username(),
                                     record.auction_id,
                                     record.winner,
                                     record.price,
                                     buyer_report(record.buyers),
                                     record.round_id,
                                     encode_links(journaled.links),
                                     journaled.finish.chain_head.to_text(),
                                     journaled.finish.signature.to_text()};
      auto result = co_await self->platform.async_finish_auction(std::move(finish));
      if (self->stopped) break;
      if (result) {
        if (auto ok = self->journal->remove(auction_id); !ok) {
          self->warn("journal: " + ok.error().message);
        }
        self->delivering.erase(auction_id);
        if (self->observer.on_delivered) {
          self->observer.on_delivered(auction_id, platform::encode_answer(*result));
        }
        co_return;
      }
      if (!platform::is_unreachable(result.error())) {
        // An answer, not an outage: sending it again cannot change it. It stays journaled.
        self->delivering.erase(auction_id);
        self->warn("auction " + std::to_string(auction_id.value) +
                   ": the platform refused the result: " + result.error().code + ": " +
                   result.error().message);
        co_return;
      }
      pause.expires_after(self->options.delivery_retry);
      co_await pause.async_wait(use_tuple);
    }
    self->delivering.erase(auction_id);
  }

  // The auction as the platform recorded it: the keys its buyers had at the start (the
  // seller believes an ack or a withdrawal only when its buyer signed it, with the key the
  // platform checks the chain against) and the chain's links as last pushed.
  asio::awaitable<Result<TranscriptParts>> async_recorded(AuctionId auction_id) {
    auto self = shared_from_this();
    platform::GetTranscript get{username(), auction_id};
    auto transcript = co_await self->platform.async_get_transcript(std::move(get));
    if (!transcript) co_return std::unexpected(transcript.error());
    co_return transcript_parts(*transcript);
  }

  // The rules a resumed auction goes on from: its chain replayed (which knows why each buyer
  // left) and advanced to the round of `state`.
  Result<AuctionRules> rules_from_chain(
      const AuctionState& state, const std::vector<ChainLink>& links,
      const std::map<std::string, identity::PublicKey, std::less<>>& buyer_keys) const {
    if (!platform.user()) {
      return fail(code::invalid_argument, "a seller signs with its own key: the client has none");
    }
    ChainOpening opening{state.auction_id, username(), state.base_price, state.increment, {}};
    for (const BuyerEntry& b : state.buyers) opening.buyers.push_back(b.username);
    const TranscriptKeys keys{platform.user()->keys->public_key(),
                              {buyer_keys.begin(), buyer_keys.end()}};
    auto replay = replay_chain(opening, links, keys, platform.cluster_id());
    if (!replay) {
      return fail(replay.error().code,
                  "auction " + std::to_string(state.auction_id.value) +
                      ": its chain does not replay: " + replay.error().message);
    }
    if (replay->rules.is_running() && state.round_id > replay->rules.round_id()) {
      if (auto advanced = replay->rules.advance_to(state.round_id); !advanced) {
        return std::unexpected(advanced.error());
      }
    }
    return std::move(replay->rules);
  }

  // The seller's view of `auction_id` when it may be resumed here: started on the platform,
  // not running here, no result waiting in the journal.
  asio::awaitable<Result<platform::AuctionView>> async_resumable_view(AuctionId auction_id) {
    auto self = shared_from_this();
    const std::string id = std::to_string(auction_id.value);
    if (const SellerAuction* held = peer->find(auction_id)) {
      co_return fail(code::wrong_stage, "auction " + id + " is " +
                                            (held->rules().is_finished() ? "finished" : "running"));
    }
    const Journal::Entry* entry = journal->find(auction_id);
    if (entry != nullptr && std::holds_alternative<JournaledFinish>(*entry)) {
      co_return fail(code::wrong_stage,
                     "auction " + id + " is finished; its result is being delivered");
    }
    auto view = co_await self->platform.async_fetch_auction(username(), auction_id);
    if (!view) co_return std::unexpected(view.error());
    if (self->stopped) co_return fail(code::unavailable, "the seller is stopping");
    if (view->role != platform::Role::seller) {
      co_return fail(code::not_owner, "auction " + id + " is not yours");
    }
    if (view->stage != platform::Stage::started) {
      const bool is_over =
          view->stage == platform::Stage::finished || view->stage == platform::Stage::cancelled;
      if (is_over && journal->find(auction_id) != nullptr) {
        (void)journal->remove(auction_id);  // the platform owns it for good now
      }
      co_return fail(code::wrong_stage, "auction " + id + " is " +
                                            std::string(platform::stage_name(view->stage)) +
                                            ", not started");
    }
    co_return std::move(*view);
  }

  // Where a resumed auction goes on from: the journal's state and chain when they are at
  // least as new as the platform's, else the platform's state and `pushed_links`.
  struct ResumePoint {
    AuctionState state;
    std::vector<ChainLink> links;
  };
  Result<ResumePoint> resume_point(const platform::AuctionView& view,
                                   std::vector<ChainLink> pushed_links) const {
    auto state = state_from_view(view);
    if (!state) return std::unexpected(state.error());
    const Journal::Entry* entry = journal->find(view.auction_id);
    if (entry != nullptr) {
      const auto& journaled = std::get<JournaledRun>(*entry);
      if (journaled.state.round_id >= state->round_id) {
        return ResumePoint{journaled.state, journaled.links};
      }
    }
    return ResumePoint{std::move(*state), std::move(pushed_links)};
  }

  // Plain functions, so the coroutines that call them stay small (g++ 12 miscompiles big ones).
  Result<void> run_fresh(const AuctionState& state, const platform::AuctionView& view,
                         std::map<std::string, identity::PublicKey, std::less<>> buyer_keys) {
    auto rules = fresh_rules(state);
    if (!rules) return std::unexpected(rules.error());
    return run(std::move(*rules), std::vector<ChainLink>(), view.period_ms,
               addresses_from_view(view), std::move(buyer_keys));
  }

  Result<void> run_resumed(const AuctionState& state, std::vector<ChainLink> links,
                           const platform::AuctionView& view,
                           std::map<std::string, identity::PublicKey, std::less<>> buyer_keys) {
    auto rules = rules_from_chain(state, links, buyer_keys);
    if (!rules) return std::unexpected(rules.error());
    return run(std::move(*rules), std::move(links), view.period_ms, addresses_from_view(view),
               std::move(buyer_keys), address);
  }

  // Runs `rules` (fresh, or as `links` leave them) with the seller's keys and its buyers'.
  Result<void> run(AuctionRules rules, std::vector<ChainLink> links, std::int64_t period_ms,
                   std::map<std::string, std::string> addresses,
                   std::map<std::string, identity::PublicKey, std::less<>> buyer_keys,
                   std::string back_at = {}) {
    if (!platform.user()) {
      return fail(code::invalid_argument, "a seller signs with its own key: the client has none");
    }
    SellerKeys keys{PeerSigner{username(), platform.user()->keys, platform.cluster_id()},
                    std::move(buyer_keys)};
    auto auction =
        SellerAuction::create(std::move(rules), seller_config_for(period_ms, options.push_period),
                              std::move(keys), std::move(links));
    if (!auction) return std::unexpected(auction.error());
    return peer->run(std::move(*auction), std::move(addresses), std::move(back_at));
  }
};

SellerRuntime::SellerRuntime(asio::any_io_executor executor, platform::Client& platform,
                             SellerRuntimeOptions options)
    : state_(std::make_shared<State>(std::move(executor), platform, std::move(options))) {
  std::weak_ptr<State> weak = state_;
  state_->peer = std::make_unique<SellerPeer>(state_->executor, state_->options.peer,
                                              [weak](AuctionId id, const SellerAction& action) {
                                                if (auto self = weak.lock())
                                                  self->on_action(id, action);
                                              });
}

SellerRuntime::~SellerRuntime() { stop(); }

void SellerRuntime::set_observer(SellerRuntimeObserver observer) {
  state_->observer = std::move(observer);
}

Result<std::string> SellerRuntime::start() {
  auto journal = Journal::open(state_->options.state_dir);
  if (!journal) return std::unexpected(journal.error());
  state_->journal.emplace(std::move(*journal));
  auto port = state_->peer->start();
  if (!port) return std::unexpected(port.error());
  state_->address = detail::login_address(state_->options.advertised_address,
                                          state_->options.peer.listen_address, *port);
  for (const auto& [id, entry] : state_->journal->entries()) {
    if (std::holds_alternative<JournaledFinish>(entry)) state_->deliver(id);
  }
  return state_->address;
}

void SellerRuntime::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  state_->observer = {};
  state_->peer->stop();
}

asio::awaitable<Result<void>> SellerRuntime::async_login() {
  auto self = state_;
  platform::Login login{self->username(), self->address, self->platform.user_public_key()};
  auto result = co_await self->platform.async_login(std::move(login));
  if (!result) co_return std::unexpected(result.error());
  co_return Result<void>{};
}

asio::awaitable<Result<AuctionId>> SellerRuntime::async_create(NewAuction a) {
  auto self = state_;
  platform::CreateAuction create{self->username(), a.auction_name, a.item_name, a.item_description,
                                 a.base_price,     a.increment,    a.period_ms};
  // The platform refuses such text too; refused here, what the user typed gets its answer
  // without a round trip.
  if (auto admitted = platform::check_new_request(create); !admitted) {
    co_return std::unexpected(admitted.error());
  }
  auto result = co_await self->platform.async_create_auction(std::move(create));
  if (!result) co_return std::unexpected(result.error());
  co_return result->auction_id;
}

asio::awaitable<Result<std::vector<json>>> SellerRuntime::async_list() {
  auto self = state_;
  co_return co_await detail::async_list_auction_views(self->platform, self->username());
}

asio::awaitable<Result<json>> SellerRuntime::async_show(AuctionId auction_id) {
  auto self = state_;
  co_return co_await detail::async_show_auction_view(self->platform, self->username(), auction_id);
}

asio::awaitable<Result<json>> SellerRuntime::async_verify(AuctionId auction_id) {
  auto self = state_;
  co_return co_await detail::async_verify_transcript(self->platform, self->username(), auction_id);
}

asio::awaitable<Result<void>> SellerRuntime::async_start(AuctionId auction_id) {
  auto self = state_;
  platform::StartAuction start{self->username(), auction_id};
  auto result = co_await self->platform.async_start_auction(std::move(start));
  if (!result) co_return std::unexpected(result.error());
  if (self->stopped) co_return fail(code::unavailable, "the seller is stopping");
  const platform::AuctionView& view = result->auction;
  auto state = state_from_view(view);
  if (!state) co_return std::unexpected(state.error());
  // The platform just handed this auction over as never started, so anything journaled under
  // its id belongs to another history (a state directory reused with a wiped platform).
  if (self->journal->find(auction_id) != nullptr) {
    self->warn("journal: dropping a stale entry for auction " + std::to_string(auction_id.value));
    if (auto ok = self->journal->remove(auction_id); !ok) co_return std::unexpected(ok.error());
  }
  auto recorded = co_await self->async_recorded(auction_id);
  if (!recorded) co_return std::unexpected(recorded.error());
  if (self->stopped) co_return fail(code::unavailable, "the seller is stopping");
  co_return self->run_fresh(*state, view, std::move(recorded->keys.buyers));
}

asio::awaitable<Result<RoundId>> SellerRuntime::async_resume(AuctionId auction_id) {
  auto self = state_;
  auto view = co_await self->async_resumable_view(auction_id);
  if (!view) co_return std::unexpected(view.error());
  auto recorded = co_await self->async_recorded(auction_id);
  if (!recorded) co_return std::unexpected(recorded.error());
  if (self->stopped) co_return fail(code::unavailable, "the seller is stopping");
  auto point = self->resume_point(*view, std::move(recorded->links));
  if (!point) co_return std::unexpected(point.error());
  if (auto ok = self->run_resumed(point->state, std::move(point->links), *view,
                                  std::move(recorded->keys.buyers));
      !ok) {
    co_return std::unexpected(ok.error());
  }
  co_return point->state.round_id;
}

asio::awaitable<Result<void>> SellerRuntime::async_cancel(AuctionId auction_id) {
  auto self = state_;
  platform::CancelAuction cancel{self->username(), auction_id};
  auto result = co_await self->platform.async_cancel_auction(std::move(cancel));
  if (!result) co_return std::unexpected(result.error());
  co_return Result<void>{};
}

const SellerAuction* SellerRuntime::find(AuctionId auction_id) const {
  return state_->peer->find(auction_id);
}

std::vector<AuctionId> SellerRuntime::undelivered() const {
  std::vector<AuctionId> ids;
  if (!state_->journal) return ids;
  for (const auto& [id, entry] : state_->journal->entries()) {
    if (std::holds_alternative<JournaledFinish>(entry)) ids.push_back(id);
  }
  return ids;
}

const std::string& SellerRuntime::address() const { return state_->address; }

const std::string& SellerRuntime::username() const { return state_->username(); }

}  // namespace auction::market

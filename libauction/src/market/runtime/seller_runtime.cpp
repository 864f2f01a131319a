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
#include "auction/base/utc_time.hpp"
#include "auction/identity/random.hpp"
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

// A started auction as the platform's seller view and its buyers' pages hold it, as the
// state to resume from. The platform keeps only whether a buyer is active, not why it left: a
// buyer it shows inactive is restored as withdrawn by request (the chain, replayed, knows
// why).
Result<AuctionState> state_from_view(const platform::AuctionView& view,
                                     const std::vector<platform::BuyerView>& buyers) {
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
  state.terms = view.terms;  // the seller's view: a hidden reserve too
  for (const platform::BuyerView& b : buyers) {
    state.buyers.push_back(
        {b.username, b.active ? BuyerStatus::active : BuyerStatus::withdrawn_by_request});
  }
  return state;
}

// The rules of an auction starting now, with every buyer of `state` active.
Result<AuctionRules> fresh_rules(const AuctionState& state) {
  std::vector<std::string> names;
  for (const BuyerEntry& b : state.buyers) names.push_back(b.username);
  return AuctionRules::create(state.auction_id, state.base_price, state.increment, std::move(names),
                              state.terms);
}

std::map<std::string, std::string> addresses_of(const std::vector<platform::BuyerView>& buyers) {
  std::map<std::string, std::string> addresses;
  for (const platform::BuyerView& b : buyers) {
    if (b.address) addresses[b.username] = *b.address;
  }
  return addresses;
}

// The buyers' keys as the platform recorded them at the start: the keys the seller believes
// their acks and withdrawals by, as the platform checks the chain by them.
// Errors: bad_response naming a buyer whose key is missing or is not a key.
Result<std::map<std::string, identity::PublicKey, std::less<>>> keys_of(
    const std::vector<platform::BuyerView>& buyers) {
  std::map<std::string, identity::PublicKey, std::less<>> keys;
  for (const platform::BuyerView& b : buyers) {
    auto key = identity::public_key_from_text(b.public_key.value_or(""));
    if (!key) {
      return fail(code::bad_response,
                  "fetch_buyers answer: " + b.username + " has no recorded key");
    }
    keys.emplace(b.username, *key);
  }
  return keys;
}

// The links of `links` from `from` to `end`, as a push carries them.
nlohmann::json links_slice(const std::vector<ChainLink>& links, std::size_t from, std::size_t end) {
  nlohmann::json slice = nlohmann::json::array();
  for (std::size_t i = from; i < end; ++i) slice.push_back(encode(links[i]));
  return slice;
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
  // How many links of each running auction's chain the platform holds, as far as its last
  // answer said: a push carries the links from there on (update_auction's links_from).
  std::map<AuctionId, std::size_t> links_held;

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
    (void)co_await self->async_push_links(state.auction_id, state.round_id, state.price, links, 0);
    self->pushing.erase(state.auction_id);
  }

  // Pushes `round_id`, `price` and the links of `links` the platform lacks, in as many
  // update_auction calls as it takes for each to carry at most options.push_bytes_max bytes of
  // links (links_fitting), until the platform holds every link but what fits in
  // `bytes_left_over` (a finish carries those). Returns how many links the platform holds.
  // Errors: the first update's that failed (the next push starts from what was held then).
  asio::awaitable<Result<std::size_t>> async_push_links(AuctionId auction_id, RoundId round_id,
                                                        Cents price,
                                                        const std::vector<ChainLink>& links,
                                                        std::size_t bytes_left_over) {
    auto self = shared_from_this();
    for (;;) {
      std::size_t held = std::min(links_held[auction_id], links.size());
      if (links_fitting(links, held, bytes_left_over) == links.size() && bytes_left_over > 0) {
        co_return held;
      }
      const std::size_t end = links_fitting(links, held, options.push_bytes_max);
      platform::UpdateAuction update{username(), auction_id, round_id,
                                     price,      held,       links_slice(links, held, end)};
      auto updated = co_await self->platform.async_update_auction(std::move(update));
      if (!updated) co_return std::unexpected(std::move(updated.error()));
      held = updated->link_count;
      links_held[auction_id] = held;
      // Done when every link is held, or when the platform took none of ours (an older round
      // than the stored one: the next push, of a newer round, carries them).
      if (held >= links.size() || held < end) co_return held;
    }
  }

  // How many links of auction_id's chain the platform holds, asked when this process has not
  // pushed it yet (a finish journaled before a restart).
  asio::awaitable<Result<std::size_t>> async_links_held(AuctionId auction_id) {
    auto self = shared_from_this();
    if (const auto it = links_held.find(auction_id); it != links_held.end()) co_return it->second;
    platform::GetTranscript get{username(), auction_id};
    auto summary = co_await self->platform.async_get_transcript(std::move(get));
    if (!summary) co_return std::unexpected(std::move(summary.error()));
    links_held[auction_id] = summary->link_count;
    co_return summary->link_count;
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
      auto result = co_await self->async_send_finish(auction_id, journaled);
      if (self->stopped) break;
      if (result) {
        if (auto ok = self->journal->remove(auction_id); !ok) {
          self->warn("journal: " + ok.error().message);
        }
        self->delivering.erase(auction_id);
        self->links_held.erase(auction_id);  // the platform owns the auction for good now
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

  // Sends a journaled finish with the links the platform lacks. Links beyond what one finish
  // carries are pushed first (update_auction with the result's round and price, which the
  // rules allow). Errors: the platform's.
  asio::awaitable<Result<platform::FinishedAuction>> async_send_finish(
      AuctionId auction_id, const JournaledFinish& journaled) {
    auto self = shared_from_this();
    auto held = co_await self->async_finish_links_held(auction_id, journaled);
    if (!held && platform::is_unreachable(held.error())) co_return std::unexpected(held.error());
    // Any other refusal (an auction the platform holds finished already, or forgot): the
    // finish gets the platform's definitive answer, from the links known to be held.
    const std::size_t from =
        std::min(held ? *held : links_held[auction_id], journaled.links.size());
    platform::FinishAuction finish = finish_command(journaled, from);
    co_return co_await self->platform.async_finish_auction(std::move(finish));
  }

  // The links of a journaled finish's chain the platform holds, once those that do not fit
  // the finish are pushed (see async_send_finish).
  asio::awaitable<Result<std::size_t>> async_finish_links_held(AuctionId auction_id,
                                                               const JournaledFinish& journaled) {
    auto self = shared_from_this();
    auto held = co_await self->async_links_held(auction_id);
    if (!held) co_return held;
    const FinishRecord& record = journaled.finish.record;
    co_return co_await self->async_push_links(auction_id, record.round_id, record.price,
                                              journaled.links, options.push_bytes_max);
  }

  // finish_auction of a journaled result, with its chain's links from `from` on.
  platform::FinishAuction finish_command(const JournaledFinish& journaled, std::size_t from) const {
    const FinishRecord& record = journaled.finish.record;
    return platform::FinishAuction{username(),
                                   record.auction_id,
                                   record.winner,
                                   record.price,
                                   record.round_id,
                                   from,
                                   links_slice(journaled.links, from, journaled.links.size()),
                                   journaled.finish.chain_head.to_text(),
                                   journaled.finish.signature.to_text()};
  }

  // The auction's buyers as the platform records them: each one's status, its address now and
  // the key it had at the start (the seller believes an ack or a withdrawal only when its
  // buyer signed it, with the key the platform checks the chain against).
  asio::awaitable<Result<std::vector<platform::BuyerView>>> async_buyers(AuctionId auction_id) {
    auto self = shared_from_this();
    co_return co_await self->platform.async_fetch_all_buyers(username(), auction_id);
  }

  // Refuses to start an auction before its scheduled start (its seller's program starts it
  // then by itself); wrong_stage saying when.
  asio::awaitable<Result<void>> async_check_schedule(AuctionId auction_id) {
    auto self = shared_from_this();
    auto view = co_await self->platform.async_fetch_auction(username(), auction_id);
    if (!view) co_return std::unexpected(view.error());
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    if (view->terms.start_at_ms && now_ms < *view->terms.start_at_ms) {
      co_return fail(code::wrong_stage,
                     "auction " + std::to_string(auction_id.value) + " starts by itself at " +
                         format_utc_time(*view->terms.start_at_ms) + ", not before");
    }
    co_return Result<void>{};
  }

  // The chain's links as last pushed, every page.
  asio::awaitable<Result<std::vector<ChainLink>>> async_pushed_links(AuctionId auction_id) {
    auto self = shared_from_this();
    auto links = co_await self->platform.async_fetch_all_links(username(), auction_id);
    if (!links) co_return std::unexpected(links.error());
    co_return decode_chain_links(*links, "fetch_links.links");
  }

  // The rules a resumed auction goes on from: its chain replayed (which knows why each buyer
  // left) and advanced to the round of `state`.
  Result<AuctionRules> rules_from_chain(
      const AuctionState& state, const std::vector<ChainLink>& links,
      const std::map<std::string, identity::PublicKey, std::less<>>& buyer_keys) const {
    if (!platform.user()) {
      return fail(code::invalid_argument, "a seller signs with its own key: the client has none");
    }
    ChainOpening opening{state.auction_id, username(), state.base_price,
                         state.increment,  {},         state.terms};
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
                                   const std::vector<platform::BuyerView>& buyers,
                                   std::vector<ChainLink> pushed_links) const {
    auto state = state_from_view(view, buyers);
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
  Result<void> run_fresh(const platform::AuctionView& view,
                         const std::vector<platform::BuyerView>& buyers) {
    auto state = state_from_view(view, buyers);
    if (!state) return std::unexpected(state.error());
    auto keys = keys_of(buyers);
    if (!keys) return std::unexpected(keys.error());
    auto rules = fresh_rules(*state);
    if (!rules) return std::unexpected(rules.error());
    links_held[view.auction_id] = 0;
    return run(std::move(*rules), std::vector<ChainLink>(), view.period_ms, addresses_of(buyers),
               std::move(*keys));
  }

  // Returns the round it continues from.
  Result<RoundId> run_resumed(const platform::AuctionView& view,
                              const std::vector<platform::BuyerView>& buyers,
                              std::vector<ChainLink> pushed_links) {
    const std::size_t pushed = pushed_links.size();
    auto point = resume_point(view, buyers, std::move(pushed_links));
    if (!point) return std::unexpected(point.error());
    auto keys = keys_of(buyers);
    if (!keys) return std::unexpected(keys.error());
    auto rules = rules_from_chain(point->state, point->links, *keys);
    if (!rules) return std::unexpected(rules.error());
    links_held[view.auction_id] = pushed;
    const RoundId round_id = point->state.round_id;
    auto running = run(std::move(*rules), std::move(point->links), view.period_ms,
                       addresses_of(buyers), std::move(*keys), address);
    if (!running) return std::unexpected(running.error());
    return round_id;
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

namespace {

platform::CreateAuction create_command(std::string seller, NewAuction a) {
  // The salt that commits the seller's chain to a hidden reserve: fresh for every auction, so
  // no one can guess the reserve from the commitment (docs/auction.md, "Reserve").
  if (a.terms.reserve_hidden && a.terms.reserve_salt.empty()) {
    a.terms.reserve_salt = identity::random_hex(reserve_salt_hex_digits / 2);
  }
  return platform::CreateAuction{.seller = std::move(seller),
                                 .auction_name = std::move(a.auction_name),
                                 .item_name = std::move(a.item_name),
                                 .item_description = std::move(a.item_description),
                                 .base_price = a.base_price,
                                 .increment = a.increment,
                                 .period_ms = a.period_ms,
                                 .terms = std::move(a.terms)};
}

}  // namespace

asio::awaitable<Result<AuctionId>> SellerRuntime::async_create(NewAuction a) {
  auto self = state_;
  platform::CreateAuction create = create_command(self->username(), std::move(a));
  // The platform refuses such text too; refused here, what the user typed gets its answer
  // without a round trip.
  if (auto admitted = platform::check_new_request(create); !admitted) {
    co_return std::unexpected(admitted.error());
  }
  auto result = co_await self->platform.async_create_auction(std::move(create));
  if (!result) co_return std::unexpected(result.error());
  co_return result->auction_id;
}

asio::awaitable<Result<AuctionListPage>> SellerRuntime::async_list(AuctionListRequest request) {
  auto self = state_;
  co_return co_await detail::async_list_auction_views(self->platform, self->username(), request);
}

asio::awaitable<Result<json>> SellerRuntime::async_show(AuctionId auction_id, bool with_buyers) {
  auto self = state_;
  co_return co_await detail::async_show_auction_view(self->platform, self->username(), auction_id,
                                                     with_buyers);
}

asio::awaitable<Result<json>> SellerRuntime::async_verify(AuctionId auction_id) {
  auto self = state_;
  co_return co_await detail::async_verify_transcript(self->platform, self->username(), auction_id);
}

asio::awaitable<Result<void>> SellerRuntime::async_start(AuctionId auction_id) {
  auto self = state_;
  auto on_time = co_await self->async_check_schedule(auction_id);
  if (!on_time) co_return std::unexpected(on_time.error());
  platform::StartAuction start{self->username(), auction_id};
  auto result = co_await self->platform.async_start_auction(std::move(start));
  if (!result) co_return std::unexpected(result.error());
  if (self->stopped) co_return fail(code::unavailable, "the seller is stopping");
  const platform::AuctionView view = std::move(result->auction);
  // The platform just handed this auction over as never started, so anything journaled under
  // its id belongs to another history (a state directory reused with a wiped platform).
  if (self->journal->find(auction_id) != nullptr) {
    self->warn("journal: dropping a stale entry for auction " + std::to_string(auction_id.value));
    if (auto ok = self->journal->remove(auction_id); !ok) co_return std::unexpected(ok.error());
  }
  auto buyers = co_await self->async_buyers(auction_id);
  if (!buyers) co_return std::unexpected(buyers.error());
  if (self->stopped) co_return fail(code::unavailable, "the seller is stopping");
  co_return self->run_fresh(view, *buyers);
}

asio::awaitable<Result<RoundId>> SellerRuntime::async_resume(AuctionId auction_id) {
  auto self = state_;
  auto view = co_await self->async_resumable_view(auction_id);
  if (!view) co_return std::unexpected(view.error());
  auto buyers = co_await self->async_buyers(auction_id);
  if (!buyers) co_return std::unexpected(buyers.error());
  auto pushed = co_await self->async_pushed_links(auction_id);
  if (!pushed) co_return std::unexpected(pushed.error());
  if (self->stopped) co_return fail(code::unavailable, "the seller is stopping");
  co_return self->run_resumed(*view, *buyers, std::move(*pushed));
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

std::vector<AuctionId> SellerRuntime::running() const { return state_->peer->running(); }

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

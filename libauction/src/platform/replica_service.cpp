// ReplicaService: see auction/platform/replica_service.hpp.
#include "platform/replica_service.hpp"

#include <algorithm>
#include <any>
#include <chrono>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/platform/answers.hpp"
#include "auction/platform/entry_codec.hpp"
#include "platform/admin_service.hpp"
#include "platform/answer_text.hpp"
#include "platform/leader_hint.hpp"

namespace auction::platform {

namespace asio = boost::asio;
using wire::Json;
using wire::Reply;

namespace {

// Every op of the platform codec, derived from the Command variant so that an op added to
// the codec is served without touching this file.
template <std::size_t... I>
std::vector<std::string> op_names(std::index_sequence<I...>) {
  return {std::string(op_name(Command(std::in_place_index<I>)))...};
}

std::vector<std::string> platform_ops() {
  return op_names(std::make_index_sequence<std::variant_size_v<Command>>());
}

// `source` sent more `what` than its rate allows: nothing happened.
Reply rate_limited(std::chrono::milliseconds wait, const char* what, const std::string& source) {
  return Reply::failure(
      Error{code::rate_limited, std::string("too many ") + what + " from " + source +
                                    "; retry in " + std::to_string(wait.count()) + " ms"},
      Json{{"retry_after_ms", wait.count()}});
}

// What a failed Raft call means to the client.
Reply raft_failure(const Error& error) {
  if (error.code == code::too_large) {
    return Reply::failure(Error{code::invalid_argument, "the request is too large to replicate"});
  }
  return Reply::failure(error);  // overloaded, timeout, unavailable
}

// The configuration in effect at a replica: {"index", "voters": [ids], "learners": [ids]}.
Json membership_json(const raft::MembershipStatus& s) {
  Json voters = Json::array();
  Json learners = Json::array();
  for (const raft::Member& m : s.membership.members) {
    (m.role == raft::MemberRole::voter ? voters : learners).push_back(m.id.value);
  }
  return Json{{"index", s.index.value}, {"voters", voters}, {"learners", learners}};
}

// A handler whose answer is known when it is called.
asio::awaitable<Reply> async_ready(Reply reply) { co_return reply; }

// The links of a push of `links` from index `from` that `auction` does not hold yet; nullopt
// when they do not extend what is held (the state machine answers that: transcript_invalid).
std::optional<Json> links_past_held(const AuctionRecord& auction, std::uint64_t from,
                                    const Json& links) {
  const std::size_t held = auction.links.size();
  if (from > held || from + links.size() < held) return std::nullopt;
  return Json(links.begin() + static_cast<std::ptrdiff_t>(held - from), links.end());
}

}  // namespace

ReplicaService::ReplicaService(raft::Server& raft, StateMachine& machine,
                               const WatchHistory& history, ClusterConfig cluster,
                               std::string cluster_id, ChainCheck chain_check,
                               bool is_client_port_plain)
    : raft_(raft),
      machine_(machine),
      is_client_port_plain_(is_client_port_plain),
      history_(history),
      cluster_(std::move(cluster)),
      registrations_(cluster_.limits.registrations_per_s, cluster_.limits.registrations_burst),
      writes_(cluster_.limits.writes_per_s, cluster_.limits.writes_burst),
      users_(machine, cluster_id),
      cluster_id_(std::move(cluster_id)),
      chain_check_(std::move(chain_check)) {}

void ReplicaService::register_ops(wire::Server& server) {
  server.handle("status", [this](wire::Request request) {
    // {} or {"digest": true|false}; nothing else.
    const bool is_digest_field = request.body.size() == 1 && request.body.contains("digest") &&
                                 request.body["digest"].is_boolean();
    if (!request.body.empty() && !is_digest_field) {
      return async_ready(Reply::failure(
          Error{code::bad_request, "status takes no fields but digest (true or false)"}));
    }
    const bool with_digest = is_digest_field && request.body["digest"].get<bool>();
    // The digest costs a hash of the whole state on the raft thread: an operator's tool.
    if (with_digest) {
      if (auto refused =
              refusal_unless_operator(request, is_client_port_plain_, "the state's digest")) {
        return async_ready(std::move(*refused));
      }
    }
    return async_ready(status(with_digest ? WithDigest::yes : WithDigest::no));
  });
  server.handle("auth_challenge",
                [this](wire::Request request) { return async_ready(users_.challenge(request)); });
  server.handle("authenticate",
                [this](wire::Request request) { return async_authenticate(std::move(request)); });
  for (std::string& op : platform_ops()) {
    server.handle(std::move(op),
                  [this](wire::Request request) { return async_serve(std::move(request)); });
  }
}

asio::awaitable<Reply> ReplicaService::async_serve(wire::Request request) {
  auto connection = request.connection;
  std::string source = request.source;
  // The checks are a plain function: g++ 12 warns wrongly on a coroutine holding them all.
  auto admitted = admit(std::move(request));
  if (auto* refusal = std::get_if<Reply>(&admitted)) co_return std::move(*refusal);
  Request& decoded = std::get<Request>(admitted);
  if (auto* watch = std::get_if<Watch>(&decoded.command)) {
    co_return co_await async_watch(std::move(*watch), std::move(source));
  }
  if (is_read(op_name(decoded.command))) co_return co_await async_read(decoded);
  if (std::holds_alternative<RotateKey>(decoded.command)) {
    co_return co_await async_rotate_key(std::move(decoded), std::move(connection));
  }
  co_return co_await async_write(std::move(decoded));
}

asio::awaitable<std::optional<Reply>> ReplicaService::async_chain_refusal(const Request& request) {
  const auto* update = std::get_if<UpdateAuction>(&request.command);
  const auto* finish = std::get_if<FinishAuction>(&request.command);
  if (update == nullptr && finish == nullptr) co_return std::nullopt;
  const AuctionId id = update ? update->auction_id : finish->auction_id;
  const AuctionRecord* auction = machine_.auction(id);
  // Anything but a started auction of this seller is the state machine's to answer (and a
  // repeated result of a finished one is answered from the record).
  const std::string& seller = update ? update->seller : finish->seller;
  if (auction == nullptr || auction->stage != Stage::started || auction->seller != seller) {
    co_return std::nullopt;
  }
  const std::uint64_t from = update ? update->links_from : finish->links_from;
  const Json& links = update ? update->links : finish->links;
  auto new_links = links_past_held(*auction, from, links);
  if (!new_links) co_return std::nullopt;
  // Most pushes bring no new link: the chain held was checked when it was stored, and the
  // state machine keeps the round at or after its last link.
  if (update != nullptr && new_links->empty()) co_return std::nullopt;
  ChainClaim claim;
  claim.auction = *auction;
  claim.new_links = std::move(*new_links);
  claim.round_id = update ? update->round_id : finish->round_id;
  if (finish) claim.finish = *finish;
  claim.cluster_id = cluster_id_;
  auto checked = co_await users_.async_on_worker(chain_check_, std::move(claim));
  if (!checked) co_return Reply::failure(checked.error());
  co_return std::nullopt;
}

asio::awaitable<Reply> ReplicaService::async_authenticate(wire::Request request) {
  if (raft_.role() != raft::Role::leader) {
    co_return not_leader("replica " + std::to_string(raft_.id().value) + " is not the leader");
  }
  if (auto wait = writes_.take(request.source, std::chrono::steady_clock::now())) {
    co_return rate_limited(*wait, "proofs", request.source);
  }
  // The registered key is read from a state that holds every acknowledged write.
  auto barrier = co_await raft_.async_read_barrier();
  if (!barrier) {
    if (barrier.error().code == code::not_leader) co_return not_leader(barrier.error().message);
    co_return raft_failure(barrier.error());
  }
  co_return co_await users_.async_authenticate(std::move(request));
}

asio::awaitable<Reply> ReplicaService::async_rotate_key(
    Request request, std::shared_ptr<wire::ConnectionContext> connection) {
  const RotateKey rotation = std::get<RotateKey>(request.command);
  const std::optional<std::string> old_key = machine_.public_key(rotation.username);
  if (old_key) {
    auto proven = co_await users_.async_check_rotation(rotation, *old_key);
    if (!proven) co_return Reply::failure(proven.error());
  }
  Reply reply = co_await async_write(std::move(request));
  if (reply.ok && connection) UserAuthenticator::on_rotated(rotation, *connection);
  co_return reply;
}

std::variant<Request, Reply> ReplicaService::admit(wire::Request request) {
  Json body = std::move(request.body);
  body["op"] = request.op;
  auto decoded = decode_request(body);
  if (!decoded) return Reply::failure(decoded.error());
  // Here, where a request enters, and never at apply (commands.hpp).
  if (auto admitted = check_new_request(decoded->command); !admitted) {
    return Reply::failure(admitted.error());
  }
  // A follower sends the client to the leader first: proofs are made there.
  if (raft_.role() != raft::Role::leader) {
    return not_leader("replica " + std::to_string(raft_.id().value) + " is not the leader");
  }
  if (auto refusal = users_.authorize(decoded->command, request.connection.get())) {
    return Reply::failure(*refusal);
  }
  if (!is_read(request.op)) {
    if (auto refusal = rate_refusal(*decoded, request.source)) return std::move(*refusal);
  }
  return std::move(*decoded);
}

std::optional<Reply> ReplicaService::rate_refusal(const Request& request,
                                                  const std::string& source) {
  const auto now = std::chrono::steady_clock::now();
  const auto refuse = [&](std::chrono::milliseconds wait, const char* what) {
    return rate_limited(wait, what, source);
  };
  if (const auto* login = std::get_if<Login>(&request.command);
      login != nullptr && !machine_.has_user(login->username)) {
    if (auto wait = registrations_.take(source, now)) return refuse(*wait, "registrations");
  }
  if (auto wait = writes_.take(source, now)) return refuse(*wait, "writes");
  return std::nullopt;
}

asio::awaitable<Reply> ReplicaService::async_write(Request request) {
  if (auto refusal = co_await async_refusal(request)) co_return std::move(*refusal);
  // What the state allows, then what the auction's rules allow of a seller's chain.
  if (auto refusal = co_await async_chain_refusal(request)) co_return std::move(*refusal);
  co_return co_await async_propose(std::move(request));
}

asio::awaitable<std::optional<Reply>> ReplicaService::async_refusal(const Request& request) {
  // Most writes pass: they pay for one lookup, no barrier.
  if (machine_.check(request)) co_return std::nullopt;
  // A refusal is an answer read from the state, so it is served like a read: after a
  // barrier, the state holds every write acknowledged before this request arrived.
  auto barrier = co_await raft_.async_read_barrier();
  if (!barrier) {
    if (barrier.error().code == code::not_leader) co_return not_leader(barrier.error().message);
    co_return raft_failure(barrier.error());
  }
  // On the raft executor, right after the barrier, with no suspension before the answer.
  auto refused = machine_.check(request);
  if (refused || may_be_in_log(request)) co_return std::nullopt;
  co_return Reply::failure(refused.error());
}

bool ReplicaService::may_be_in_log(const Request& request) const {
  if (!request.session) return false;  // no saved answer to keep: its refusal is its own
  const raft::Term term = raft_.term();
  if (timed_out_term_ == term) return true;
  const auto it = proposing_.find(request.session->client_id);
  return it != proposing_.end() && it->second.term == term && it->second.count > 0;
}

asio::awaitable<Reply> ReplicaService::async_propose(Request request) {
  std::string bytes = encode_entry(request);
  // A session write is counted while its proposal is out (see may_be_in_log).
  std::optional<std::string> client_id;
  const raft::Term term = raft_.term();
  if (request.session) {
    client_id = request.session->client_id;
    Proposing& p = proposing_[*client_id];
    if (p.term != term) p = Proposing{term, 0};
    ++p.count;
  }
  // The decoded request travels with the proposal, so applying it here needs no parse
  // (EntryApplier).
  auto answer = co_await raft_.async_propose(std::move(bytes), std::any(std::move(request)));
  if (client_id) {
    const auto it = proposing_.find(*client_id);
    if (it != proposing_.end() && it->second.term == term && --it->second.count == 0) {
      proposing_.erase(it);
    }
    // Timed out: the entry may still commit in this term.
    if (!answer && answer.error().code == code::timeout) timed_out_term_ = term;
  }
  if (!answer) {
    // Never proposed (not_leader) or proposed and then deposed (leadership_lost): either
    // way the client goes to the leader, so both carry the hint.
    const std::string& failed = answer.error().code;
    if (failed == code::not_leader || failed == code::leadership_lost) {
      co_return with_leader_hint(failed, answer.error().message);
    }
    co_return raft_failure(answer.error());
  }
  // The state machine's answer text (answer_text.hpp): a success's result is sent as it is.
  if (const auto result = success_result_text(*answer)) {
    co_return Reply::success_text(std::string(*result));
  }
  Json parsed = parse_answer(*answer);
  Reply reply;
  reply.ok = parsed["ok"].get<bool>();
  if (reply.ok) {
    reply.result = std::move(parsed["result"]);
  } else {
    reply.result = nullptr;
    reply.error = std::move(parsed["error"]);
  }
  co_return reply;
}

asio::awaitable<Reply> ReplicaService::async_read(const Request& request) {
  auto barrier = co_await raft_.async_read_barrier();
  if (!barrier) {
    if (barrier.error().code == code::not_leader) co_return not_leader(barrier.error().message);
    co_return raft_failure(barrier.error());
  }
  // On the raft executor, right after the barrier: the state machine is current.
  auto text = machine_.query_text(request.command);
  if (!text) co_return Reply::failure(text.error());
  co_return Reply::success_text(std::move(*text));
}

asio::awaitable<Reply> ReplicaService::async_watch(Watch watch, std::string source) {
  if (!watch.after) {
    co_return Reply::success(encode_answer(WatchPage{history_.revision(), {}}));
  }
  // Held by this coroutine: after a wake-up it looks at `waiting` before it touches `this`,
  // which a stopped replica may have destroyed by then.
  const std::shared_ptr<WaitingWatches> waiting = waiting_;
  if (waiting->is_stopped) {
    co_return Reply::failure(Error{code::unavailable, "the replica is stopping"});
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(watch.wait_ms);
  const auto seen = [this, &watch](const WatchEvent& event) {
    return machine_.as_seen_by(event, watch.username);
  };
  std::uint64_t after = *watch.after;
  for (;;) {
    if (after < history_.oldest()) {
      co_return Reply::failure(
          Error{code::compacted, "the events after revision " + std::to_string(after) +
                                     " are no longer kept here (this replica keeps those after " +
                                     std::to_string(history_.oldest()) +
                                     "): read the auctions again and watch from revision " +
                                     std::to_string(history_.revision())},
          Json{{"oldest", history_.oldest()}, {"revision", history_.revision()}});
    }
    WatchHistory::Page page = history_.read(after, watch.limit, watch_scan_max, seen);
    // Every look is bounded (watch_scan_max): one that did not reach the end answers with the
    // revision it reached, and the watcher asks again.
    const bool is_looked_through = page.revision >= history_.revision();
    if (!page.events.empty() || !is_looked_through ||
        std::chrono::steady_clock::now() >= deadline) {
      co_return Reply::success(encode_answer(WatchPage{page.revision, std::move(page.events)}));
    }
    after = page.revision;
    if (auto refusal = waiting->admit(watch.username, source)) co_return std::move(*refusal);
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, deadline);
    const WaitingWatches::Wait registered(*waiting, timer, watch.username, source);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (waiting->is_stopped) {
      co_return Reply::failure(Error{code::unavailable, "the replica is stopping"});
    }
  }
}

std::optional<Reply> ReplicaService::WaitingWatches::admit(const std::string& username,
                                                           const std::string& source) const {
  const auto count = [](const std::map<std::string, std::size_t, std::less<>>& counts,
                        const std::string& key) {
    const auto it = counts.find(key);
    return it == counts.end() ? std::size_t{0} : it->second;
  };
  std::string why;
  if (timers.size() >= watchers_max) {
    why = std::to_string(watchers_max) + " watches wait on this replica";
  } else if (count(per_user, username) >= watchers_per_user_max) {
    why = std::to_string(watchers_per_user_max) + " watches of " + username + " wait already";
  } else if (count(per_source, source) >= watchers_per_source_max) {
    why = std::to_string(watchers_per_source_max) + " watches from " + source + " wait already";
  } else {
    return std::nullopt;
  }
  return Reply::failure(Error{code::overloaded, why + ": nothing happened, ask again later"});
}

ReplicaService::WaitingWatches::Wait::Wait(WaitingWatches& watches, asio::steady_timer& timer,
                                           std::string username, std::string source)
    : watches_(watches), timer_(timer), username_(std::move(username)), source_(std::move(source)) {
  watches_.timers.insert(&timer_);
  ++watches_.per_user[username_];
  ++watches_.per_source[source_];
}

ReplicaService::WaitingWatches::Wait::~Wait() {
  watches_.timers.erase(&timer_);
  const auto release = [](std::map<std::string, std::size_t, std::less<>>& counts,
                          const std::string& key) {
    const auto it = counts.find(key);
    if (it != counts.end() && --it->second == 0) counts.erase(it);
  };
  release(watches_.per_user, username_);
  release(watches_.per_source, source_);
}

void ReplicaService::wake_watchers() {
  WaitingWatches& w = *waiting_;
  if (w.timers.empty() || w.is_wake_posted) return;
  w.is_wake_posted = true;
  // Every waiting watch runs on this service's one executor: its timers' executor. Once per
  // turn of it, however many entries were applied in the turn.
  asio::post((*w.timers.begin())->get_executor(), [waiting = waiting_] {
    waiting->is_wake_posted = false;
    for (asio::steady_timer* timer : waiting->timers) timer->cancel();
  });
}

void ReplicaService::stop() {
  waiting_->is_stopped = true;
  for (asio::steady_timer* timer : waiting_->timers) timer->cancel();
}

ReplicaService::~ReplicaService() { stop(); }

Reply ReplicaService::status(WithDigest with_digest) const {
  const raft::ServerStatus s = raft_.status();
  Json result{
      {"id", s.id.value},
      {"role", std::string(raft::to_string(s.role))},
      {"term", s.term.value},
      {"leader", s.leader.value == 0 ? Json(nullptr) : Json(s.leader.value)},
      {"commit", s.commit.value},
      {"applied", s.applied.value},
      {"last_index", s.last_index.value},
      {"first_index", s.first_index.value},
      {"snapshot", {{"index", s.snapshot.index.value}, {"term", s.snapshot.term.value}}},
      {"snapshots_saved", s.snapshots_saved},
      {"snapshots_installed", s.snapshots_installed},
      {"snapshot_stall_us",
       {{"last", s.last_snapshot_stall.count()}, {"longest", s.longest_snapshot_stall.count()}}},
      {"membership", membership_json(raft_.membership())}};
  // Replicas that applied the same log prefix show the same digest, so a test can compare
  // their states without reading them.
  if (with_digest == WithDigest::yes) {
    refresh_digest(s.applied);
    result["digest"] = digest_;
    result["digest_index"] = digest_index_->value;
  }
  return Reply::success(std::move(result));
}

void ReplicaService::refresh_digest(raft::LogIndex applied) const {
  // Hashing the whole state takes the raft thread for as long as the state is large (seconds
  // at ten million users), so whoever asks, the raft thread spends at most a tenth of its
  // time on it: the next hash waits digest_interval or nine times as long as the last one
  // took, whichever is longer; in between the last one is answered, with the index it is of.
  // It changes only when an entry is applied. Its index is Raft's applied index, as `status`
  // shows it (entries that change no state, a leader's first or a configuration, move it too).
  const bool is_current = digest_index_ && *digest_index_ == applied;
  if (is_current || (digest_index_ && std::chrono::steady_clock::now() < digest_next_at_)) {
    return;
  }
  const auto began = std::chrono::steady_clock::now();
  digest_ = machine_.digest();
  digest_index_ = applied;
  const auto ended = std::chrono::steady_clock::now();
  digest_next_at_ =
      ended + std::max<std::chrono::steady_clock::duration>(digest_interval, 9 * (ended - began));
}

Reply ReplicaService::not_leader(const std::string& why) const {
  return with_leader_hint(code::not_leader, why);
}

Reply ReplicaService::with_leader_hint(const std::string& code, const std::string& why) const {
  return failure_with_leader_hint(raft_, cluster_, code, why);
}

}  // namespace auction::platform

// Client implementation: see auction/platform/client.hpp.
//
// One call is a loop of attempts, each against one replica with its own attempt_timeout:
// first the replica that answered last (the leader, as far as we know), then wherever a
// `not_leader` hint points, else the next replica in order. After as many attempts as there
// are replicas without an answer, the loop sleeps a jittered, doubling backoff (so clients
// that lost the same leader do not stampede the next one), until the call's deadline.
// Writes queue for one turn (FIFO) and keep their seq across every attempt of the call.
// Timers that a call sleeps on are registered in the State, so close() can wake them all.
#include "auction/platform/client.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <random>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/assert.hpp"
#include "auction/base/endpoint.hpp"
#include "auction/base/error_codes.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/limits.hpp"
#include "auction/raft/member_certificate.hpp"
#include "platform/client_tls.hpp"
#include "platform/user_greeting.hpp"
#include "wire/client.hpp"

namespace auction::platform {

namespace asio = boost::asio;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Backoff between rounds of attempts: doubles from first to max, each sleep drawn uniformly
// from [half, whole] of the current step.
constexpr milliseconds backoff_first{10};
constexpr milliseconds backoff_max{320};

wire::ClientOptions wire_options_for(const std::string& endpoint, milliseconds connect_timeout,
                                     const std::shared_ptr<asio::ssl::context>& tls) {
  auto parsed = parse_endpoint(endpoint);
  AUCTION_ASSERT(parsed.has_value() && parsed->port != 0,
                 "a replica endpoint must be host:port with a port in 1..65535");
  wire::ClientOptions options;
  options.host = std::move(parsed->host);
  options.port = parsed->port;
  options.connect_timeout = connect_timeout;
  options.tls = tls;
  // Only a replica's certificate may answer: not one the CA issued for anything else.
  options.accepts_server_name = [](std::string_view name) {
    return raft::member_of_certificate_name(name).has_value();
  };
  return options;
}

std::string random_client_id(std::mt19937_64& random) {
  static constexpr char hex[] = "0123456789abcdef";
  std::uint64_t bits = random();
  std::string id = "c-";
  for (int i = 0; i < 16; ++i, bits >>= 4) id += hex[bits & 0xf];
  return id;
}

// Ops that carry client_id/seq are the platform's writes (commands.hpp's is_write()): reads
// ignore the tag, and the replica's own ops (ping, status, the admin ops) refuse it.

}  // namespace

bool is_unreachable(const Error& error) {
  return error.code == code::unavailable || error.code == code::timeout ||
         error.code == code::connection_lost || error.code == code::overloaded ||
         error.code == code::not_leader || error.code == code::leadership_lost;
}

namespace {

// Whether an attempt that ended with `code` may have been applied: it reached a replica and
// no answer says what became of it.
bool may_have_been_applied(const std::string& code) {
  return code == code::timeout || code == code::connection_lost || code == code::leadership_lost;
}

}  // namespace

ClientOptions client_options_from(const ClusterConfig& config) {
  ClientOptions options;
  for (const ReplicaAddress& replica : config.replicas) {
    options.replicas.push_back(replica.client_endpoint());
  }
  if (config.tls) {
    options.is_plain = config.tls->is_client_port_plain;
    if (!options.is_plain) options.trusted_ca_file = config.tls->dir / "ca.crt";
    options.cluster_id_file = config.tls->dir / "cluster-id";
  }
  return options;
}

struct Client::State {
  State(asio::any_io_executor ex, ClientOptions opts)
      : executor(std::move(ex)), options(std::move(opts)), random(std::random_device{}()) {
    AUCTION_ASSERT(!options.replicas.empty(), "a platform client needs at least one replica");
    auto tls = client_tls_context(options);
    if (!tls) unusable = tls.error();
    std::function<asio::awaitable<Result<void>>(wire::NewConnection)> greeting;
    if (options.user) {
      if (options.cluster_id.empty()) {
        auto id = options.cluster_id_file.empty()
                      ? fail(code::credentials_invalid,
                             "no cluster id to prove the user's key in: the cluster file has no "
                             "\"tls\" section (ask for the cluster file the replicas use)")
                      : load_cluster_id(options.cluster_id_file.parent_path());
        if (id) options.cluster_id = std::move(*id);
        if (!id && !unusable) unusable = id.error();
      }
      greeting = user_greeting(*options.user, options.cluster_id);
    }
    for (const std::string& endpoint : options.replicas) {
      auto wire_options =
          wire_options_for(endpoint, options.connect_timeout, tls.value_or(nullptr));
      wire_options.greeting = greeting;
      replicas.push_back(std::make_unique<wire::Client>(executor, std::move(wire_options)));
    }
    client_id = options.client_id.empty() ? random_client_id(random) : options.client_id;
  }

  // A write waiting for its turn. It unlinks itself when destroyed, so the queue never
  // holds a waiter whose coroutine frame is gone.
  struct TurnWaiter {
    TurnWaiter(State& s, Clock::time_point expiry) : state(s), timer(s.executor, expiry) {
      state.turn_waiters.push_back(this);
    }
    ~TurnWaiter() { std::erase(state.turn_waiters, this); }
    TurnWaiter(const TurnWaiter&) = delete;
    TurnWaiter& operator=(const TurnWaiter&) = delete;
    State& state;
    asio::steady_timer timer;  // the caller's deadline; cancelled to hand over the turn
    bool is_granted = false;
  };

  // The turn of one write; released (and handed to the next waiter) when destroyed.
  struct WriteTurn {
    explicit WriteTurn(State& s) : state(s) {}
    ~WriteTurn() {
      if (is_held) state.release_turn();
    }
    WriteTurn(const WriteTurn&) = delete;
    WriteTurn& operator=(const WriteTurn&) = delete;
    State& state;
    bool is_held = false;
  };

  // Waits for this client's one write turn, first come first served. False when the
  // deadline passed first or close() was called.
  asio::awaitable<bool> async_acquire(WriteTurn& turn, Clock::time_point expiry) {
    if (!is_writing) {
      is_writing = true;
      turn.is_held = true;
      co_return true;
    }
    TurnWaiter waiter(*this, expiry);
    co_await waiter.timer.async_wait(use_tuple);
    turn.is_held = waiter.is_granted;
    co_return waiter.is_granted;
  }

  void release_turn() {
    if (turn_waiters.empty()) {
      is_writing = false;
      return;
    }
    TurnWaiter* next = turn_waiters.front();
    turn_waiters.pop_front();
    next->is_granted = true;
    next->timer.cancel();
  }

  // Sleeps until `until`, or until close().
  asio::awaitable<void> async_sleep_until(Clock::time_point until) {
    asio::steady_timer timer(executor, until);
    sleepers.insert(&timer);
    struct Unregister {
      std::set<asio::steady_timer*>& sleepers;
      asio::steady_timer* timer;
      ~Unregister() { sleepers.erase(timer); }
    } unregister{sleepers, &timer};
    co_await timer.async_wait(use_tuple);
  }

  milliseconds jittered(milliseconds step) {
    std::uniform_int_distribution<milliseconds::rep> draw(step.count() / 2, step.count());
    return milliseconds(draw(random));
  }

  // Index of the replica a not_leader `leader` hint ({"id":..,"address":..}) names, or
  // size() when it names none of ours (null, or an endpoint missing from our list).
  std::size_t index_of(const json& hint) const {
    if (!hint.is_object() || !hint.contains("address") || !hint["address"].is_string()) {
      return options.replicas.size();
    }
    const auto& address = hint["address"].get_ref<const std::string&>();
    const auto it = std::find(options.replicas.begin(), options.replicas.end(), address);
    return static_cast<std::size_t>(it - options.replicas.begin());
  }

  void start_new_session() {
    client_id = random_client_id(random);
    next_seq = 1;
    has_succeeded = false;
  }

  // `server_wait`: how long the replica may hold the request before it answers (a watch's
  // wait_ms); each attempt may take that much longer.
  asio::awaitable<Result<json>> async_attempts(std::string op, json fields, bool is_tagged,
                                               Clock::time_point expiry, std::uint64_t generation,
                                               milliseconds server_wait = milliseconds(0));

  asio::any_io_executor executor;
  ClientOptions options;
  std::vector<std::unique_ptr<wire::Client>> replicas;  // one per options.replicas entry
  std::mt19937_64 random;     // jitter and client ids; never used for anything replicated
  std::size_t preferred = 0;  // where a call tries first: the replica that answered last
  std::string client_id;
  // Set when the options cannot work (the CA file does not load): every call fails with it.
  std::optional<Error> unusable;
  std::uint64_t next_seq = 1;  // the seq of the next write; a session begins at 1
  // The last write failed while no write of this client_id had succeeded: its seq 1 may
  // never commit, or was refused before the log, and seq 2 would then be refused, so start
  // afresh.
  bool is_session_doubtful = false;
  bool has_succeeded = false;    // some write of this client_id was answered ok
  std::uint64_t generation = 0;  // bumped by close(); calls from an older one give up
  bool is_writing = false;       // a write holds the turn
  std::deque<TurnWaiter*> turn_waiters;
  std::set<asio::steady_timer*> sleepers;
};

asio::awaitable<Result<json>> Client::State::async_attempts(std::string op, json fields,
                                                            bool is_tagged,
                                                            Clock::time_point expiry,
                                                            std::uint64_t call_generation,
                                                            milliseconds server_wait) {
  // A write some attempt of which may have been applied (is_tagged only: a read changes
  // nothing): its final error must say so, never `unavailable`.
  bool is_in_doubt = false;
  const auto closed = [&is_in_doubt] {
    if (is_in_doubt) {
      return fail(code::connection_lost,
                  "the platform client was closed; the write may have been applied");
    }
    return fail(code::unavailable, "the platform client was closed");
  };
  const std::size_t count = replicas.size();
  std::size_t target = preferred;
  std::size_t tries_in_round = 0;
  std::size_t attempts = 0;
  milliseconds backoff = backoff_first;
  std::string last;  // what the latest failed attempt said, for the final error
  for (;;) {
    const auto now = Clock::now();
    if (now >= expiry) {
      const std::string waited = std::to_string((options.deadline + server_wait).count()) + " ms";
      const std::string said = last.empty() ? "" : "; last: " + last;
      if (is_in_doubt) {
        co_return fail(code::timeout, "no leader confirmed the write within " + waited +
                                          "; it may have been applied" + said);
      }
      co_return fail(code::unavailable, "no leader answered within " + waited + said);
    }
    const auto budget =
        std::min<Clock::duration>(options.attempt_timeout + server_wait, expiry - now);
    ++attempts;
    auto reply = co_await replicas[target]->async_call(
        op, fields, std::max(milliseconds(1), std::chrono::ceil<milliseconds>(budget)));
    if (is_tagged && may_have_been_applied(reply ? reply->code() : reply.error().code)) {
      is_in_doubt = true;
    }
    if (generation != call_generation) co_return closed();

    std::size_t next = (target + 1) % count;
    bool is_congested = false;
    milliseconds wait_at_least{0};  // what a rate_limited answer asked for
    if (!reply) {
      const std::string& code = reply.error().code;
      // Our own limits: no other replica would take the request either; nor would any
      // take a proof of the user's key that one refused (the connection's greeting).
      if (code == code::frame_too_large || code == code::overloaded ||
          code == code::unauthenticated || code == code::bad_signature) {
        co_return std::unexpected(reply.error());
      }
      last = options.replicas[target] + ": " + reply.error().message;
    } else if (reply->ok) {
      preferred = target;
      co_return std::move(reply->result);
    } else {
      const std::string code = reply->code();
      if (code == code::not_leader || code == code::leadership_lost) {
        const std::size_t hinted = index_of(reply->error.value("leader", json()));
        if (hinted < count && hinted != target) next = hinted;
      } else if (code == code::overloaded && server_wait.count() > 0) {
        // A long poll (a watch) with no room to wait on the leader: said at once, for the
        // caller to ask again later, rather than retried until the end of its wait.
        co_return std::unexpected(reply->to_error());
      } else if (code == code::overloaded) {
        next = target;
        is_congested = true;
      } else if (code == code::rate_limited) {
        // Our source sent too much: nothing happened; the same leader, once it says so.
        next = target;
        is_congested = true;
        const json after = reply->error.value("retry_after_ms", json());
        if (after.is_number_unsigned()) {
          wait_at_least = milliseconds(std::min<std::uint64_t>(after.get<std::uint64_t>(), 60'000));
        }
      } else if (code == code::session_expired && is_tagged && attempts == 1) {
        // The session ended before this call (an old first write that never committed, or
        // one evicted by newer clients), and nothing of this call was sent before: no
        // attempt of it can have been applied, so send it again as seq 1 of a new session.
        start_new_session();
        fields["client_id"] = client_id;
        fields["seq"] = next_seq++;
        continue;
      } else if (code != code::timeout && code != code::unavailable) {
        // The platform's own answer (or a refusal of the request itself): final.
        preferred = target;
        co_return std::unexpected(reply->to_error());
      }
      last = options.replicas[target] + ": " + reply->error.value("message", code);
    }
    if (++tries_in_round >= count || is_congested) {
      const auto wake = std::min<Clock::time_point>(
          expiry, Clock::now() + std::max<Clock::duration>(jittered(backoff), wait_at_least));
      co_await async_sleep_until(wake);
      if (generation != call_generation) co_return closed();
      backoff = std::min(backoff * 2, backoff_max);
      tries_in_round = 0;
    }
    target = next;
    if (!is_congested) preferred = target;
  }
}

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(options))) {}

Client::~Client() { close(); }

std::string Client::user_public_key() const {
  const auto& user = state_->options.user;
  return user ? user->keys->public_key().to_text() : std::string();
}

const std::optional<ClientUser>& Client::user() const { return state_->options.user; }

const std::string& Client::cluster_id() const { return state_->options.cluster_id; }

const std::string& Client::client_id() const { return state_->client_id; }

void Client::close() {
  State& state = *state_;
  ++state.generation;
  for (auto& replica : state.replicas) replica->close();
  for (asio::steady_timer* timer : state.sleepers) timer->cancel();
  for (State::TurnWaiter* waiter : state.turn_waiters) waiter->timer.cancel();
}

namespace {

// How long a replica may hold `op` before it answers: a watch's wait_ms (within the
// platform's bound), else nothing.
milliseconds wait_asked(std::string_view op, const json& fields) {
  if (op != "watch") return milliseconds(0);
  const auto it = fields.find("wait_ms");
  if (it == fields.end() || !it->is_number_unsigned()) return milliseconds(0);
  return milliseconds(std::min<std::uint64_t>(it->get<std::uint64_t>(), limits::watch_wait_ms_max));
}

// One call of `op` with `fields` (see Client::async_call). `state` is the caller's copy of
// the Client's, so that it outlives a Client destroyed while the call is in flight.
asio::awaitable<Result<json>> async_call_with(std::shared_ptr<Client::State> state, std::string op,
                                              json fields) {
  using State = Client::State;
  if (state->unusable) co_return std::unexpected(*state->unusable);
  if (fields.is_null()) fields = json::object();
  if (!fields.is_object()) co_return fail(code::bad_request, "fields must be an object");
  const milliseconds server_wait = wait_asked(op, fields);
  const auto expiry = Clock::now() + state->options.deadline + server_wait;
  const std::uint64_t generation = state->generation;

  if (!is_write(op)) {
    co_return co_await state->async_attempts(std::move(op), std::move(fields), false, expiry,
                                             generation, server_wait);
  }
  State::WriteTurn turn(*state);
  const bool is_granted = co_await state->async_acquire(turn, expiry);
  if (state->generation != generation) {
    co_return fail(code::unavailable, "the platform client was closed");
  }
  if (!is_granted) {
    co_return fail(code::unavailable, "no leader answered within " +
                                          std::to_string(state->options.deadline.count()) +
                                          " ms (earlier writes of this client held it up)");
  }
  if (state->is_session_doubtful) {
    state->start_new_session();
    state->is_session_doubtful = false;
  }
  fields["client_id"] = state->client_id;
  fields["seq"] = state->next_seq++;
  auto outcome =
      co_await state->async_attempts(std::move(op), std::move(fields), true, expiry, generation);
  if (outcome) {
    state->has_succeeded = true;
  } else if (!state->has_succeeded) {
    // No write of this client_id succeeded: whether its session began is unknown (a refusal
    // the leader answered before the log begins none), so the next write starts afresh.
    state->is_session_doubtful = true;
  } else if (outcome.error().code == code::session_expired) {
    // This client_id has no session any more: every later seq would be refused too.
    state->start_new_session();
  }
  co_return outcome;
}

// A typed call: the command encoded by the replica's own codec, its answer decoded once.
template <class C>
asio::awaitable<Result<AnswerTo<C>>> async_typed_call(std::shared_ptr<Client::State> state,
                                                      C command) {
  const Command any(std::move(command));
  auto result =
      co_await async_call_with(std::move(state), std::string(op_name(any)), encode_fields(any));
  if (!result) co_return std::unexpected(std::move(result.error()));
  co_return decode_answer<AnswerTo<C>>(*result);
}

}  // namespace

asio::awaitable<Result<json>> Client::async_call(std::string op, json fields) {
  co_return co_await async_call_with(state_, std::move(op), std::move(fields));
}

asio::awaitable<Result<LoggedIn>> Client::async_login(Login command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<UserAddress>> Client::async_get_user_address(GetUserAddress command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<CreatedAuction>> Client::async_create_auction(CreateAuction command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<JoinedAuction>> Client::async_join_auction(JoinAuction command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<LeftAuction>> Client::async_quit_auction(QuitAuction command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<StartedAuction>> Client::async_start_auction(StartAuction command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<UpdatedAuction>> Client::async_update_auction(UpdateAuction command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<FinishedAuction>> Client::async_finish_auction(FinishAuction command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<CancelledAuction>> Client::async_cancel_auction(CancelAuction command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<AuctionPage>> Client::async_fetch_auctions(FetchAuctions command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<TranscriptSummary>> Client::async_get_transcript(GetTranscript command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<BuyerPage>> Client::async_fetch_buyers(FetchBuyers command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<LinkPage>> Client::async_fetch_links(FetchLinks command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<RotatedKey>> Client::async_rotate_key(RotateKey command) {
  return async_typed_call(state_, std::move(command));
}

asio::awaitable<Result<WatchPage>> Client::async_watch(Watch command) {
  const Command any(std::move(command));
  // Named, not temporaries of the co_await: g++ 12 may destroy such a temporary twice.
  std::string op(op_name(any));
  json fields = encode_fields(any);
  auto result = co_await async_call_with(state_, std::move(op), std::move(fields));
  if (!result) co_return std::unexpected(std::move(result.error()));
  // A newer platform may make kinds of events this client does not know: they are left
  // out, and the page (with its revision) is read as usual.
  if (auto events = result->find("events"); events != result->end() && events->is_array()) {
    std::erase_if(events->get_ref<json::array_t&>(), [](const json& event) {
      const auto kind = event.find("kind");
      return event.is_object() && kind != event.end() && kind->is_string() &&
             !watch_event_kind_from_name(kind->get_ref<const std::string&>());
    });
  }
  co_return decode_answer<WatchPage>(*result);
}

asio::awaitable<Result<Answer>> Client::async_call(Command command) {
  const std::string op(op_name(command));
  auto result = co_await async_call_with(state_, op, encode_fields(command));
  if (!result) co_return std::unexpected(std::move(result.error()));
  co_return decode_answer(command, *result);
}

asio::awaitable<Result<std::vector<AuctionView>>> Client::async_fetch_all_auctions(
    std::string username, bool mine) {
  auto state = state_;
  std::vector<AuctionView> auctions;
  FetchAuctions fetch{std::move(username), AuctionId{0}, limits::fetch_page_max, mine};
  for (std::size_t page = 0; page < fetch_pages_max; ++page) {
    auto answer = co_await async_typed_call(state, fetch);
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    for (AuctionView& view : answer->auctions) {
      if (view.auction_id <= fetch.after_id) {
        co_return fail(code::bad_response, "fetch_auctions answer: auction ids do not increase");
      }
      fetch.after_id = view.auction_id;
      auctions.push_back(std::move(view));
    }
    if (!answer->more || answer->auctions.empty()) break;
  }
  co_return auctions;
}

asio::awaitable<Result<AuctionView>> Client::async_fetch_auction(std::string username,
                                                                 AuctionId auction_id) {
  // The page of one that starts right before the auction (ids start at 1).
  FetchAuctions fetch{std::move(username),
                      AuctionId{auction_id.value == 0 ? 0 : auction_id.value - 1}, 1, false};
  auto answer = co_await async_typed_call(state_, std::move(fetch));
  if (!answer) co_return std::unexpected(std::move(answer.error()));
  if (answer->auctions.empty() || answer->auctions.front().auction_id != auction_id) {
    co_return fail(code::unknown_auction, "no auction " + std::to_string(auction_id.value));
  }
  co_return std::move(answer->auctions.front());
}

asio::awaitable<Result<std::vector<BuyerView>>> Client::async_fetch_all_buyers(
    std::string username, AuctionId auction_id) {
  auto state = state_;
  std::vector<BuyerView> buyers;
  FetchBuyers fetch{std::move(username), auction_id, "", limits::buyers_page_max};
  for (std::size_t page = 0; page < buyer_pages_max; ++page) {
    auto answer = co_await async_typed_call(state, fetch);
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    for (BuyerView& buyer : answer->buyers) {
      if (!fetch.after.empty() && buyer.username <= fetch.after) {
        co_return fail(code::bad_response, "fetch_buyers answer: usernames do not increase");
      }
      fetch.after = buyer.username;
      buyers.push_back(std::move(buyer));
    }
    if (!answer->more || answer->buyers.empty()) break;
  }
  co_return buyers;
}

asio::awaitable<Result<json>> Client::async_fetch_all_links(std::string username,
                                                            AuctionId auction_id) {
  auto state = state_;
  json links = json::array();
  FetchLinks fetch{std::move(username), auction_id, 0, limits::link_withdrawals_page_max};
  for (std::size_t page = 0; page < link_pages_max; ++page) {
    auto answer = co_await async_typed_call(state, fetch);
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    if (answer->from != fetch.from) {
      co_return fail(code::bad_response, "fetch_links answer: from " +
                                             std::to_string(answer->from) + ", asked " +
                                             std::to_string(fetch.from));
    }
    for (json& link : answer->links) links.push_back(std::move(link));
    fetch.from += answer->links.size();
    if (!answer->more || answer->links.empty()) break;
  }
  co_return links;
}

namespace {

// A transcript from its summary and every page of its buyers and links. A plain function: g++
// 12 warns wrongly on a coroutine that does all this itself.
AuctionTranscript whole_transcript(TranscriptSummary summary, std::vector<BuyerView> buyers,
                                   json links) {
  AuctionTranscript t;
  t.auction_id = summary.auction_id;
  t.seller = std::move(summary.seller);
  t.seller_key = std::move(summary.seller_key);
  t.base_price = summary.base_price;
  t.increment = summary.increment;
  t.terms = std::move(summary.terms);
  t.stage = summary.stage;
  for (BuyerView& b : buyers) {
    t.buyers.push_back(
        TranscriptBuyer{std::move(b.username), b.active, std::move(b.public_key).value_or("")});
  }
  t.links = std::move(links);
  t.round_id = summary.round_id;
  t.price = summary.price;
  t.winner = std::move(summary.winner);
  t.chain_head = std::move(summary.chain_head);
  t.signature = std::move(summary.signature);
  return t;
}

}  // namespace

asio::awaitable<Result<AuctionTranscript>> Client::async_fetch_transcript(std::string username,
                                                                          AuctionId auction_id) {
  GetTranscript get{username, auction_id};
  auto summary = co_await async_typed_call(state_, std::move(get));
  if (!summary) co_return std::unexpected(std::move(summary.error()));
  auto buyers = co_await async_fetch_all_buyers(username, auction_id);
  if (!buyers) co_return std::unexpected(std::move(buyers.error()));
  auto links = co_await async_fetch_all_links(std::move(username), auction_id);
  if (!links) co_return std::unexpected(std::move(links.error()));
  co_return whole_transcript(std::move(*summary), std::move(*buyers), std::move(*links));
}

asio::awaitable<Result<json>> Client::async_status(std::size_t replica, StatusDigest digest) {
  auto state = state_;
  if (replica >= state->replicas.size()) {
    co_return fail(code::invalid_argument, "replica index " + std::to_string(replica) +
                                               " is not below " +
                                               std::to_string(state->replicas.size()));
  }
  if (state->unusable) co_return std::unexpected(*state->unusable);
  json fields = json::object();
  if (digest == StatusDigest::with) fields["digest"] = true;
  auto reply = co_await state->replicas[replica]->async_call("status", std::move(fields),
                                                             state->options.attempt_timeout);
  if (!reply) co_return std::unexpected(std::move(reply.error()));
  if (!reply->ok) co_return std::unexpected(reply->to_error());
  co_return std::move(reply->result);
}

}  // namespace auction::platform

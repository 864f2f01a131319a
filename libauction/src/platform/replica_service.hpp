// ReplicaService: the platform ops a replica serves on its client port.
//
// It sits between the wire layer (a wire::Server on the replica's client_port) and Raft
// (raft::Server) with the platform StateMachine behind it. Every request is decoded and
// checked with the platform codec (commands.hpp) first, then against the rules for new
// requests (check_new_request(): free text without control or bidirectional formatting
// characters), so a bad request is answered `bad_request` / `invalid_argument` and never
// reaches the log; apply checks neither again. Then:
//   writes  first checked against the leader's current state (StateMachine::check, the very
//           rules apply() runs): a write that state refuses is confirmed like a read (a
//           ReadIndex barrier, then the check again) and answered with the refusal without
//           entering the log, unless the same client has a write of this term that may
//           still be in the log unapplied (then apply() decides: it may be a retry of a
//           write that did apply, which must get its saved answer). Otherwise
//           the canonical command, with the client's client_id/seq when given, is proposed
//           to Raft, with the decoded Request attached so that applying it here takes that
//           instead of parsing the bytes again (src/platform/entry_applier.hpp); the answer
//           is the state machine's answer text for that log entry (answer_text.hpp);
//   reads   (fetch_auctions, get_user_address) wait for a ReadIndex barrier and are
//           answered by StateMachine::query(), never written to the log;
//   watch   is answered from the replica's recent events (WatchHistory) as the watcher may
//           see them (StateMachine::as_seen_by), without a barrier: every event is of a
//           committed entry. With none to give yet, it waits up to the request's wait_ms for
//           one, woken by the applier (wake_watchers()); at most watchers_max wait at once.
//   status  is answered by every replica from its own Raft state.
// Before a write is checked, the leader takes a token from its source address's buckets
// (RateLimiter; the rates are the cluster file's "limits"): one for every write, and one for
// a registration (a login of a name that is not a user yet). A source out of tokens is
// answered `rate_limited` with `retry_after_ms`: nothing happened. The time is read here,
// on the Asio side, and handed to the pure limiter.
// Every request that acts for or reads as a user must come on a connection that proved that
// user's key (UserAuthenticator): otherwise it is answered `unauthenticated` before anything
// else is decided about it.
// A replica that does not lead answers every platform op with `not_leader` and a `leader`
// hint: the known leader's CLIENT endpoint ({"id":1,"address":"127.0.0.1:7100"}) or null
// (docs/protocol.md, "Replica"): nothing was proposed. A write this replica proposed as leader
// and then stopped leading before it committed is answered `leadership_lost` with the same
// hint: the next leader may still apply it.
// Threading: handlers run on the wire server's executor, which must be the raft::Server's
// executor, so the state machine is only ever touched on that one thread.
// Never: writes a request it could not decode or that check_new_request() refuses, serves a
// read without a barrier, answers a platform op from a replica that does not lead, or
// answers a refusal to a session's write that may already be in the log.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include <boost/asio/steady_timer.hpp>

#include "auction/platform/chain_check.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/platform/state_machine.hpp"
#include "auction/raft/server.hpp"
#include "platform/rate_limiter.hpp"
#include "platform/user_authenticator.hpp"
#include "platform/watch_history.hpp"
#include "wire/server.hpp"

namespace auction::platform {

class ReplicaService {
 public:
  // `raft`, `machine` (the one raft applies to, through an EntryApplier) and `history` (the
  // one that applier feeds) must outlive every request this service handles: stop() this
  // service and the wire server and let their executor finish before destroying them.
  // platform::Replica assembles all of them.
  // `cluster` names the leader's client endpoint in not_leader hints.
  // `cluster_id` scopes users' proofs (UserAuthenticator).
  // `chain_check` judges sellers' chains before their writes are proposed.
  // `is_client_port_plain`: the client port speaks plain TCP (what is the operators' then
  // goes to the loopback address; refusal_unless_operator()).
  ReplicaService(raft::Server& raft, StateMachine& machine, const WatchHistory& history,
                 ClusterConfig cluster, std::string cluster_id, ChainCheck chain_check,
                 bool is_client_port_plain);

  // How many watches may wait for events at once: in all, of one user, and from one source
  // address; more are answered `overloaded` (nothing happened: ask again later).
  static constexpr std::size_t watchers_max = 4096;
  static constexpr std::size_t watchers_per_user_max = 16;
  static constexpr std::size_t watchers_per_source_max = 256;
  // How many kept events one watch looks at before it answers (with the revision it reached).
  static constexpr std::size_t watch_scan_max = 10'000;

  // Entries were applied: the waiting watches look again (once per turn of the executor,
  // however many entries were applied in it).
  void wake_watchers();
  // Ends every waiting watch (each answers `unavailable`) and refuses new ones. A watch woken
  // after this service is gone touches nothing of it. The destructor stops too.
  void stop();
  ~ReplicaService();
  ReplicaService(const ReplicaService&) = delete;
  ReplicaService& operator=(const ReplicaService&) = delete;

  // Registers `status`, `auth_challenge`, `authenticate` and every platform op
  // (docs/platform.md) on `server`.
  // Precondition: before server.start().
  void register_ops(wire::Server& server);

  // The `status` op's answer (docs/protocol.md); also the monitoring port's /status. The
  // digest only when asked: hashing the whole state costs a large state dearly.
  enum class WithDigest : bool { no, yes };
  wire::Reply status(WithDigest with_digest = WithDigest::no) const;

 private:
  boost::asio::awaitable<wire::Reply> async_serve(wire::Request request);
  // Decodes and checks a request up to where it must wait for Raft: the request to serve,
  // or the reply that refuses it (bad request, a rule for new requests, not the leader, a
  // source out of tokens).
  std::variant<Request, wire::Reply> admit(wire::Request request);
  // authenticate: leader, rate, a barrier, then the proof (UserAuthenticator).
  boost::asio::awaitable<wire::Reply> async_authenticate(wire::Request request);
  // rotate_key: the new key's proof is checked before the write goes on.
  boost::asio::awaitable<wire::Reply> async_rotate_key(
      Request request, std::shared_ptr<wire::ConnectionContext> connection);
  boost::asio::awaitable<wire::Reply> async_write(Request request);
  // update_auction and finish_auction of a started auction: the chain check runs on the
  // worker first; its refusal is the answer (nothing proposed).
  boost::asio::awaitable<std::optional<wire::Reply>> async_chain_refusal(const Request& request);
  // rate_limited when `source` has no token left for `request` (a write, perhaps a
  // registration); nullopt when it may go on (its tokens are taken).
  std::optional<wire::Reply> rate_refusal(const Request& request, const std::string& source);
  boost::asio::awaitable<wire::Reply> async_read(const Request& request);
  // `source`: the address the watch came from (its share of the waiting watches).
  boost::asio::awaitable<wire::Reply> async_watch(Watch watch, std::string source);

  // The watches waiting for an event, shared with their coroutines so that one woken after
  // the service is gone sees it is stopped without touching the service.
  struct WaitingWatches {
    std::set<boost::asio::steady_timer*> timers;
    std::map<std::string, std::size_t, std::less<>> per_user;
    std::map<std::string, std::size_t, std::less<>> per_source;
    bool is_wake_posted = false;
    bool is_stopped = false;

    // `overloaded` when one more watch of `username` from `source` may not wait.
    std::optional<wire::Reply> admit(const std::string& username, const std::string& source) const;

    // One waiting watch, counted while it lives.
    class Wait {
     public:
      Wait(WaitingWatches& watches, boost::asio::steady_timer& timer, std::string username,
           std::string source);
      ~Wait();
      Wait(const Wait&) = delete;
      Wait& operator=(const Wait&) = delete;

     private:
      WaitingWatches& watches_;
      boost::asio::steady_timer& timer_;
      std::string username_;
      std::string source_;
    };
  };
  // The refusal of `request` by the current state, confirmed after a read barrier; nullopt
  // when it must be proposed (not refused, or refused but perhaps a retry of a write in the
  // log). A failed barrier is answered as it failed (nothing was proposed).
  boost::asio::awaitable<std::optional<wire::Reply>> async_refusal(const Request& request);
  // Whether a write of this client proposed by this leader in its current term may be in
  // the log and not yet applied: every other entry that could still commit is applied by
  // the time a read barrier completes (Raft dissertation §6.4).
  bool may_be_in_log(const Request& request) const;
  boost::asio::awaitable<wire::Reply> async_propose(Request request);
  // not_leader with the leader hint; `why` explains for a person.
  wire::Reply not_leader(const std::string& why) const;
  // A failure with `code` and the leader hint ({"leader": {"id", "address"}} or null).
  wire::Reply with_leader_hint(const std::string& code, const std::string& why) const;

  raft::Server& raft_;
  StateMachine& machine_;
  bool is_client_port_plain_;
  // The state's digest for `status`: recomputed when the applied index moved, but at most
  // once a digest_interval, and then only after nine times as long as the last hash took
  // (see refresh_digest()).
  void refresh_digest(raft::LogIndex applied) const;
  static constexpr std::chrono::milliseconds digest_interval{1000};
  mutable std::optional<raft::LogIndex> digest_index_;  // the applied index digest_ is of
  mutable std::string digest_;
  mutable std::chrono::steady_clock::time_point digest_next_at_;  // no new hash before
  const WatchHistory& history_;
  std::shared_ptr<WaitingWatches> waiting_ = std::make_shared<WaitingWatches>();
  ClusterConfig cluster_;
  RateLimiter registrations_;  // logins of names that are not users yet, per source
  RateLimiter writes_;         // every write (and every proof of a user's key), per source
  UserAuthenticator users_;
  std::string cluster_id_;
  ChainCheck chain_check_;

  // The session writes this leader has proposed and not seen finish, by client_id, counted
  // per term (a count of an older term is void: its entries are before the barrier's).
  struct Proposing {
    raft::Term term;
    std::size_t count = 0;
  };
  std::map<std::string, Proposing, std::less<>> proposing_;
  // The last term in which a session write's proposal timed out: its entry may still commit
  // at any time in that term, and which client it was is no longer tracked, so no session
  // write of that term is refused before the log.
  raft::Term timed_out_term_;
};

}  // namespace auction::platform

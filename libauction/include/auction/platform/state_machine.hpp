// StateMachine: the platform's replicated state -- the directory of users, the registry of
// auctions, the backup of running auctions, and the exactly-once sessions.
//
// Every replica applies every committed command with apply(), in log order, so apply() is
// deterministic: no clock, no randomness, no I/O, ordered containers only, and every rule
// depends only on the state and the command (and the log index, for sessions).
// Reads (fetch_auctions, fetch_buyers, fetch_links, get_user_address, get_transcript) are
// served by query() on the leader after a ReadIndex check (dissertation §6.4) and never
// enter the log. Every read answers a bounded page (limits.hpp), whatever the state's size.
// Capacity: limits::users_max users and limits::auctions_max auctions, each auction with up
// to auction::limits::buyers_per_auction_max buyers; docs/performance.md ("Capacity") has what
// they cost in memory.
// It holds the replicated rules only: what raft calls on a replica, and what the leader
// keeps about its own proposals, are the replica's (src/platform/entry_applier.hpp,
// replica_service.hpp).
//
// Threading: single-threaded; on a replica, raft's thread (query() from the same thread).
// Never throws, never aborts on a peer's input: a bad command is an error answer. An abort
// means this replica's own state broke an invariant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/auction_record.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/detail/session_table.hpp"
#include "auction/platform/detail/view_cache.hpp"
#include "auction/platform/limits.hpp"
#include "auction/platform/watch_event.hpp"
#include "auction/raft/types.hpp"

namespace auction::platform {

// How many users and auctions a state machine holds at most. Every replica of a cluster runs
// with the defaults, limits::users_max and limits::auctions_max (they decide which commands
// succeed, so they are part of the replicated contract); a smaller capacity is for tests,
// which check the bound without filling millions of records.
struct Capacity {
  std::size_t users_max = limits::users_max;
  std::size_t auctions_max = limits::auctions_max;
};

class StateMachine {
 public:
  explicit StateMachine(Capacity capacity = {}) : capacity_(capacity) {}

  // Applies `request`, committed at `index`, and returns the answer text:
  // {"ok":true,"result":{...}} or {"error":{"code":..,"message":..},"ok":false}
  // (src/platform/answer_text.hpp). A request with a session (client_id, seq) that was
  // applied before gets the answer saved then, byte for byte.
  // Precondition: index > applied_index() (Raft applies each index once, in order; a
  //   violation is a bug and aborts).
  std::string apply(raft::LogIndex index, const Request& request);

  // The same for the bytes of a log entry (encode_entry() of a Request, or the JSON text of
  // older logs), decoded first: apply(index, decode_entry(command)) when they decode. Bytes that do
  // not decode (only possible if replicas with other rules share the log) are answered with the
  // decoder's error on every replica alike, and change nothing but applied_index().
  std::string apply(raft::LogIndex index, std::string_view command);

  // The refusal apply() would answer if `request` were applied next, decided from the
  // current state without changing anything: the same session rule and the same checks of
  // the command, in the same order, as apply() runs them (one definition of each rule).
  // Success means apply() would not refuse it now: it would execute it, or replay a saved
  // answer (a retry of a session's last seq is never refused here, whatever the state says
  // now). It is no promise: entries applied in between may change apply()'s verdict, which
  // alone decides for a command that enters the log. Reads always succeed. The leader asks
  // this before proposing a write, so a write it already refuses never enters the log
  // (src/platform/replica_service.hpp). Ignores session expiry, which only refuses more.
  Result<void> check(const Request& request) const;

  // Whether `username` is a user now (has logged in at least once).
  bool has_user(std::string_view username) const { return users_.contains(username); }
  // The user's registered public key (public_key_hex_digits lowercase hex digits); nullopt
  // for no user.
  std::optional<std::string> public_key(std::string_view username) const;
  std::size_t user_count() const { return users_.size(); }
  std::size_t auction_count() const { return auctions_.size(); }
  const Capacity& capacity() const { return capacity_; }
  // The auction with id `id`; null for none. Valid until the next apply.
  const AuctionRecord* auction(AuctionId id) const;

  // Serves a read request (any read op) from the current state.
  // Returns the "result" object. Errors: "bad_request" (not a read, or malformed), and the
  // op's own errors (unknown_user, unknown_auction, not_joined, wrong_stage,
  // invalid_argument).
  Result<nlohmann::json> query(const nlohmann::json& request) const;

  // The same read, already decoded, answered as the compact JSON text of the "result"
  // object: byte for byte query()'s result dumped. fetch_auctions assembles it from the
  // auctions' kept view texts (ViewCache), so a repeated read costs little more than a copy.
  // Errors: as query(); "bad_request" for a command that is not a read.
  Result<std::string> query_text(const Command& read) const;

  // The whole state as JSON (format in docs/platform.md). Deterministic: equal states give
  // byte-identical dumps.
  nlohmann::json snapshot() const;

  // Rebuilds a state machine from snapshot(), checking everything a snapshot could get
  // wrong (field rules, references to unknown users, ids, limits: `capacity`'s).
  // Errors: "bad_snapshot" with the offending field.
  static Result<StateMachine> restore(const nlohmann::json& snapshot, Capacity capacity = {});

  // The same state in the snapshot's binary form (docs/platform.md, "Snapshot format"): what
  // a replica writes into its snapshot files. Deterministic, like snapshot(), and several
  // times smaller and faster to write and to read.
  std::string snapshot_bytes() const;

  // Rebuilds a state machine from snapshot_bytes(), or from the JSON text of snapshot() (what
  // snapshots taken before the binary form hold), with the same checks as restore().
  // Errors: "bad_snapshot" naming the part that is wrong.
  static Result<StateMachine> restore_bytes(std::string_view bytes, Capacity capacity = {});

  // A stable hash (FNV-1a 64, 16 hex digits) of snapshot_bytes(): replicas that applied the
  // same log prefix have equal digests.
  std::string digest() const;

  // The index of the last command applied (0 before any).
  raft::LogIndex applied_index() const { return applied_index_; }

  // The event the last applied entry made (watch_event.hpp), with that entry's index as its
  // revision; nullopt when it changed nothing users follow (a refusal, a repeat answered
  // from a session or from the stored auction, rotate_key, a read). Valid until the next
  // apply. Not part of the replicated state: snapshots do not hold it.
  const std::optional<WatchEvent>& event_of_last_entry() const { return last_event_; }

  // `event` as `watcher` may see it now, by the visibility rules (views.hpp) applied to the
  // current state, with the watcher's `role` in the auction: nullopt when it may not see it
  // at all (the joins, quits and rounds of an auction it takes no part in, the logins of
  // users who are not its counterparts: the seller of a running auction it joined, or a
  // buyer of one it sells), and without `progress` when it takes no part in the auction. A
  // buyer who quit sees its own quit; a user sees its own logins (another program with its
  // key may have taken its place).
  std::optional<WatchEvent> as_seen_by(const WatchEvent& event, std::string_view watcher) const;

 private:
  // One user, as compact as the state allows: 10 million of them must fit a replica's memory.
  struct UserRecord {
    std::string address;
    std::array<std::uint8_t, 32> public_key{};  // the registered Ed25519 key, raw
    // The auctions the user sells or has joined, ascending: fetch_auctions' `mine` pages.
    // Derived from the auctions (not in snapshots): restore() builds it again.
    std::vector<AuctionId> auctions;
  };
  using Users = std::map<std::string, UserRecord, std::less<>>;  // by username

  // Every applied entry, decodable or not, first moves the applied index and ends the
  // sessions idle for too long.
  void begin_entry(raft::LogIndex index);
  Result<nlohmann::json> execute(const Command& command);
  Result<nlohmann::json> read(const Command& command) const;

  // What a write's checks decided, when none refused it: the auction it acts on (none for
  // login and create_auction), and whether the command changes it (an overtaken update and a
  // repeated finish are answered from the stored auction and change nothing).
  struct Admitted {
    const AuctionRecord* auction = nullptr;
    bool changes = true;
    // update_auction, finish_auction: the index in the command's links of the first link the
    // platform lacks (the ones before it are held already).
    std::size_t new_links_start = 0;
  };
  // Every check of a write, in the one order (the acting user, the auction, ownership,
  // stage, the op's own rules); const: they change nothing. on() runs its admit() first and
  // changes state only after it succeeded; check() runs it alone.
  Result<Admitted> admit(const Login& c) const;
  Result<Admitted> admit(const CreateAuction& c) const;
  Result<Admitted> admit(const JoinAuction& c) const;
  Result<Admitted> admit(const QuitAuction& c) const;
  Result<Admitted> admit(const StartAuction& c) const;
  Result<Admitted> admit(const UpdateAuction& c) const;
  Result<Admitted> admit(const FinishAuction& c) const;
  Result<Admitted> admit(const CancelAuction& c) const;
  Result<Admitted> admit(const RotateKey& c) const;
  // admit() of any write; reads are admitted.
  Result<Admitted> admit_command(const Command& command) const;

  Result<nlohmann::json> on(const Login& c);
  Result<nlohmann::json> on(const CreateAuction& c);
  Result<nlohmann::json> on(const JoinAuction& c);
  Result<nlohmann::json> on(const QuitAuction& c);
  Result<nlohmann::json> on(const StartAuction& c);
  Result<nlohmann::json> on(const UpdateAuction& c);
  Result<nlohmann::json> on(const FinishAuction& c);
  Result<nlohmann::json> on(const CancelAuction& c);
  Result<nlohmann::json> on(const RotateKey& c);
  Result<nlohmann::json> on(const GetUserAddress& c) const;
  Result<nlohmann::json> on(const FetchAuctions& c) const;
  Result<nlohmann::json> on(const GetTranscript& c) const;
  Result<nlohmann::json> on(const FetchBuyers& c) const;
  Result<nlohmann::json> on(const FetchLinks& c) const;

  // The auctions of one fetch_auctions page: calls `visit` with each record, in id order,
  // and returns whether more follow. Precondition: c.username is a user.
  template <class Visit>
  bool visit_page(const FetchAuctions& c, Visit visit) const;
  // The auction `id`, if `username` is a user that sells it or has joined it (what a
  // participant's read needs).
  Result<const AuctionRecord*> participated_auction(std::string_view username, AuctionId id) const;
  // Records in the user's list that it sells or has joined auction `id` (or no longer has).
  void add_participation(std::string_view username, AuctionId id);
  void remove_participation(std::string_view username, AuctionId id);

  // What restore() and restore_bytes() do with each user and auction they read: the checks
  // that need the state read so far (a user twice, ids in order, sellers and buyers known).
  Result<void> add_restored_user(std::string username, std::string address,
                                 const std::array<std::uint8_t, 32>& key);
  Result<void> add_restored_auction(AuctionRecord record);

  Result<void> require_user(std::string_view username) const;
  Result<const AuctionRecord*> find_auction(AuctionId id) const;
  // The auction `id`, if `seller` is a user and owns it.
  Result<const AuctionRecord*> owned_auction(std::string_view seller, AuctionId id) const;
  // The auction `id`, if `username` is a user and the auction has not started (what a buyer
  // joins or quits).
  Result<const AuctionRecord*> unstarted_auction(std::string_view username, AuctionId id) const;
  // The admitted auction, to be changed: its kept views are dropped.
  AuctionRecord& edit(const AuctionRecord& admitted);
  // Records the event of the entry being applied: `kind`, and of auction `a` as it is now.
  WatchEvent& record_event(WatchEventKind kind);
  WatchEvent& record_event(WatchEventKind kind, const AuctionRecord& a);
  // Whether one of users `a` and `b` sells an auction, created or started, that the other
  // has joined.
  bool is_counterpart(std::string_view a, std::string_view b) const;

  Capacity capacity_;
  Users users_;
  std::map<AuctionId, AuctionRecord> auctions_;
  AuctionId next_auction_id_{1};  // Invariant: greater than every key of auctions_.
  SessionTable sessions_;
  mutable ViewCache views_;               // not replicated state: serialized views for reads
  std::optional<WatchEvent> last_event_;  // not replicated state: see event_of_last_entry()
  raft::LogIndex applied_index_;
};

}  // namespace auction::platform

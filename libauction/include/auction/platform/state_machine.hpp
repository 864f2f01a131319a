// StateMachine: the platform's replicated state -- the directory of users, the registry of
// auctions, the backup of running auctions, and the exactly-once sessions.
//
// Raft calls apply() with every committed command, in log order, on every replica, so
// apply() is deterministic: no clock, no randomness, no I/O, ordered containers only, and
// every rule depends only on the state and the command (and the log index, for sessions).
// Reads (fetch_auctions, get_user_address) are served by query() on the leader after a
// ReadIndex check (dissertation §6.4) and never enter the log.
//
// Threading: single-threaded; the Raft driver owns it (query() from the same thread).
// Never throws, never aborts on a peer's input: a bad command is an error answer. An abort
// means this replica's own state broke an invariant.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/platform/auction_record.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/session_table.hpp"
#include "auction/platform/view_cache.hpp"
#include "auction/raft/state_machine.hpp"
#include "auction/raft/types.hpp"
#include "auction/base/error.hpp"

namespace auction::platform {

class StateMachine final : public raft::StateMachine {
 public:
  StateMachine() = default;

  // Applies the command bytes committed at `index` (the canonical encode() of a Request)
  // and returns the answer bytes: {"ok":true,"result":{...}} or
  // {"ok":false,"error":{"code":..,"message":..}}.
  // Precondition: index > applied_index() (Raft applies each index once, in order; a
  //   violation is a bug and aborts).
  std::string apply(raft::LogIndex index, std::string_view command) override;

  // This replica proposed `bytes` (the log encoding of `request`, encode(request).dump()):
  // when they are applied here, apply() takes `request` instead of parsing them again. A
  // hint, not state: bytes that never commit are forgotten in bulk beyond
  // proposals_remembered_max, and equal bytes always decode to an equal request.
  void remember_proposal(std::string bytes, Request request);
  static constexpr std::size_t proposals_remembered_max = 4096;

  // The "result" of a success answer of apply(), as JSON text, found without parsing the
  // answer; nullopt for an error answer (which is small: parse it).
  static std::optional<std::string_view> success_result_text(std::string_view answer);

  // Serves a read request (fetch_auctions or get_user_address) from the current state.
  // Returns the "result" object. Errors: "bad_request" (not a read, or malformed), and the
  // op's own errors (unknown_user, invalid_argument).
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
  // wrong (field rules, references to unknown users, ids, limits).
  // Errors: "bad_snapshot" with the offending field.
  static Result<StateMachine> restore(const nlohmann::json& snapshot);

  // A stable hash (FNV-1a 64, 16 hex digits) of snapshot(): replicas that applied the same
  // log prefix have equal digests.
  std::string digest() const;

  // The index of the last command applied (0 before any).
  raft::LogIndex applied_index() const { return applied_index_; }

 private:
  using Users = std::map<std::string, std::string, std::less<>>;  // username -> address

  Result<nlohmann::json> execute(const Command& command);
  Result<nlohmann::json> read(const Command& command) const;

  Result<nlohmann::json> on(const Login& c);
  Result<nlohmann::json> on(const CreateAuction& c);
  Result<nlohmann::json> on(const JoinAuction& c);
  Result<nlohmann::json> on(const QuitAuction& c);
  Result<nlohmann::json> on(const StartAuction& c);
  Result<nlohmann::json> on(const UpdateAuction& c);
  Result<nlohmann::json> on(const FinishAuction& c);
  Result<nlohmann::json> on(const CancelAuction& c);
  Result<nlohmann::json> on(const GetUserAddress& c) const;
  Result<nlohmann::json> on(const FetchAuctions& c) const;

  Result<void> require_user(std::string_view username) const;
  Result<AuctionRecord*> find_auction(AuctionId id);
  // The auction `id`, if `seller` is a user and owns it.
  Result<AuctionRecord*> owned_auction(std::string_view seller, AuctionId id);

  Users users_;
  std::map<AuctionId, AuctionRecord> auctions_;
  AuctionId next_auction_id_{1};  // Invariant: greater than every key of auctions_.
  SessionTable sessions_;
  mutable ViewCache views_;  // not replicated state: serialized views for reads
  std::map<std::string, Request, std::less<>> proposed_;  // remember_proposal(); not state
  raft::LogIndex applied_index_;
};

}  // namespace auction::platform

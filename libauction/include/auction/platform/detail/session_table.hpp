// SessionTable: exactly-once execution of client requests (Raft dissertation §6.3).
//
// A mutating request may carry {client_id, seq}. A session belongs to the user the request
// acts for (acting_user(), commands.hpp): the table remembers, per user and client_id, the
// last seq applied and the answer it got. A retry of that seq (after a timeout or a leader
// change) gets the saved answer and is not applied again; an older seq is refused as
// "stale_request"; a newer one is applied and its answer saved.
//
// Sessions end deterministically and only by their own user's traffic: when a user's new
// client would make more than limits::sessions_per_user_max sessions, that user's session
// used longest ago is evicted. No other user's requests, however many, end a session: the
// platform authenticates every write's user (docs/identity.md), so a stranger cannot open
// sessions in another user's name either. A session starts at seq 1; a request for an
// unknown client_id with seq > 1 is therefore a client whose session ended, and it gets
// "session_expired" (not applied: it may be a retry of something already applied). That
// client must start a new session (a new client_id, seq 1).
//
// Part of the replicated state (in snapshots and the digest). Single-threaded, pure.
// Not public API: in detail/ only because platform::StateMachine holds one by value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/commands.hpp"
#include "auction/raft/types.hpp"

namespace auction::platform {

class EntryReader;  // the binary forms' fields (src/platform/entry_reader.hpp)
class EntryWriter;

class SessionTable {
 public:
  // What begin() decides for `user`'s `tag` in the table as it is now, without touching
  // it: execute (apply it) or replay (a retry of the last applied seq: its saved answer).
  // Errors: as begin(). The leader asks this before proposing (StateMachine::check).
  enum class Verdict { execute, replay };
  Result<Verdict> judge(std::string_view user, const SessionTag& tag) const;

  // Decides what to do with a tagged request of `user` applied at `now` (judge(), then the
  // replay):
  //   a saved answer -> a retry of the last applied seq: return it, do not apply;
  //   nullopt        -> apply it, then call record() with its answer.
  // Errors: "stale_request" (seq older than the last applied), "session_expired" (unknown
  //   client_id with seq > 1).
  Result<std::optional<std::string>> begin(std::string_view user, const SessionTag& tag,
                                           raft::LogIndex now);

  // Saves the answer of a request begin() allowed. May evict the user's least recently
  // used session to stay within limits::sessions_per_user_max.
  // Precondition: begin(user, tag, now) returned nullopt for this very request.
  void record(std::string_view user, const SessionTag& tag, std::string answer, raft::LogIndex now);

  // Sessions of all users.
  std::size_t size() const;

  // [{"username","client_id","last_seq","answer","last_used_index"}], ordered by username,
  // then client_id.
  nlohmann::json snapshot() const;

  // Errors: "bad_snapshot" (a field is wrong, a session twice, a use after `applied`, more
  //   than limits::sessions_per_user_max sessions of one user).
  static Result<SessionTable> restore(const nlohmann::json& value, raft::LogIndex applied);

  // The same in the snapshot's binary form: the number of sessions, then each one's fields in
  // the order above. Errors: as restore().
  void snapshot_to(EntryWriter& out) const;
  static Result<SessionTable> restore_from(EntryReader& in, raft::LogIndex applied);

 private:
  struct Session {
    std::uint64_t last_seq = 0;
    std::string answer;        // the answer bytes of last_seq, replayed verbatim
    raft::LogIndex last_used;  // the index that last applied or replayed last_seq
  };
  using UserSessions = std::map<std::string, Session, std::less<>>;  // by client_id

  const Session* find(std::string_view user, std::string_view client_id) const;
  // Adds a session read from a snapshot (either form), with restore()'s checks.
  Result<void> add_restored(const std::string& user, std::string client_id, Session session);

  std::map<std::string, UserSessions, std::less<>> users_;  // by username; none empty
};

}  // namespace auction::platform

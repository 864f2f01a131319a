// SessionTable: exactly-once execution of client requests (Raft dissertation §6.3).
//
// A mutating request may carry {client_id, seq}. The table remembers, per client, the last
// seq applied and the answer it got. A retry of that seq (after a timeout or a leader
// change) gets the saved answer and is not applied again; an older seq is refused as
// "stale_request"; a newer one is applied and its answer saved.
//
// Sessions end deterministically, by log position, never by wall clock (every replica must
// drop the same sessions at the same entry): one not used for more than
// limits::session_idle_entries_max log indexes is dropped, and when a new client would make
// more than limits::sessions_max the one used longest ago is evicted. A session starts at
// seq 1; a request for an unknown client_id with seq > 1 is therefore a client whose session
// ended, and it gets "session_expired" (not applied: it may be a retry of something already
// applied). That client must start a new session (a new client_id, seq 1).
//
// Part of the replicated state (in snapshots and the digest). Single-threaded, pure.
// Not public API: in detail/ only because platform::StateMachine holds one by value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/commands.hpp"
#include "auction/raft/types.hpp"

namespace auction::platform {

class SessionTable {
 public:
  // Drops every session last used more than limits::session_idle_entries_max indexes
  // before `now`. Call once per applied entry, before begin().
  void expire(raft::LogIndex now);

  // What begin() decides for `tag` in the table as it is now, without touching it:
  // execute (apply it) or replay (a retry of the last applied seq: its saved answer).
  // Errors: as begin(). The leader asks this before proposing (StateMachine::check).
  enum class Verdict { execute, replay };
  Result<Verdict> judge(const SessionTag& tag) const;

  // Decides what to do with a tagged request applied at `now` (judge(), then the replay):
  //   a saved answer -> a retry of the last applied seq: return it, do not apply;
  //   nullopt        -> apply it, then call record() with its answer.
  // Errors: "stale_request" (seq older than the last applied), "session_expired" (unknown
  //   client_id with seq > 1).
  Result<std::optional<std::string>> begin(const SessionTag& tag, raft::LogIndex now);

  // Saves the answer of a request begin() allowed. May evict the least recently used
  // session to stay within limits::sessions_max.
  // Precondition: begin(tag, now) returned nullopt for this very request.
  void record(const SessionTag& tag, std::string answer, raft::LogIndex now);

  std::size_t size() const { return sessions_.size(); }

  // [{"client_id","last_seq","answer","last_used_index"}], ordered by client_id.
  nlohmann::json snapshot() const;

  // Errors: "bad_snapshot" (a field is wrong, a client twice, two sessions used at the same
  //   index, a use after `applied`, more than limits::sessions_max).
  static Result<SessionTable> restore(const nlohmann::json& value, raft::LogIndex applied);

 private:
  struct Session {
    std::uint64_t last_seq = 0;
    std::string answer;        // the answer bytes of last_seq, replayed verbatim
    raft::LogIndex last_used;  // the index that last applied or replayed last_seq
  };

  void touch(const std::string& client_id, Session& session, raft::LogIndex now);

  std::map<std::string, Session, std::less<>> sessions_;
  // last_used -> client_id. Invariant: exactly one entry per session, matching its
  // last_used (an entry touches at most one session, so the keys are unique).
  std::map<raft::LogIndex, std::string> by_last_used_;
};

}  // namespace auction::platform

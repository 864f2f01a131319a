// ChaosRecorder: turns the chaos clients' platform calls and their answers into the
// checker's History (history.hpp), on one clock shared by every client thread.
//
// What an answer proves decides how a call is recorded:
//   - ok: the call took effect (reads: what they observed).
//   - an error the state machine gives (unknown_user, unknown_auction, wrong_stage,
//     not_joined, invalid_argument, limit_exceeded, bad_request): the command was decided in
//     the log (writes) or by a read at one instant, so the call is a definite failure.
//   - an error that proves nothing happened: `not_leader` (the replica did not propose it)
//     and `unavailable` (platform::Client: no attempt of the call can have been applied --
//     each was refused before the log or never sent). A definite failure too: the final
//     state check fails the run if such a write's effect is ever seen.
//   - anything else is indeterminate for a write: `timeout` (some attempt may have been
//     proposed and commit later: platform::Client's answer at its deadline when an attempt
//     is in doubt), `connection_lost`, `leadership_lost` (the entry was appended and may
//     still commit under the next leader, Raft §5.4.2), `overloaded` and `session_expired`
//     (the session ended between attempts). For a read these outcomes mean nothing was
//     observed, and the checker drops indeterminate reads.
// Threading: record() and now_ns() may be called from any thread (a mutex serializes the
// appends). Never: interpret an answer beyond what the platform's protocol guarantees.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/platform/answers.hpp"
#include "auction/platform/commands.hpp"
#include "history.hpp"

namespace auction::test {

// True when `code` is an answer of the state machine itself (a decided outcome), or proves
// that the call had no effect.
bool is_definite_error(const std::string& code);

class ChaosRecorder {
 public:
  ChaosRecorder() : start_(std::chrono::steady_clock::now()) {}

  // Nanoseconds since construction, on the monotonic clock every client shares.
  std::int64_t now_ns() const;

  // Records `call` made by `process`, invoked at `invoke_ns` and answered at `complete_ns`.
  // The workload's calls: login (a register write), get_user_address (a register read),
  // join_auction and quit_auction (a set add and remove), fetch_buyers (precondition: no
  // other op). A fetch_buyers result becomes the read_set of its auction (auction/<id>, the
  // buyers' usernames): fetch as the auctions' seller, who sees them, and ask for a page that
  // holds them all (the workload's auctions have a few buyers).
  // Precondition: a successful `answer` is the answer to `call`'s op.
  void record(std::int64_t process, const platform::Command& call, std::int64_t invoke_ns,
              std::int64_t complete_ns, const Result<platform::Answer>& answer);

  // The history so far (a copy, under the lock).
  History history() const;

  // Key names used in the history.
  static std::string user_key(const std::string& username) { return "user/" + username; }
  static std::string auction_key(AuctionId id) { return "auction/" + std::to_string(id.value); }

 private:
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  History history_;
};

}  // namespace auction::test

// A recorded history of client calls against the platform, as the linearizability checker
// reads it.
//
// Each Operation is one call as one client saw it: who called (process), what (kind, key,
// input), when (invocation and completion on one clock shared by all clients of the test), and
// what came back (ok with a value, a definite failure code, or nothing: indeterminate). The
// platform's calls map onto two kinds of object:
//   register per user:    login -> write(address), get_user_address -> read
//                         (unknown_user is a read that observed "absent")
//   set per auction:      join_auction -> add(username), quit_auction -> remove(username)
//                         (not_joined is a remove that observed "absent"),
//                         fetch_buyers -> a read_set of its auction (append_multi_read)
// The history records what the client saw and interprets nothing; the models in
// register_model.hpp and set_model.hpp give the codes their meaning.
//
// A history has a readable text form (one operation per line) and a JSON form that can be
// saved after a failing run and loaded again to re-check it.
//
// Threading: plain values; a History is not safe to append to from several threads at once
// (the recorder serializes appends). Never: read a clock or guess at results here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auction/base/error.hpp"

namespace auction::test {

enum class OpKind : std::uint8_t {
  write,     // register: input = value written
  read,      // register: output = value read (outcome ok), or failed with unknown_user
  add,       // set: input = element added
  remove,    // set: input = element removed; failed with not_joined when it was absent
  read_set,  // set: members = the whole set read (sorted, no duplicates)
};

enum class Outcome : std::uint8_t {
  ok,             // took effect; for reads, output/members hold what was observed
  failed,         // a definite error code: the call linearized as a no-op or as a read
  indeterminate,  // timeout or lost connection: took effect at most once, maybe not at all
};

// True for a register kind (write, read); false for a set kind (add, remove, read_set).
bool is_register_kind(OpKind kind);
std::string_view to_string(OpKind kind);
std::string_view to_string(Outcome outcome);

struct Operation {
  std::size_t id = 0;        // its index in the History it was recorded in; stable in reports
  std::int64_t process = 0;  // the client that made the call
  OpKind kind = OpKind::read;
  std::string key;    // the object: e.g. "user/alice", "auction/7"
  std::string input;  // write: the value; add/remove: the element; empty for reads
  Outcome outcome = Outcome::indeterminate;
  std::string output;                // read with outcome ok: the value read
  std::vector<std::string> members;  // read_set with outcome ok: sorted, no duplicates
  std::string error;                 // outcome failed: the stable error code
  std::int64_t invoke_ns = 0;
  // Set exactly when outcome != indeterminate; then complete_ns >= invoke_ns. An
  // indeterminate call's completion is +infinity: it may linearize any time after invoke_ns.
  std::optional<std::int64_t> complete_ns;

  friend bool operator==(const Operation&, const Operation&) = default;
};

struct History {
  std::vector<Operation> operations;  // operations[i].id == i

  // Appends `op` with its id set to its index and returns that id. Precondition: op is
  // well formed (see validate); the recorder checks that once at the end.
  std::size_t append(Operation op);
};

// Appends one read_set per key of a multi-object read (a read that observes several
// auctions' buyers at one instant; fetch_buyers observes one). `sets_by_key` maps each key to the
// members seen. The per-key checker then checks each projection; what that does not prove is
// written in docs/testing.md. Keys absent from the map get no read. Precondition: complete_ns >=
// invoke_ns.
void append_multi_read(History& history, std::int64_t process, std::int64_t invoke_ns,
                       std::int64_t complete_ns,
                       const std::map<std::string, std::vector<std::string>>& sets_by_key);

// Checks the invariants stated on Operation, that each key is used by one kind of object
// only, and that no process had two calls with known outcomes in flight at once (a client
// may move on after an indeterminate call, so those are exempt). Error code: bad_history.
Result<void> validate(const History& history);

// One line per operation, e.g.
//   #12 p3 write user/alice "10.0.0.1:5000" -> ok [120000, 340000]
//   #15 p1 read user/alice -> failed unknown_user [200000, 260000]
//   #16 p2 read_set auction/7 -> ok {"alice", "bob"} [210000, 300000]
//   #17 p4 add auction/7 "carol" -> indeterminate [220000, inf)
std::string to_text(const Operation& op);
std::string to_text(const History& history);

// JSON: {"format": "ppapd-history", "version": 1, "operations": [{"id", "process", "kind",
// "key", "input", "outcome", "output", "members", "error", "invoke_ns", "complete_ns"}]},
// complete_ns null for indeterminate calls. from_json validates; errors are bad_history.
std::string to_json(const History& history);
Result<History> from_json(std::string_view text);
Result<void> save_history(const History& history, const std::string& path);
Result<History> load_history(const std::string& path);

}  // namespace auction::test

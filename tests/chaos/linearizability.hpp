// The linearizability checker for recorded histories (history.hpp).
//
// A history is linearizable when every operation can be given one instant between its
// invocation and its completion such that, taken in that order, the operations are legal for
// the object's sequential specification (Herlihy & Wing 1990). Indeterminate operations
// (timeouts) have completion +infinity and may also be left out: they took effect at most once.
//
// The search is Wing & Gong's (1993) depth-first search over partial linearizations, with
// Lowe's memoization ("Testing for linearizability", 2017): a configuration is the set of
// operations already linearized plus the model state they lead to, and a configuration that
// has been fully explored without success is never explored again. On top of that:
//   - Only "minimal" operations are candidates: those invoked before the earliest completion
//     among the operations not yet linearized. An operation whose completion is reached must
//     already be placed, so each is linearized just in time, never later than it must be.
//   - A read-only candidate (a read, a failed call) whose result is legal in the current state
//     is linearized at once with no alternative tried: moving a minimal read to the front of
//     any valid completion keeps it valid, so that choice never needs to be undone.
//   - Indeterminate operations are optional, which the search exploits four ways: they are
//     tried after the determinate candidates; one that would leave the state unchanged, or
//     that no operation left to place may need (Model::may_need), is not tried at all; of
//     several with the same kind and input only one is tried (they are interchangeable once
//     invoked, as none ever completes); and a configuration is pruned when one with the same
//     determinate set and state and a subset of its indeterminate operations already failed
//     (it could have left the extra ones out).
// Linearizability is local (Herlihy & Wing, Theorem 1): a history whose operations each touch
// one object is linearizable exactly when each object's sub-history is. check_history
// therefore checks key by key. A multi-object read (fetch_auctions) is split into one read per
// key; checking those projections is necessary but not sufficient (docs/testing.md).
//
// Threading: pure functions of their arguments; callers may check different histories on
// different threads. Never: read a clock (budgets are counts of configurations, so a verdict
// never depends on machine speed).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "history.hpp"
#include "invariant.hpp"

namespace auction::test {

// A sequential specification: a pure step function over hashable states. step may look only
// at an operation's kind, input, outcome, output, members and error (so two indeterminate
// operations with the same kind and input are interchangeable), and must accept every
// indeterminate operation in every state. may_need(op, writer) is true when op's result may
// require that the mutating operation `writer` took effect before it; when it is false for
// every other operation, removing `writer` from a linearization leaves a linearization (the
// state changes only where no operation looks), so leaving it out is never worse.
template <class M>
concept Model = requires(const M& model, const typename M::State& state, const Operation& op) {
  { model.initial_state() } -> std::same_as<typename M::State>;
  { model.step(state, op) } -> std::same_as<std::optional<typename M::State>>;
  { M::is_read_only(op) } -> std::same_as<bool>;  // leaves every state unchanged
  { M::may_need(op, op) } -> std::same_as<bool>;
  { M::hash(state) } -> std::convertible_to<std::size_t>;
  { M::describe(state) } -> std::same_as<std::string>;
  { state == state } -> std::convertible_to<bool>;
};

enum class Verdict : std::uint8_t { linearizable, not_linearizable, unknown };
std::string_view to_string(Verdict verdict);

struct SearchLimits {
  // Configurations one search may enter before it gives up with Verdict::unknown. Each
  // failed configuration is remembered, so this also bounds memory.
  std::size_t configurations_max = 1'000'000;
};

// The outcome of searching one object's history. Indices refer to the span searched.
struct SearchResult {
  Verdict verdict = Verdict::unknown;
  std::size_t configurations = 0;  // configurations entered
  // The rest is set when verdict == not_linearizable.
  // The operation whose completion no order the search tried got past: the furthest point
  // in time the search reached, where it could not place this operation.
  std::size_t unplaceable = 0;
  std::vector<std::size_t> longest_prefix;  // the linearization that got furthest
  std::string state_after_prefix;           // the model state after it
};

namespace detail {

// The Wing & Gong history list: one call entry per operation and one return entry per
// operation with a known completion, in time order (calls before returns at equal times, so
// operations that touch at an instant count as concurrent). Linearizing an operation lifts
// its entries out of the list; backtracking puts them back in the reverse order.
class EntryList {
 public:
  explicit EntryList(std::span<const Operation> ops);

  // Appends to `out` the operations whose call entry precedes the first return entry still
  // listed, and returns that return entry as {rank, operation}, or nullopt when none is left.
  std::optional<std::pair<std::size_t, std::size_t>> candidates(
      std::vector<std::size_t>& out) const;
  void lift(std::size_t op);
  void unlift(std::size_t op);  // precondition: op is the operation lifted most recently

 private:
  struct Entry {
    std::size_t op = 0;
    bool is_call = false;
    std::size_t prev = 0;
    std::size_t next = 0;
  };
  void unlink(std::size_t entry);
  void relink(std::size_t entry);

  std::vector<Entry> entries_;  // [0] is the head of a circular list; index = time rank
  std::vector<std::size_t> call_of_;
  std::vector<std::size_t> return_of_;  // 0 for an indeterminate operation
};

// A fixed-size set of small integers, hashed incrementally by the caller.
using Bits = std::vector<std::uint64_t>;
inline void set_bit(Bits& bits, std::size_t i) { bits[i / 64] |= std::uint64_t{1} << (i % 64); }
inline void clear_bit(Bits& bits, std::size_t i) {
  bits[i / 64] &= ~(std::uint64_t{1} << (i % 64));
}
bool is_subset(const Bits& a, const Bits& b);
std::uint64_t bit_hash(std::size_t i);  // a fixed pseudo-random 64-bit value per index

}  // namespace detail

// Searches for a linearization of `ops` (one object's operations) under `model`.
// Precondition: every op is one the model accepts and has complete_ns >= invoke_ns when set.
template <Model M>
SearchResult search(const M& model, std::span<const Operation> ops,
                    const SearchLimits& limits = {}) {
  using State = typename M::State;
  const std::size_t n = ops.size();
  SearchResult result;
  detail::EntryList list(ops);

  // Determinate and indeterminate operations get separate bit indices so that the cache can
  // compare the two parts differently.
  std::vector<std::size_t> slot(n);
  std::size_t determinate_count = 0;
  std::size_t indeterminate_count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    slot[i] = ops[i].complete_ns ? determinate_count++ : indeterminate_count++;
  }
  detail::Bits determinate((determinate_count + 63) / 64);
  detail::Bits indeterminate((indeterminate_count + 63) / 64);
  std::uint64_t determinate_hash = 0;
  std::size_t determinate_left = determinate_count;

  struct CacheKey {
    detail::Bits determinate;
    State state;
    std::size_t hash;
    bool operator==(const CacheKey& other) const {
      return hash == other.hash && determinate == other.determinate && state == other.state;
    }
  };
  struct CacheHash {
    std::size_t operator()(const CacheKey& key) const { return key.hash; }
  };
  // Failed configurations: for each (determinate set, state), the indeterminate sets tried.
  std::unordered_map<CacheKey, std::vector<detail::Bits>, CacheHash> failed;
  auto key_hash = [&](const State& state) {
    return static_cast<std::size_t>(determinate_hash ^ (M::hash(state) * 0x9e3779b97f4a7c15ULL));
  };
  auto is_known_failure = [&](const State& state) {
    auto it = failed.find(CacheKey{determinate, state, key_hash(state)});
    if (it == failed.end()) return false;
    for (const detail::Bits& tried : it->second) {
      if (detail::is_subset(tried, indeterminate)) return true;
    }
    return false;
  };
  auto mark = [&](std::size_t op, bool on) {
    const bool is_determinate = ops[op].complete_ns.has_value();
    detail::Bits& bits = is_determinate ? determinate : indeterminate;
    if (on) {
      detail::set_bit(bits, slot[op]);
    } else {
      detail::clear_bit(bits, slot[op]);
    }
    if (is_determinate) {
      determinate_hash ^= detail::bit_hash(slot[op]);
      if (on) {
        --determinate_left;
      } else {
        ++determinate_left;
      }
    }
  };

  struct Frame {
    State state;
    std::vector<std::size_t> candidates;
    std::size_t next = 0;
    std::optional<std::size_t> entered_by;
  };
  std::vector<Frame> frames;
  std::optional<std::size_t> furthest_rank;

  // For indeterminate operations: how many operations not yet placed may need each one, and
  // which of them are interchangeable (same class).
  std::vector<std::size_t> need_count(n, 0);
  std::vector<std::vector<std::size_t>> needs(n);  // determinate op -> indeterminate ops
  std::vector<std::size_t> interchangeable_class(n, 0);
  {
    std::vector<std::size_t> representatives;
    for (std::size_t x = 0; x < n; ++x) {
      if (ops[x].complete_ns) continue;
      auto same = std::find_if(representatives.begin(), representatives.end(), [&](std::size_t r) {
        return ops[r].kind == ops[x].kind && ops[r].input == ops[x].input;
      });
      interchangeable_class[x] = same == representatives.end() ? x : *same;
      if (same == representatives.end()) representatives.push_back(x);
      for (std::size_t d = 0; d < n; ++d) {
        if (ops[d].complete_ns && M::may_need(ops[d], ops[x])) {
          needs[d].push_back(x);
          ++need_count[x];
        }
      }
    }
  }
  auto place = [&](std::size_t op, bool placed) {
    for (std::size_t x : needs[op]) {
      if (placed) {
        --need_count[x];
      } else {
        ++need_count[x];
      }
    }
  };
  std::vector<std::size_t> classes_seen;
  auto is_worth_trying = [&](std::size_t op) {
    if (ops[op].complete_ns) return true;
    if (need_count[op] == 0) return false;
    const std::size_t c = interchangeable_class[op];
    if (std::find(classes_seen.begin(), classes_seen.end(), c) != classes_seen.end()) return false;
    classes_seen.push_back(c);
    return true;
  };

  // Enters a configuration; false when the budget is spent.
  auto enter = [&](State state, std::optional<std::size_t> entered_by) {
    if (++result.configurations > limits.configurations_max) return false;
    Frame frame{std::move(state), {}, 0, entered_by};
    const auto first_return = list.candidates(frame.candidates);
    CHAOS_ASSERT(first_return.has_value(), "a determinate operation is left, so is its return");
    classes_seen.clear();
    std::erase_if(frame.candidates, [&](std::size_t op) { return !is_worth_trying(op); });
    if (!furthest_rank || first_return->first > *furthest_rank) {
      furthest_rank = first_return->first;
      result.unplaceable = first_return->second;
      result.longest_prefix.clear();
      for (const Frame& f : frames) {
        if (f.entered_by) result.longest_prefix.push_back(*f.entered_by);
      }
      if (entered_by) result.longest_prefix.push_back(*entered_by);
      result.state_after_prefix = M::describe(frame.state);
    }
    std::optional<std::size_t> forced;
    for (std::size_t op : frame.candidates) {
      if (M::is_read_only(ops[op]) && model.step(frame.state, ops[op])) {
        forced = op;
        break;
      }
    }
    if (forced) {
      frame.candidates.assign(1, *forced);
    } else {
      std::stable_partition(frame.candidates.begin(), frame.candidates.end(),
                            [&](std::size_t op) { return ops[op].complete_ns.has_value(); });
    }
    frames.push_back(std::move(frame));
    return true;
  };

  if (determinate_left == 0) {
    result.verdict = Verdict::linearizable;
    return result;
  }
  if (!enter(model.initial_state(), std::nullopt)) return result;
  while (!frames.empty()) {
    Frame& frame = frames.back();
    if (frame.next == frame.candidates.size()) {
      failed[CacheKey{determinate, frame.state, key_hash(frame.state)}].push_back(indeterminate);
      if (frame.entered_by) {
        list.unlift(*frame.entered_by);
        mark(*frame.entered_by, false);
        place(*frame.entered_by, false);
      }
      frames.pop_back();
      continue;
    }
    const std::size_t op = frame.candidates[frame.next++];
    std::optional<State> next = model.step(frame.state, ops[op]);
    if (!next) continue;
    if (!ops[op].complete_ns && *next == frame.state) continue;  // optional and changes nothing
    mark(op, true);
    if (is_known_failure(*next)) {
      mark(op, false);
      continue;
    }
    list.lift(op);
    place(op, true);
    if (determinate_left == 0) {
      result.verdict = Verdict::linearizable;
      return result;
    }
    if (!enter(std::move(*next), op)) return result;  // budget spent: unknown
  }

  result.verdict = Verdict::not_linearizable;
  return result;
}

struct CheckOptions {
  SearchLimits search;  // for every search: whole keys, projections and shrinking steps
  // Configurations that shrinking one failing key may spend in total; when spent, the
  // smallest failing sub-history found so far is reported.
  std::size_t shrink_configurations_max = 2'000'000;
};

// One key whose sub-history is not linearizable.
struct KeyFailure {
  std::string key;
  std::size_t key_operations = 0;  // operations on this key in the whole history
  // A sub-history of the key that is itself not linearizable, in invocation order. It is
  // shrunk only in ways that cannot create a violation (projecting a set onto one element,
  // deleting read-only operations and writes that nothing left observes), so its failure
  // proves the key's.
  std::vector<Operation> witness;
  // Set when the witness is a set's projection onto this one element (SetModel::project):
  // its read_sets show only whether the element was a member.
  std::optional<std::string> projected_element;
  bool is_shrink_complete = false;  // false when the shrink budget ran out first
  std::size_t unplaceable_id = 0;   // Operation::id of the operation that could not be placed
  std::vector<std::size_t> longest_prefix_ids;  // Operation::ids of the longest linearization
  std::string state_after_prefix;
};

struct CheckReport {
  Verdict verdict = Verdict::linearizable;  // not_linearizable if any key fails, else unknown
                                            // if any key was undecided
  std::size_t keys = 0;
  std::size_t operations = 0;  // operations checked (indeterminate reads are dropped first)
  std::vector<KeyFailure> failures;
  std::vector<std::string> unknown_keys;  // keys whose search ran out of budget
};

// Checks each key's sub-history with the register or set model, by the kind of its
// operations, and shrinks each failing one. Precondition: validate(history) succeeded.
CheckReport check_history(const History& history, const CheckOptions& options = {});

// "linearizable (N operations on K keys)", or per failing key a timeline of its witness:
// each operation's interval as a bar, its result, the operation that could not be placed,
// and the longest linearization found with the state it leaves.
std::string format_report(const CheckReport& report);

}  // namespace auction::test

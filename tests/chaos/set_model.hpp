// The sequential specification of one auction's set of buyers, for the linearizability
// checker (linearizability.hpp).
//
// State: the set of usernames that joined and have not quit. join_auction adds (joining twice
// succeeds and changes nothing); quit_auction removes, and fails with not_joined when the
// element is absent, so a not_joined observed the element absent at its linearization point
// and a successful quit observed it present. A read_set (one auction's part of a
// fetch_auctions) observes the exact set. Any other definite failure (unknown_auction,
// wrong_stage, ...) is a no-op that observed nothing of this set. An indeterminate add or
// remove, if it is linearized at all, did what it asked.
//
// Threading: stateless and immutable; safe from any thread. Never: depend on anything but
// the state and the operation (the checker assumes step is a pure function).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "history.hpp"

namespace auction::test {

class SetModel {
 public:
  using State = std::vector<std::string>;  // sorted, no duplicates

  State initial_state() const { return {}; }

  // The state after `op` when it is linearized in `state`, or nullopt when its result is
  // impossible there. Precondition: op.kind is add, remove or read_set.
  std::optional<State> step(const State& state, const Operation& op) const;

  // True when `op` leaves every state unchanged (read_set, and calls that failed
  // definitely, not_joined included).
  static bool is_read_only(const Operation& op);

  // True when `op` observed what `writer` does to its element (see Model in
  // linearizability.hpp): present after an add (a read_set containing it, a successful
  // remove), absent after a remove (a read_set without it, a not_joined).
  static bool may_need(const Operation& op, const Operation& writer);

  // Every element that an operation in `ops` adds, removes or reads, sorted.
  static std::vector<std::string> elements(std::span<const Operation> ops);

  // The projection of a set's history onto one element: its adds and removes, and every
  // read_set with its members cut down to that element. A set is the product of its
  // elements' memberships, so a linearization of the whole projects to a linearization of
  // each projection: a projection that is not linearizable proves that the whole is not.
  static std::vector<Operation> project(std::span<const Operation> ops, const std::string& element);

  static std::size_t hash(const State& state);
  static std::string describe(const State& state);
};

}  // namespace auction::test

// The sequential specification of one user's address register, for the linearizability
// checker (linearizability.hpp).
//
// State: the address, or absent before the first login. login is a write; get_user_address
// a read that returns the address or fails with unknown_user (it observed "absent"). Any
// other definite failure is a no-op that observed nothing. An indeterminate write, if it is
// linearized at all, wrote its value.
//
// Threading: stateless and immutable; safe from any thread. Never: depend on anything but
// the state and the operation (the checker assumes step is a pure function).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "history.hpp"

namespace auction::test {

class RegisterModel {
 public:
  using State = std::optional<std::string>;  // nullopt: never written

  State initial_state() const { return std::nullopt; }

  // The state after `op` when it is linearized in `state`, or nullopt when its result is
  // impossible there. Precondition: op.kind is write or read.
  std::optional<State> step(const State& state, const Operation& op) const;

  // True when `op` leaves every state unchanged (reads, and calls that failed definitely).
  static bool is_read_only(const Operation& op);

  // True when `op` read the value that the write `writer` wrote (see Model in
  // linearizability.hpp).
  static bool may_need(const Operation& op, const Operation& writer);

  static std::size_t hash(const State& state);
  static std::string describe(const State& state);
};

}  // namespace auction::test

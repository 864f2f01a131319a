// Errors as values: the one error type every layer returns at its boundaries.
//
// An Error carries a stable snake_case code (it reads the same in C++ and in JSON, e.g.
// "not_leader", "wrong_stage") and a message for a person. Codes are part of the protocol,
// listed in docs/protocol.md and named once in error_codes.hpp; never rename one. Pure
// layers (raft core, platform state machine, auction rules) return these instead of throwing.
#pragma once

#include <expected>
#include <string>
#include <utility>

#include "auction/base/error_codes.hpp"

namespace auction {

struct Error {
  std::string code;     // stable snake_case, listed in docs/protocol.md
  std::string message;  // for a person; may change between versions

  friend bool operator==(const Error&, const Error&) = default;
};

template <class T>
using Result = std::expected<T, Error>;

// `return fail(code::unknown_user, "no user named bob");` from a function returning Result<T>.
inline std::unexpected<Error> fail(std::string code, std::string message) {
  return std::unexpected<Error>(Error{std::move(code), std::move(message)});
}

}  // namespace auction

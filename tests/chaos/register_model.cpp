// The register's sequential specification (see register_model.hpp).
#include "register_model.hpp"

#include <functional>

#include <nlohmann/json.hpp>

#include "invariant.hpp"

namespace auction::test {

std::optional<RegisterModel::State> RegisterModel::step(const State& state,
                                                        const Operation& op) const {
  CHAOS_ASSERT(is_register_kind(op.kind), "a register sees only writes and reads");
  if (op.kind == OpKind::write) {
    if (op.outcome == Outcome::failed) return state;
    return State(op.input);
  }
  switch (op.outcome) {
    case Outcome::ok:
      if (state == op.output) return state;
      return std::nullopt;
    case Outcome::failed:
      if (op.error != "unknown_user" || !state) return state;
      return std::nullopt;
    case Outcome::indeterminate: return state;
  }
  CHAOS_ASSERT(false, "unknown Outcome");
  return std::nullopt;
}

bool RegisterModel::is_read_only(const Operation& op) {
  return op.kind == OpKind::read || op.outcome == Outcome::failed;
}

bool RegisterModel::may_need(const Operation& op, const Operation& writer) {
  return writer.kind == OpKind::write && op.kind == OpKind::read && op.outcome == Outcome::ok &&
         op.output == writer.input;
}

std::size_t RegisterModel::hash(const State& state) {
  return state ? std::hash<std::string>{}(*state) : 0x9e3779b97f4a7c15ULL;
}

std::string RegisterModel::describe(const State& state) {
  return state ? nlohmann::json(*state).dump() : std::string("absent");
}

}  // namespace auction::test

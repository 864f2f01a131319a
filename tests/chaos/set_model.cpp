// The set's sequential specification (see set_model.hpp).
#include "set_model.hpp"

#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

#include "invariant.hpp"

namespace auction::test {

std::optional<SetModel::State> SetModel::step(const State& state, const Operation& op) const {
  CHAOS_ASSERT(!is_register_kind(op.kind), "a set sees only add, remove and read_set");
  if (op.kind == OpKind::read_set) {
    if (op.outcome != Outcome::ok || state == op.members) return state;
    return std::nullopt;
  }
  const auto at = std::lower_bound(state.begin(), state.end(), op.input);
  const bool is_member = at != state.end() && *at == op.input;
  if (op.outcome == Outcome::failed) {
    const bool observed_absent = op.kind == OpKind::remove && op.error == "not_joined";
    if (observed_absent && is_member) return std::nullopt;
    return state;
  }
  if (op.kind == OpKind::add) {
    if (is_member) return state;
    State next = state;
    next.insert(next.begin() + (at - state.begin()), op.input);
    return next;
  }
  // remove: a successful quit observed the element present; an indeterminate one removed it
  // if it was there, whichever answer it would have given.
  if (!is_member) {
    if (op.outcome == Outcome::ok) return std::nullopt;
    return state;
  }
  State next = state;
  next.erase(next.begin() + (at - state.begin()));
  return next;
}

bool SetModel::is_read_only(const Operation& op) {
  return op.kind == OpKind::read_set || op.outcome == Outcome::failed;
}

bool SetModel::may_need(const Operation& op, const Operation& writer) {
  const std::string& element = writer.input;
  if (op.kind == OpKind::read_set) {
    if (op.outcome != Outcome::ok) return false;
    const bool has = std::binary_search(op.members.begin(), op.members.end(), element);
    return writer.kind == OpKind::add ? has : writer.kind == OpKind::remove && !has;
  }
  if (op.kind != OpKind::remove || op.input != element) return false;
  if (writer.kind == OpKind::add) return op.outcome == Outcome::ok;
  return writer.kind == OpKind::remove && op.outcome == Outcome::failed && op.error == "not_joined";
}

std::vector<std::string> SetModel::elements(std::span<const Operation> ops) {
  std::vector<std::string> all;
  for (const Operation& op : ops) {
    if (!op.input.empty()) all.push_back(op.input);
    all.insert(all.end(), op.members.begin(), op.members.end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

std::vector<Operation> SetModel::project(std::span<const Operation> ops,
                                         const std::string& element) {
  std::vector<Operation> projection;
  for (const Operation& op : ops) {
    if (op.kind == OpKind::read_set) {
      Operation read = op;
      const bool has = std::binary_search(op.members.begin(), op.members.end(), element);
      read.members.clear();
      if (has) read.members.push_back(element);
      projection.push_back(std::move(read));
    } else if (op.input == element) {
      projection.push_back(op);
    }
  }
  return projection;
}

std::size_t SetModel::hash(const State& state) {
  std::size_t h = state.size();
  for (const std::string& element : state) {
    h ^= std::hash<std::string>{}(element) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}

std::string SetModel::describe(const State& state) {
  std::string text = "{";
  for (std::size_t i = 0; i < state.size(); ++i) {
    text += (i == 0 ? "" : ", ") + nlohmann::json(state[i]).dump();
  }
  return text + "}";
}

}  // namespace auction::test

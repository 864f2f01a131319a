// End-of-test checks of a final read against the acknowledged writes (see
// final_state_check.hpp).
#include "final_state_check.hpp"

#include <algorithm>
#include <set>

namespace auction::test {

namespace {

bool certainly_precedes(const Operation& a, const Operation& b) {
  return a.complete_ns && *a.complete_ns < b.invoke_ns;
}

bool may_take_effect(const Operation& op) { return op.outcome != Outcome::failed; }

std::vector<const Operation*> select(const History& history, std::string_view key, OpKind kind) {
  std::vector<const Operation*> ops;
  for (const Operation& op : history.operations) {
    if (op.key == key && op.kind == kind) ops.push_back(&op);
  }
  return ops;
}

std::string name(const Operation& op) {
  return "#" + std::to_string(op.id) + " (" + to_text(op) + ")";
}

}  // namespace

std::vector<std::string> find_lost_register_writes(const History& history, std::string_view key,
                                                   const std::optional<std::string>& final_value) {
  const std::vector<const Operation*> writes = select(history, key, OpKind::write);
  std::vector<std::string> problems;
  if (!final_value) {
    for (const Operation* w : writes) {
      if (w->outcome == Outcome::ok) {
        problems.push_back("acknowledged write " + name(*w) +
                           " is lost: the final read found no value");
      }
    }
    return problems;
  }
  // The final value is explained by a write of it that no acknowledged write certainly follows.
  const Operation* latest_overwrite = nullptr;
  bool has_source = false;
  for (const Operation* w : writes) {
    if (!may_take_effect(*w) || w->input != *final_value) continue;
    has_source = true;
    const Operation* overwrite = nullptr;
    for (const Operation* later : writes) {
      if (later->outcome == Outcome::ok && later->input != *final_value &&
          certainly_precedes(*w, *later)) {
        overwrite = later;
        break;
      }
    }
    if (!overwrite) return {};
    if (!latest_overwrite || overwrite->invoke_ns > latest_overwrite->invoke_ns) {
      latest_overwrite = overwrite;
    }
  }
  if (!has_source) {
    problems.push_back("the final value \"" + *final_value + "\" of " + std::string(key) +
                       " was never written");
  } else {
    problems.push_back("acknowledged write " + name(*latest_overwrite) +
                       " is lost: it began after a write of the final value had completed");
  }
  return problems;
}

std::vector<std::string> find_lost_set_writes(const History& history, std::string_view key,
                                              const std::vector<std::string>& final_members) {
  const std::vector<const Operation*> adds = select(history, key, OpKind::add);
  const std::vector<const Operation*> removes = select(history, key, OpKind::remove);
  std::vector<std::string> problems;
  std::set<std::string> elements(final_members.begin(), final_members.end());
  for (const Operation* a : adds) elements.insert(a->input);

  for (const std::string& element : elements) {
    const bool is_member = std::binary_search(final_members.begin(), final_members.end(), element);
    if (is_member) {
      // Some add of it must not be certainly followed by an acknowledged remove.
      bool explained = false;
      for (const Operation* a : adds) {
        if (a->input != element || !may_take_effect(*a)) continue;
        explained = std::none_of(removes.begin(), removes.end(), [&](const Operation* r) {
          return r->input == element && r->outcome == Outcome::ok && certainly_precedes(*a, *r);
        });
        if (explained) break;
      }
      if (!explained) {
        problems.push_back("\"" + element + "\" is in the final read of " + std::string(key) +
                           " but every add of it was certainly undone by an acknowledged remove "
                           "(or it was never added)");
      }
      continue;
    }
    // Every acknowledged add of it must be undoable by a remove that may follow it.
    for (const Operation* a : adds) {
      if (a->input != element || a->outcome != Outcome::ok) continue;
      const bool undoable = std::any_of(removes.begin(), removes.end(), [&](const Operation* r) {
        return r->input == element && may_take_effect(*r) && !certainly_precedes(*r, *a);
      });
      if (!undoable) {
        problems.push_back("acknowledged add " + name(*a) +
                           " is lost: no remove can have followed it, yet the final read lacks it");
      }
    }
  }
  return problems;
}

}  // namespace auction::test

// History types: text and JSON forms, and the well-formedness check (see history.hpp).
#include "history.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "invariant.hpp"

namespace auction::test {

namespace {

constexpr std::string_view format_name = "ppapd-history";
constexpr int format_version = 1;

constexpr OpKind all_kinds[] = {OpKind::write, OpKind::read, OpKind::add, OpKind::remove,
                                OpKind::read_set};
constexpr Outcome all_outcomes[] = {Outcome::ok, Outcome::failed, Outcome::indeterminate};

std::unexpected<Error> bad_history(std::string message) {
  return fail("bad_history", std::move(message));
}

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

std::string describe_result(const Operation& op) {
  switch (op.outcome) {
    case Outcome::failed: return "failed " + op.error;
    case Outcome::indeterminate: return "indeterminate";
    case Outcome::ok: break;
  }
  if (op.kind == OpKind::read) return "ok " + quoted(op.output);
  if (op.kind == OpKind::read_set) {
    std::string text = "ok {";
    for (std::size_t i = 0; i < op.members.size(); ++i) {
      text += (i == 0 ? "" : ", ") + quoted(op.members[i]);
    }
    return text + "}";
  }
  return "ok";
}

bool has_input(OpKind kind) {
  return kind == OpKind::write || kind == OpKind::add || kind == OpKind::remove;
}

Result<void> validate_operation(const Operation& op, std::size_t index) {
  const std::string where = "operation #" + std::to_string(index) + ": ";
  if (op.id != index) return bad_history(where + "id is " + std::to_string(op.id));
  if (op.key.empty()) return bad_history(where + "empty key");
  if (has_input(op.kind) == op.input.empty()) {
    return bad_history(where + "input must be set exactly for write, add and remove");
  }
  if (op.complete_ns.has_value() == (op.outcome == Outcome::indeterminate)) {
    return bad_history(where + "complete_ns must be set exactly when the outcome is known");
  }
  if (op.complete_ns && *op.complete_ns < op.invoke_ns) {
    return bad_history(where + "completes before it is invoked");
  }
  if (op.outcome == Outcome::failed && op.error.empty()) {
    return bad_history(where + "a failed call needs an error code");
  }
  if (op.outcome != Outcome::failed && !op.error.empty()) {
    return bad_history(where + "only a failed call has an error code");
  }
  const bool reads_value = op.kind == OpKind::read && op.outcome == Outcome::ok;
  if (!reads_value && !op.output.empty()) {
    return bad_history(where + "only a successful read has an output");
  }
  const bool reads_set = op.kind == OpKind::read_set && op.outcome == Outcome::ok;
  if (!reads_set && !op.members.empty()) {
    return bad_history(where + "only a successful read_set has members");
  }
  if (std::adjacent_find(op.members.begin(), op.members.end(), [](const auto& a, const auto& b) {
        return !(a < b);
      }) != op.members.end()) {
    return bad_history(where + "members must be sorted and distinct");
  }
  return {};
}

template <class Enum, std::size_t N>
Result<Enum> parse_enum(const std::string& text, const Enum (&values)[N], const char* what) {
  for (Enum value : values) {
    if (to_string(value) == text) return value;
  }
  return bad_history(std::string("unknown ") + what + " \"" + text + "\"");
}

}  // namespace

bool is_register_kind(OpKind kind) { return kind == OpKind::write || kind == OpKind::read; }

std::string_view to_string(OpKind kind) {
  switch (kind) {
    case OpKind::write: return "write";
    case OpKind::read: return "read";
    case OpKind::add: return "add";
    case OpKind::remove: return "remove";
    case OpKind::read_set: return "read_set";
  }
  CHAOS_ASSERT(false, "unknown OpKind");
  return {};
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::failed: return "failed";
    case Outcome::indeterminate: return "indeterminate";
  }
  CHAOS_ASSERT(false, "unknown Outcome");
  return {};
}

std::size_t History::append(Operation op) {
  op.id = operations.size();
  operations.push_back(std::move(op));
  return operations.back().id;
}

void append_multi_read(History& history, std::int64_t process, std::int64_t invoke_ns,
                       std::int64_t complete_ns,
                       const std::map<std::string, std::vector<std::string>>& sets_by_key) {
  CHAOS_ASSERT(complete_ns >= invoke_ns, "a read completes after it is invoked");
  for (const auto& [key, members] : sets_by_key) {
    Operation op;
    op.process = process;
    op.kind = OpKind::read_set;
    op.key = key;
    op.outcome = Outcome::ok;
    op.members = members;
    std::sort(op.members.begin(), op.members.end());
    op.members.erase(std::unique(op.members.begin(), op.members.end()), op.members.end());
    op.invoke_ns = invoke_ns;
    op.complete_ns = complete_ns;
    history.append(std::move(op));
  }
}

Result<void> validate(const History& history) {
  std::unordered_map<std::string, bool> key_is_register;
  for (std::size_t i = 0; i < history.operations.size(); ++i) {
    const Operation& op = history.operations[i];
    if (auto valid = validate_operation(op, i); !valid) return valid;
    auto [it, inserted] = key_is_register.emplace(op.key, is_register_kind(op.kind));
    if (!inserted && it->second != is_register_kind(op.kind)) {
      return bad_history("key " + op.key + " is used both as a register and as a set");
    }
  }
  // A client is sequential: among its calls with a known outcome, none overlaps another.
  // Calls on one process share invocation and completion only for a multi-object read.
  std::unordered_map<std::int64_t, std::vector<const Operation*>> by_process;
  for (const Operation& op : history.operations) {
    if (op.outcome != Outcome::indeterminate) by_process[op.process].push_back(&op);
  }
  for (auto& [process, ops] : by_process) {
    std::sort(ops.begin(), ops.end(), [](const Operation* a, const Operation* b) {
      return std::pair(a->invoke_ns, *a->complete_ns) < std::pair(b->invoke_ns, *b->complete_ns);
    });
    for (std::size_t i = 1; i < ops.size(); ++i) {
      const Operation& a = *ops[i - 1];
      const Operation& b = *ops[i];
      const bool same_call = a.invoke_ns == b.invoke_ns && a.complete_ns == b.complete_ns;
      if (!same_call && b.invoke_ns < *a.complete_ns) {
        return bad_history("process " + std::to_string(process) + " has #" + std::to_string(a.id) +
                           " and #" + std::to_string(b.id) + " in flight at once");
      }
    }
  }
  return {};
}

std::string to_text(const Operation& op) {
  std::string text = "#" + std::to_string(op.id) + " p" + std::to_string(op.process) + " " +
                     std::string(to_string(op.kind)) + " " + op.key;
  if (!op.input.empty()) text += " " + quoted(op.input);
  text += " -> " + describe_result(op) + " [" + std::to_string(op.invoke_ns) + ", ";
  text += op.complete_ns ? std::to_string(*op.complete_ns) + "]" : std::string("inf)");
  return text;
}

std::string to_text(const History& history) {
  std::string text;
  for (const Operation& op : history.operations) text += to_text(op) + "\n";
  return text;
}

std::string to_json(const History& history) {
  nlohmann::json operations = nlohmann::json::array();
  for (const Operation& op : history.operations) {
    nlohmann::json j = {{"id", op.id},
                        {"process", op.process},
                        {"kind", to_string(op.kind)},
                        {"key", op.key},
                        {"outcome", to_string(op.outcome)},
                        {"invoke_ns", op.invoke_ns}};
    if (!op.input.empty()) j["input"] = op.input;
    if (op.kind == OpKind::read && op.outcome == Outcome::ok) j["output"] = op.output;
    if (op.kind == OpKind::read_set && op.outcome == Outcome::ok) j["members"] = op.members;
    if (!op.error.empty()) j["error"] = op.error;
    j["complete_ns"] = op.complete_ns ? nlohmann::json(*op.complete_ns) : nlohmann::json();
    operations.push_back(std::move(j));
  }
  nlohmann::json document = {
      {"format", format_name}, {"version", format_version}, {"operations", operations}};
  return document.dump(1) + "\n";
}

Result<History> from_json(std::string_view text) {
  // The JSON library reports malformed input by exception; this is the edge where it
  // becomes a value.
  History history;
  try {
    const nlohmann::json document = nlohmann::json::parse(text);
    if (document.value("format", "") != format_name ||
        document.value("version", 0) != format_version) {
      return bad_history("not a ppapd-history version 1 document");
    }
    for (const nlohmann::json& j : document.at("operations")) {
      Operation op;
      op.id = j.at("id").get<std::size_t>();
      op.process = j.at("process").get<std::int64_t>();
      auto kind = parse_enum(j.at("kind").get<std::string>(), all_kinds, "kind");
      if (!kind) return std::unexpected(kind.error());
      op.kind = *kind;
      op.key = j.at("key").get<std::string>();
      op.input = j.value("input", "");
      auto outcome = parse_enum(j.at("outcome").get<std::string>(), all_outcomes, "outcome");
      if (!outcome) return std::unexpected(outcome.error());
      op.outcome = *outcome;
      op.output = j.value("output", "");
      op.members = j.value("members", std::vector<std::string>{});
      op.error = j.value("error", "");
      op.invoke_ns = j.at("invoke_ns").get<std::int64_t>();
      if (!j.at("complete_ns").is_null()) op.complete_ns = j["complete_ns"].get<std::int64_t>();
      history.operations.push_back(std::move(op));
    }
  } catch (const nlohmann::json::exception& e) {
    return bad_history(std::string("malformed history JSON: ") + e.what());
  }
  if (auto valid = validate(history); !valid) return std::unexpected(valid.error());
  return history;
}

Result<void> save_history(const History& history, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << to_json(history);
  out.close();
  if (!out) return fail("io_error", "cannot write history to " + path);
  return {};
}

Result<History> load_history(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("io_error", "cannot open history " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return from_json(text.str());
}

}  // namespace auction::test

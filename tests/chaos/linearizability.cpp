// The linearizability checker: the history list, per-key checking, shrinking and the report
// (see linearizability.hpp; the search itself is the template there).
#include "linearizability.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "register_model.hpp"
#include "set_model.hpp"

namespace auction::test {

namespace detail {

EntryList::EntryList(std::span<const Operation> ops)
    : call_of_(ops.size(), 0), return_of_(ops.size(), 0) {
  struct Event {
    std::int64_t time_ns;
    bool is_return;
    std::size_t op;
  };
  std::vector<Event> events;
  events.reserve(2 * ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    events.push_back({ops[i].invoke_ns, false, i});
    if (ops[i].complete_ns) events.push_back({*ops[i].complete_ns, true, i});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.time_ns, a.is_return, a.op) < std::tie(b.time_ns, b.is_return, b.op);
  });
  entries_.resize(events.size() + 1);
  for (std::size_t k = 0; k < events.size(); ++k) {
    const std::size_t e = k + 1;
    entries_[e] = Entry{events[k].op, !events[k].is_return, e - 1, e + 1};
    (events[k].is_return ? return_of_ : call_of_)[events[k].op] = e;
  }
  entries_[0].next = events.empty() ? 0 : 1;
  entries_[0].prev = events.size();
  entries_.back().next = 0;
}

std::optional<std::pair<std::size_t, std::size_t>> EntryList::candidates(
    std::vector<std::size_t>& out) const {
  out.clear();
  for (std::size_t e = entries_[0].next; e != 0; e = entries_[e].next) {
    if (!entries_[e].is_call) return std::pair(e, entries_[e].op);
    out.push_back(entries_[e].op);
  }
  return std::nullopt;
}

void EntryList::unlink(std::size_t entry) {
  entries_[entries_[entry].prev].next = entries_[entry].next;
  entries_[entries_[entry].next].prev = entries_[entry].prev;
}

void EntryList::relink(std::size_t entry) {
  entries_[entries_[entry].prev].next = entry;
  entries_[entries_[entry].next].prev = entry;
}

void EntryList::lift(std::size_t op) {
  unlink(call_of_[op]);
  if (return_of_[op] != 0) unlink(return_of_[op]);
}

void EntryList::unlift(std::size_t op) {
  if (return_of_[op] != 0) relink(return_of_[op]);
  relink(call_of_[op]);
}

bool is_subset(const Bits& a, const Bits& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] & ~b[i]) != 0) return false;
  }
  return true;
}

std::uint64_t bit_hash(std::size_t i) {
  // splitmix64: well spread, so XOR-ing one value per member hashes a set.
  std::uint64_t z = static_cast<std::uint64_t>(i) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace detail

namespace {

bool is_read_only(const Operation& op) {
  return is_register_kind(op.kind) ? RegisterModel::is_read_only(op) : SetModel::is_read_only(op);
}

// The smallest failing sub-history found so far for one key, with the diagnosis of its
// last search. Only deletions that cannot manufacture a violation are tried, those where a
// linearization of the history with the operation gives one without it: a read-only
// operation, and a mutating one that no operation left in the witness may need
// (Model::may_need: dropping it changes the state only where nothing looks). So each
// deletion keeps "the witness fails" a proof that the key fails. Deleting any other write
// could leave a read of its value unexplained: a violation that was never there.
class Shrinker {
 public:
  Shrinker(std::vector<Operation> ops, const SearchResult& failed) {
    adopt(std::move(ops), failed);
  }

  // Deletes operations ddmin-style (halving chunks of deletable operations) until no single
  // one can go; false when the configuration budget ran out first.
  template <Model M>
  bool shrink(const M& model, const CheckOptions& options) {
    std::size_t budget = options.shrink_configurations_max;
    for (;;) {
      std::vector<std::size_t> ids = deletable_ids(model);
      bool has_progress = false;
      for (std::size_t chunk = std::max<std::size_t>(1, ids.size() / 2);; chunk /= 2) {
        std::size_t i = 0;
        while (i < ids.size()) {
          if (budget == 0) return false;
          const std::size_t end = std::min(ids.size(), i + chunk);
          std::vector<Operation> candidate =
              without_ids({ids.begin() + static_cast<std::ptrdiff_t>(i),
                           ids.begin() + static_cast<std::ptrdiff_t>(end)});
          if (candidate.size() == witness_.size()) {  // already gone with an earlier deletion
            i += chunk;
            continue;
          }
          const SearchLimits limits{std::min(options.search.configurations_max, budget)};
          const SearchResult result = search(model, std::span<const Operation>(candidate), limits);
          budget -= std::min(budget, result.configurations);
          if (result.verdict == Verdict::not_linearizable) {
            adopt(std::move(candidate), result);
            ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(i),
                      ids.begin() + static_cast<std::ptrdiff_t>(end));
            has_progress = true;
          } else {
            i += chunk;
          }
        }
        if (chunk == 1) break;
      }
      // Deleting reads may have left writes that nothing needs any more.
      if (!has_progress) return true;
    }
  }

  void fill(KeyFailure& failure) const {
    failure.witness = witness_;
    std::sort(failure.witness.begin(), failure.witness.end(),
              [](const Operation& a, const Operation& b) {
                return std::tie(a.invoke_ns, a.id) < std::tie(b.invoke_ns, b.id);
              });
    failure.unplaceable_id = unplaceable_id_;
    failure.longest_prefix_ids = longest_prefix_ids_;
    failure.state_after_prefix = state_after_prefix_;
  }

 private:
  void adopt(std::vector<Operation> ops, const SearchResult& failed) {
    CHAOS_ASSERT(failed.verdict == Verdict::not_linearizable, "only a failing history is kept");
    unplaceable_id_ = ops[failed.unplaceable].id;
    longest_prefix_ids_.clear();
    for (std::size_t i : failed.longest_prefix) longest_prefix_ids_.push_back(ops[i].id);
    state_after_prefix_ = failed.state_after_prefix;
    witness_ = std::move(ops);
  }

  template <Model M>
  std::vector<std::size_t> deletable_ids(const M&) const {
    std::vector<std::size_t> ids;
    for (const Operation& op : witness_) {
      const bool is_needed =
          !M::is_read_only(op) &&
          std::any_of(witness_.begin(), witness_.end(), [&](const Operation& other) {
            return other.id != op.id && M::may_need(other, op);
          });
      if (!is_needed) ids.push_back(op.id);
    }
    return ids;
  }

  std::vector<Operation> without_ids(const std::vector<std::size_t>& ids_sorted) const {
    std::vector<Operation> kept;
    for (const Operation& op : witness_) {
      if (!std::binary_search(ids_sorted.begin(), ids_sorted.end(), op.id)) kept.push_back(op);
    }
    return kept;
  }

  std::vector<Operation> witness_;
  std::size_t unplaceable_id_ = 0;
  std::vector<std::size_t> longest_prefix_ids_;
  std::string state_after_prefix_;
};

template <Model M>
void check_key(const M& model, const std::string& key, const std::vector<Operation>& ops,
               const CheckOptions& options, CheckReport& report) {
  KeyFailure failure;
  failure.key = key;
  failure.key_operations = ops.size();
  std::optional<std::pair<std::vector<Operation>, SearchResult>> start;
  if constexpr (requires { M::project(std::span<const Operation>(ops), std::string()); }) {
    // Projections first: each has a one-bit state space, so it is decided quickly even when
    // many timed-out calls make the whole search expensive, and a failing one is as sound a
    // witness as the whole and far smaller.
    for (const std::string& element : M::elements(std::span<const Operation>(ops))) {
      std::vector<Operation> projection = M::project(std::span<const Operation>(ops), element);
      SearchResult projected =
          search(model, std::span<const Operation>(projection), options.search);
      if (projected.verdict == Verdict::not_linearizable) {
        start.emplace(std::move(projection), std::move(projected));
        failure.projected_element = element;
        break;
      }
    }
  }
  if (!start) {
    SearchResult result = search(model, std::span<const Operation>(ops), options.search);
    if (result.verdict == Verdict::linearizable) return;
    if (result.verdict == Verdict::unknown) {
      report.unknown_keys.push_back(key);
      return;
    }
    start.emplace(ops, std::move(result));
  }
  Shrinker shrinker(std::move(start->first), start->second);
  failure.is_shrink_complete = shrinker.shrink(model, options);
  shrinker.fill(failure);
  report.failures.push_back(std::move(failure));
}

// One line per operation: a bar over its interval, on a time axis shared by the lines, where
// each distinct instant is a column (so short and long calls stay readable together).
std::string format_timeline(const KeyFailure& failure) {
  std::vector<std::int64_t> instants;
  for (const Operation& op : failure.witness) {
    instants.push_back(op.invoke_ns);
    if (op.complete_ns) instants.push_back(*op.complete_ns);
  }
  std::sort(instants.begin(), instants.end());
  instants.erase(std::unique(instants.begin(), instants.end()), instants.end());
  const std::size_t width = std::min<std::size_t>(72, 3 * (instants.size() + 1));
  auto column = [&](std::int64_t t) {
    const auto at = std::lower_bound(instants.begin(), instants.end(), t) - instants.begin();
    return static_cast<std::size_t>(at) * width / (instants.size() + 1);
  };
  std::string text;
  for (const Operation& op : failure.witness) {
    std::string bar(width + 1, ' ');
    const std::size_t from = column(op.invoke_ns);
    const std::size_t to = op.complete_ns ? column(*op.complete_ns) : width;
    for (std::size_t c = from; c <= to; ++c) bar[c] = '-';
    bar[from] = '|';
    bar[to] = op.complete_ns ? '|' : '>';
    text += "  " + bar + "  " + to_text(op);
    if (op.id == failure.unplaceable_id) text += "   <-- could not be placed";
    text += "\n";
  }
  return text;
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::linearizable: return "linearizable";
    case Verdict::not_linearizable: return "not linearizable";
    case Verdict::unknown: return "unknown";
  }
  CHAOS_ASSERT(false, "unknown Verdict");
  return {};
}

CheckReport check_history(const History& history, const CheckOptions& options) {
  std::map<std::string, std::vector<Operation>> by_key;
  for (const Operation& op : history.operations) {
    // A read with no result constrains nothing and changes nothing.
    if (op.outcome == Outcome::indeterminate && is_read_only(op)) continue;
    by_key[op.key].push_back(op);
  }
  CheckReport report;
  report.keys = by_key.size();
  for (const auto& [key, ops] : by_key) {
    report.operations += ops.size();
    if (is_register_kind(ops.front().kind)) {
      check_key(RegisterModel{}, key, ops, options, report);
    } else {
      check_key(SetModel{}, key, ops, options, report);
    }
  }
  if (!report.failures.empty()) {
    report.verdict = Verdict::not_linearizable;
  } else if (!report.unknown_keys.empty()) {
    report.verdict = Verdict::unknown;
  }
  return report;
}

std::string format_report(const CheckReport& report) {
  std::string text = std::string(to_string(report.verdict)) + ": " +
                     std::to_string(report.operations) + " operations on " +
                     std::to_string(report.keys) + " keys\n";
  for (const std::string& key : report.unknown_keys) {
    text += "key " + key + ": undecided, the search ran out of its configuration budget\n";
  }
  for (const KeyFailure& failure : report.failures) {
    text += "\nkey " + failure.key + ": not linearizable. Smallest failing sub-history found: " +
            std::to_string(failure.witness.size()) + " of " +
            std::to_string(failure.key_operations) + " operations" +
            (failure.is_shrink_complete ? "" : " (shrinking stopped at its budget)") + "\n";
    if (failure.projected_element) {
      text += "  projected onto the element " + nlohmann::json(*failure.projected_element).dump() +
              ": each read_set shows only whether it was a member\n";
    }
    text += format_timeline(failure);
    text += "  longest linearization found:";
    if (failure.longest_prefix_ids.empty()) text += " (none)";
    for (std::size_t id : failure.longest_prefix_ids) text += " #" + std::to_string(id);
    text += "\n  state after it: " + failure.state_after_prefix + "\n";
    text += "  #" + std::to_string(failure.unplaceable_id) +
            " could not be placed: every order the search tried got stuck at its "
            "completion\n";
  }
  return text;
}

}  // namespace auction::test

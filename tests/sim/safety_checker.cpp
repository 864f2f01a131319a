// SafetyChecker (see safety_checker.hpp).
#include "safety_checker.hpp"

#include <cstdint>
#include <functional>
#include <string_view>

#include "sim_random.hpp"

namespace auction::test {

using raft::Core;
using raft::Entry;
using raft::LogIndex;
using raft::Role;

std::uint64_t chain_hash(std::uint64_t previous, const Entry& e) {
  std::uint64_t h = hash_combine(previous, e.term.value);
  h = hash_combine(h, static_cast<std::uint64_t>(e.type));
  return hash_combine(h, std::hash<std::string_view>{}(e.data));
}

SafetyChecker::SafetyChecker(std::size_t nodes) : nodes_(nodes) {}

void SafetyChecker::fail(std::string what) {
  if (failure_.empty()) failure_ = "tick " + std::to_string(now_) + ": " + std::move(what);
}

std::string SafetyChecker::at(std::uint64_t node) const {
  return " (node " + std::to_string(node) + ")";
}

void SafetyChecker::on_role_change(std::uint64_t node, const raft::RoleChanged& change) {
  if (change.role != Role::leader) return;
  auto [it, inserted] = leader_of_term_.emplace(change.term.value, node);
  if (!inserted && it->second != node) {
    fail("election safety: nodes " + std::to_string(it->second) + " and " + std::to_string(node) +
         " both led term " + std::to_string(change.term.value));
  }
}

void SafetyChecker::on_send(const raft::Message& m) {
  if (m.type != raft::MessageType::vote_response || m.reject) return;
  const std::uint64_t key = (m.from.value << 48) | m.term.value;
  auto [it, inserted] = vote_of_.emplace(key, m.to.value);
  if (!inserted && it->second != m.to.value) {
    fail("vote safety: node " + std::to_string(m.from.value) + " voted for both " +
         std::to_string(it->second) + " and " + std::to_string(m.to.value) + " in term " +
         std::to_string(m.term.value));
  }
}

void SafetyChecker::on_restart(std::uint64_t node, const raft::LogStorage& recovered) {
  NodeState& s = nodes_[node - 1];
  s.chain.rebuild = true;
  s.term = 0;
  // Terms never decrease along a log, so the entries above the hard state's term are a
  // suffix: walk back from the end.
  const std::uint64_t hard_term = recovered.hard_state().term.value;
  std::uint64_t first = recovered.last_index().value + 1;
  while (first > 1) {
    auto t = recovered.term(LogIndex{first - 1});
    if (!t || t->value <= hard_term) break;
    --first;
  }
  s.recovered_above_first = first;
  s.recovered_above_terms.clear();
  for (std::uint64_t i = first; i <= recovered.last_index().value; ++i) {
    s.recovered_above_terms.push_back(recovered.term(LogIndex{i}).value().value);
  }
  s.applied_index = 0;
  s.leader_term = 0;
  s.leader_checked = 0;
}

void SafetyChecker::on_apply(std::uint64_t node, LogIndex index, std::string_view command,
                             std::uint64_t count, std::uint64_t hash) {
  NodeState& s = nodes_[node - 1];
  if (index.value <= s.applied_index) {
    fail("state machine safety: applied index " + std::to_string(index.value) + " after " +
         std::to_string(s.applied_index) + at(node));
    return;
  }
  s.applied_index = index.value;
  if (count == history_.size() + 1) {
    history_.push_back(Applied{index.value, hash, std::string(command)});
    ordinal_of_index_.emplace(index.value, count);
    return;
  }
  if (count == 0 || count > history_.size()) {
    fail("state machine safety: command count jumped to " + std::to_string(count) + at(node));
    return;
  }
  const Applied& first = history_[count - 1];
  if (first.index != index.value || first.hash != hash) {
    fail("state machine safety: command #" + std::to_string(count) + " is '" +
         std::string(command) + "' at index " + std::to_string(index.value) + at(node) +
         " but was '" + first.command + "' at index " + std::to_string(first.index) + " elsewhere");
  }
}

void SafetyChecker::on_restore(std::uint64_t node, LogIndex index, std::uint64_t count,
                               std::uint64_t hash) {
  NodeState& s = nodes_[node - 1];
  if (count > history_.size()) {
    fail("state machine safety: restored " + std::to_string(count) + " commands, beyond the " +
         std::to_string(history_.size()) + " ever applied" + at(node));
    return;
  }
  if (count > 0 && (history_[count - 1].index != index.value || history_[count - 1].hash != hash)) {
    fail("state machine safety: restored a state of " + std::to_string(count) +
         " commands that is not the history's" + at(node));
    return;
  }
  if (count == 0 && hash != 0) fail("state machine safety: restored an empty state with a hash" + at(node));
  s.applied_index = index.value;
}

void SafetyChecker::note_entry(std::uint64_t node, std::uint64_t index, std::uint64_t term,
                               std::uint64_t hash) {
  if (seen_.size() <= index) seen_.resize(index + 1);
  for (const auto& [t, h] : seen_[index]) {
    if (t != term) continue;
    if (h != hash) {
      fail("log matching: index " + std::to_string(index) + " term " + std::to_string(term) +
           " ends two different prefixes" + at(node));
    }
    return;
  }
  seen_[index].emplace_back(term, hash);
}

bool SafetyChecker::check_log(std::uint64_t node, const Core& core, bool full, bool may_defer) {
  NodeState& s = nodes_[node - 1];
  if (core.term().value < s.term) {
    fail("term went back from " + std::to_string(s.term) + " to " +
         std::to_string(core.term().value) + " without a restart" + at(node));
  }
  s.term = core.term().value;

  // Bring the chain up to date: keep the longest prefix whose terms still match (a
  // node's log changes only at its tail), hash the rest.
  Chain& c = s.chain;
  const raft::RaftLog& log = core.log();
  const std::uint64_t last = log.last_index().value;
  // Entries before `before_log` were discarded (a snapshot holds them): they are committed.
  const std::uint64_t before_log = log.first_index().value - 1;
  std::uint64_t keep = (full || c.rebuild) ? 0 : std::min<std::uint64_t>(c.terms.size() - 1, last);
  while (keep > before_log) {
    auto t = log.term(LogIndex{keep});
    if (t && t->value == c.terms[keep]) break;
    --keep;
  }
  c.rebuild = false;
  // The chain's entry where the log now starts must be the one the log says it follows;
  // otherwise (a snapshot replaced a log that went another way) take the committed prefix.
  const bool chain_differs_at_start =
      keep == before_log && keep > 0 && log.term(LogIndex{keep}) != Result<raft::Term>(raft::Term{c.terms[keep]});
  if (keep < before_log || chain_differs_at_start) {
    if (before_log >= committed_.size()) {
      // A snapshot can travel from its leader to a follower within one tick, before the
      // leader's own check reports the commit: the caller checks this node again last.
      if (may_defer) {
        c.rebuild = true;
        return false;
      }
      fail("log entries up to " + std::to_string(before_log) +
           " were discarded before anyone reported them committed" + at(node));
      return true;
    }
    c.terms.resize(1);
    c.hashes.resize(1);
    for (std::uint64_t i = 1; i <= before_log; ++i) {
      c.terms.push_back(committed_[i].term);
      c.hashes.push_back(committed_[i].hash);
    }
    keep = before_log;
  }
  c.terms.resize(keep + 1);
  c.hashes.resize(keep + 1);
  if (keep < last) {
    const std::vector<Entry> fresh = log.entries(LogIndex{keep + 1}, LogIndex{last + 1}, SIZE_MAX);
    for (const Entry& e : fresh) {
      const std::uint64_t i = c.terms.size();
      if (e.index.value != i) {
        fail("log entry " + std::to_string(i) + " carries index " + std::to_string(e.index.value) +
             at(node));
        return true;
      }
      if (e.term.value < c.terms.back()) {
        fail("log terms out of order at index " + std::to_string(i) + at(node));
        return true;
      }
      if (e.term.value > s.term) {
        const bool recovered = i >= s.recovered_above_first &&
                               i - s.recovered_above_first < s.recovered_above_terms.size() &&
                               s.recovered_above_terms[i - s.recovered_above_first] == e.term.value;
        if (!recovered) {
          fail("log entry " + std::to_string(i) + " has term " + std::to_string(e.term.value) +
               ", above the node's term " + std::to_string(s.term) + at(node));
          return true;
        }
      }
      c.terms.push_back(e.term.value);
      c.hashes.push_back(chain_hash(c.hashes.back(), e));
      note_entry(node, i, e.term.value, c.hashes.back());
    }
    if (c.terms.size() != last + 1) {
      fail("log returned " + std::to_string(fresh.size()) + " entries for [" +
           std::to_string(keep + 1) + ", " + std::to_string(last) + "]" + at(node));
      return true;
    }
  }

  const std::uint64_t commit = core.commit().value;
  if (commit > last || core.applied().value > commit) {
    fail("commit " + std::to_string(commit) + " / applied " + std::to_string(core.applied().value) +
         " beyond the log end " + std::to_string(last) + at(node));
    return true;
  }
  const std::uint64_t known = committed_.size() - 1;
  const std::uint64_t common = std::min(commit, known);
  if (c.hashes[common] != committed_[common].hash) {
    fail("commit agreement: the committed prefix up to " + std::to_string(common) +
         " differs from what other nodes committed" + at(node));
    return true;
  }
  for (std::uint64_t i = known + 1; i <= commit; ++i) {
    committed_.push_back(CommittedEntry{c.terms[i], c.hashes[i], s.term});
  }
  if (commit > known && !acked_beyond_commit_.empty()) {
    std::erase_if(acked_beyond_commit_, [&](const AckedWrite& write) {
      if (write.index >= committed_.size()) return false;
      check_acked_term(write);
      return true;
    });
  }
  return true;
}

void SafetyChecker::check_leader(std::uint64_t node, const Core& core) {
  NodeState& s = nodes_[node - 1];
  const std::uint64_t term = core.term().value;
  if (s.leader_term != term) {
    s.leader_term = term;
    s.leader_checked = 0;
  }
  // The highest newly committed index that was committed in an earlier term: the
  // leader's log must hold the whole committed prefix up to it (log matching then
  // covers everything below).
  std::uint64_t must_hold = 0;
  for (std::uint64_t i = s.leader_checked + 1; i < committed_.size(); ++i) {
    if (committed_[i].commit_term < term) must_hold = i;
  }
  s.leader_checked = committed_.size() - 1;
  if (must_hold == 0) return;
  const Chain& c = s.chain;
  if (must_hold >= c.hashes.size() || c.hashes[must_hold] != committed_[must_hold].hash) {
    fail("leader completeness: the leader of term " + std::to_string(term) +
         " lacks the committed entry at index " + std::to_string(must_hold) + " (term " +
         std::to_string(committed_[must_hold].term) + ")" + at(node));
  }
}

void SafetyChecker::on_write_acked(std::uint64_t node, LogIndex index, raft::Term term,
                                   std::string_view command) {
  ++acked_writes_;
  auto it = ordinal_of_index_.find(index.value);
  if (it == ordinal_of_index_.end() || history_[it->second - 1].command != command) {
    fail("a write acknowledged at index " + std::to_string(index.value) + " ('" +
         std::string(command) + "') is not what was applied there" + at(node));
    return;
  }
  acked_floor_ = std::max(acked_floor_, it->second);
  const AckedWrite write{node, index.value, term.value};
  if (index.value < committed_.size()) {
    check_acked_term(write);
  } else {
    acked_beyond_commit_.push_back(write);
  }
}

void SafetyChecker::check_acked_term(const AckedWrite& write) {
  if (committed_[write.index].term != write.term) {
    fail("a write acknowledged at index " + std::to_string(write.index) + " in term " +
         std::to_string(write.term) + " was committed there in term " +
         std::to_string(committed_[write.index].term) + at(write.node));
  }
}

void SafetyChecker::on_read_answered(std::uint64_t node, std::uint64_t required,
                                     std::uint64_t count) {
  ++reads_answered_;
  if (count < required) {
    fail("linearizable reads: a read answered from " + std::to_string(count) + " commands, but " +
         std::to_string(required) + " were acknowledged or read before it began" + at(node));
    return;
  }
  reads_floor_ = std::max(reads_floor_, count);
}

}  // namespace auction::test

// SafetyChecker: watches a simulated Raft cluster and records the first broken property.
//
// Part of the deterministic Raft simulator (tests/sim). The simulator feeds it every role
// change, every vote a node grants, every command a state machine applies, every client
// acknowledgement and read, and after each tick the log and commit index of every running
// node. It checks the safety properties of the Raft paper (Figure 3) plus what clients
// are promised:
//   election safety      at most one leader per term (from the drivers' role events);
//   vote safety          a node grants at most one candidate its vote per term, even
//                        across crashes (the vote is durable before the answer leaves);
//   log matching         two logs holding an entry with the same index and term hold
//                        identical prefixes up to it (hash chains over every log);
//   commit agreement     every node's committed prefix is a prefix of one global history;
//   leader completeness  an entry committed while the cluster was in term t is in the log
//                        of every leader of a term > t;
//   state machine safety every node's state machine applies the same commands in the same
//                        order at the same indexes (the k-th command of every node is the
//                        k-th command of the global history);
//   durability           an acknowledged write is in the global history, so it is never
//                        lost: a node that later disagrees trips the checks above;
//   linearizable reads   a read returns a state that includes every write acknowledged and
//                        every state returned by a read before the read began.
// Threading: none. Never: changes the cluster; it only observes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auction/raft/core.hpp"
#include "auction/raft/driver.hpp"
#include "auction/raft/log_storage.hpp"
#include "auction/raft/message.hpp"

namespace auction::test {

// The hash of a log prefix ending with `entry`, from the hash of the prefix before it
// (0 for an empty one): folds the entry's term, type and data.
std::uint64_t chain_hash(std::uint64_t previous, const raft::Entry& entry);

class SafetyChecker {
 public:
  explicit SafetyChecker(std::size_t nodes);

  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  // Records a violation; only the first one of a run is kept.
  void fail(std::string what);
  // The tick violations are reported at.
  void set_now(std::uint64_t tick) { now_ = tick; }

  // Election safety. Every role change a driver reports, in order.
  void on_role_change(std::uint64_t node, const raft::RoleChanged& change);
  // Vote safety. Every message a node sends (only granted votes matter).
  void on_send(const raft::Message& message);
  // A node came back from a crash on `recovered`: its machine starts empty and its log is
  // re-read. Entries never carry a term above their node's, with one exception taken from
  // here: a crash in the middle of a persist (entries are written before the hard state,
  // one sync for both) can keep a follower's new entries of term T and lose the hard
  // state that raised its term to T. The node then restarts in a lower term with entries
  // of term T. That is benign: nothing of the lost write was promised (no answer left before
  // its sync); the node never voted in T (such a vote is synced before it is sent, and
  // hard states only grow, so the recovered one would be of term T); and it cannot win any
  // term up to T, because T's leader was elected by a majority without it, every member of
  // which durably holds a term >= T and so refuses it. So exactly the entries it recovered
  // above its recovered term are accepted, at their index and term, until it restarts.
  void on_restart(std::uint64_t node, const raft::LogStorage& recovered);

  // State machine safety. `node`'s machine applied `command` at `index`; it has now
  // applied `count` commands and the hash of that sequence is `hash` (see SimMachine).
  void on_apply(std::uint64_t node, raft::LogIndex index, std::string_view command,
                std::uint64_t count, std::uint64_t hash);

  // State machine safety for a restore: `node`'s machine now holds the first `count`
  // commands of the global history, whose hash is `hash`, the last applied at `index`.
  void on_restore(std::uint64_t node, raft::LogIndex index, std::uint64_t count,
                  std::uint64_t hash);

  // Log matching and commit agreement for one running node, after a tick, and before the
  // node discards a prefix of its log (the entries it discards are then hashed first). A
  // prefix discarded before this node's chain reached it is committed: it is taken from
  // what nodes committed. With `full`
  // the node's whole log is hashed again instead of only what changed.
  // Returns false only with `may_defer`, when the node's log starts after a prefix nobody
  // reported committed yet (a snapshot can reach a follower within the tick its leader
  // committed it): check the node again after the others, without `may_defer`.
  bool check_log(std::uint64_t node, const raft::Core& core, bool full, bool may_defer = false);
  // Leader completeness for a node that leads; after check_log() of every node.
  void check_leader(std::uint64_t node, const raft::Core& core);

  // A client was told the command it proposed in `term` was committed at `index`: it must
  // be the command applied there, and the entry committed there must be of that term
  // (checked once some node reports that index committed).
  void on_write_acked(std::uint64_t node, raft::LogIndex index, raft::Term term,
                      std::string_view command);
  // How many commands a read that begins now must observe.
  std::uint64_t read_floor() const { return std::max(acked_floor_, reads_floor_); }
  // A read that began with `required` = read_floor() was answered from a state machine
  // that had applied `count` commands.
  void on_read_answered(std::uint64_t node, std::uint64_t required, std::uint64_t count);

  // Commands in the global history (the longest sequence any state machine applied).
  std::uint64_t commands_applied() const { return history_.size(); }
  // Highest committed index any node has reported.
  std::uint64_t committed_index() const { return committed_.size() - 1; }
  std::uint64_t acked_writes() const { return acked_writes_; }
  std::uint64_t reads_answered() const { return reads_answered_; }
  std::uint64_t leaders_elected() const { return leader_of_term_.size(); }

 private:
  // A node's log as last checked: terms_[i] and hashes_[i] for index i (slot 0 = empty).
  struct Chain {
    std::vector<std::uint64_t> terms{0};
    std::vector<std::uint64_t> hashes{0};
    bool rebuild = true;
  };
  struct CommittedEntry {
    std::uint64_t term = 0;
    std::uint64_t hash = 0;         // chain hash of the prefix ending here
    std::uint64_t commit_term = 0;  // term of the node that first reported it committed
  };
  struct AckedWrite {
    std::uint64_t node = 0;
    std::uint64_t index = 0;
    std::uint64_t term = 0;
  };
  struct Applied {
    std::uint64_t index = 0;
    std::uint64_t hash = 0;  // hash of the command sequence ending here
    std::string command;
  };
  struct NodeState {
    Chain chain;
    std::uint64_t term = 0;  // since the last restart; never goes back
    // The entries recovered at the last restart with a term above the recovered hard
    // state's: their terms, from index recovered_above_first on (see on_restart()).
    std::uint64_t recovered_above_first = 0;
    std::vector<std::uint64_t> recovered_above_terms;
    std::uint64_t applied_index = 0;   // state machine's last applied index
    std::uint64_t leader_term = 0;     // leader completeness checked for this leadership
    std::uint64_t leader_checked = 0;  // ... up to this committed index
  };

  void note_entry(std::uint64_t node, std::uint64_t index, std::uint64_t term, std::uint64_t hash);
  void check_acked_term(const AckedWrite& write);
  std::string at(std::uint64_t node) const;

  std::vector<NodeState> nodes_;  // [node - 1]
  std::unordered_map<std::uint64_t, std::uint64_t> leader_of_term_;
  std::unordered_map<std::uint64_t, std::uint64_t> vote_of_;  // node << 48 | term -> cand.
  // Per index, the (term, chain hash) pairs seen in any log.
  std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>> seen_;
  std::vector<CommittedEntry> committed_{CommittedEntry{}};
  std::vector<Applied> history_;
  std::unordered_map<std::uint64_t, std::uint64_t> ordinal_of_index_;  // 1-based
  std::vector<AckedWrite> acked_beyond_commit_;  // beyond committed_ when acknowledged
  std::uint64_t acked_floor_ = 0;
  std::uint64_t reads_floor_ = 0;
  std::uint64_t acked_writes_ = 0;
  std::uint64_t reads_answered_ = 0;
  std::uint64_t now_ = 0;
  std::string failure_;
};

}  // namespace auction::test

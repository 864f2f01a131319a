// Core: the Raft consensus algorithm as a pure, deterministic, single-threaded object.
//
// In the style of etcd's raft.go: inputs are tick(), step(message), propose(bytes) and
// read_index(context); outputs are messages to send now (take_messages()) and Ready
// batches of work (ready(), see ready.hpp for the contract), acknowledged by advance().
// The core never does I/O, never reads a clock (time is ticks) and draws randomness only
// from a generator seeded by Config::seed, so the same inputs always give the same
// outputs. It reads the stable log through LogStorage (never writes it) and keeps the
// entries not yet persisted itself.
//
// Implemented: leader election with randomized timeouts (§5.2), pre-vote and check-quorum
// with the leader lease (dissertation §9.6, §6.2), log replication with batching,
// pipelining and fast backtracking (§5.3, §10.2), commitment only by counting entries of
// the current term (§5.4.2, Figure 8) with a no-op at the start of each term, ReadIndex
// reads (§6.4), a bound on uncommitted proposal bytes, leadership transfer with TimeoutNow
// (dissertation §3.10), and snapshots (§7): a follower that needs entries the leader
// discarded receives the leader's snapshot in chunks, resumable after lost chunks, a dropped
// connection or a change of leader, with retries timed on progress (Config), and membership
// changes one server at a time (dissertation chapter 4, membership.hpp): learners that
// receive the log without voting, their promotion, and removal. A node uses the latest
// configuration in its log, committed or not; a leader proposes a change only once the last
// one committed and it committed an entry of its own term (§4.1); learners and nodes outside
// the configuration never campaign, and vote requests from non-voters go unanswered, so a
// removed node that keeps campaigning disturbs nobody; a leader is heard whatever the
// hearer's configuration says (it may be stale).
//
// Threading: none; the owner (raft::Driver) calls everything from one thread.
// Never: throws, blocks, trusts a peer's message beyond what decode() validated, or
// campaigns for a term past term_max.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/raft/config.hpp"
#include "auction/raft/detail/progress.hpp"
#include "auction/raft/detail/raft_log.hpp"
#include "auction/raft/log_storage.hpp"
#include "auction/raft/membership.hpp"
#include "auction/raft/message.hpp"
#include "auction/raft/ready.hpp"
#include "auction/raft/snapshot.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

enum class Role : std::uint8_t { follower, pre_candidate, candidate, leader };
std::string_view to_string(Role role);

// Where a proposal went: it is committed iff the entry at `index` ends up with `term`.
struct ProposalTicket {
  LogIndex index;
  Term term;

  friend bool operator==(const ProposalTicket&, const ProposalTicket&) = default;
};

class Core {
 public:
  // `storage` must outlive the core; its hard state and log are this node's state after a
  // restart (§5.2: term and vote survive). Aborts on an invalid config, or on a storage
  // whose term or last index is past term_max / log_index_max (types.hpp).
  Core(Config config, const LogStorage& storage);

  // One unit of logical time: followers count toward an election, leaders toward a
  // heartbeat and the check-quorum deadline.
  void tick();

  // A message from a peer (already decoded and validated). Messages not addressed to
  // this node, or from unknown nodes, are dropped.
  void step(const Message& message);

  // The runtime saw `peer` go away for certain: its connection was closed or reset by the
  // other side (its process died or stopped), not merely silent. A follower whose leader
  // this is stops trusting it at once: it forgets the leader (so it no longer rejects
  // (pre-)votes under the leader lease) and campaigns after a short random delay of
  // 1..max(1, election_timeout_ticks / 3) ticks instead of a whole election timeout, so a
  // crashed leader is replaced in tens of milliseconds. Only a hint: a wrong one costs at
  // most a rejected pre-vote (the other voters still hear the leader and keep their
  // lease), and safety never depends on it. Ignored in every other case.
  void report_unreachable(NodeId peer);

  // Leadership transfer (dissertation §3.10): this leader stops taking proposals, brings
  // `target` up to date, then sends it TimeoutNow, on which `target` campaigns at once, in
  // the next term, past the other voters' leader lease. `target` NodeId{0}: the follower
  // with the highest match index (the first in id order among equals). The transfer ends
  // when this node stops leading, or is given up after an election timeout (proposals are
  // taken again). A second call for the same target changes nothing; for another target,
  // it replaces the first.
  // Errors: "not_leader", "invalid_argument" (target is this node or not a voter; or no
  // other voter at all).
  Result<void> transfer_leadership(NodeId target);
  // The node a transfer in progress hands leadership to; NodeId{0} when none.
  NodeId transferee() const { return transferee_; }

  // Appends `data` as a new entry if this node leads and is not handing leadership over.
  // Errors: "not_leader" (message names the known leader, see leader(); or the node a
  // transfer hands leadership to),
  // "overloaded" (uncommitted bytes over Config::uncommitted_bytes_max),
  // "too_large" (data over Config::entry_bytes_max), "limit_exceeded" (the log holds
  // log_index_max entries, types.hpp).
  Result<ProposalTicket> propose(std::string data);
  // Appends a config entry that makes `change` (membership.hpp) if this node leads; the
  // new configuration is in effect here at once and on each node once it holds the entry.
  // Errors, each before anything was appended:
  //   not_leader          as for propose()
  //   change_in_progress  the last change is not committed yet, or this leader has not yet
  //                       committed an entry of its term (§4.1): try again shortly
  //   not_caught_up       promote: the learner is not yet taking entries in sequence, or is
  //                       more than one pipeline window (append_entries_max * inflight_max
  //                       entries) behind the log
  //   no_quorum           this leader does not hear from a majority of the voters the
  //                       change would leave (check-quorum's recent activity): the new
  //                       configuration could commit nothing, not even a change back
  //   invalid_argument    what apply_change() refuses, or removing this leader itself
  //                       (hand leadership over first)
  Result<ProposalTicket> propose_membership(const MembershipChange& change);

  // Starts a linearizable read identified by `context` (dissertation §6.4): once this
  // leader has confirmed its leadership with a heartbeat round, the read comes back in
  // Ready::reads together with the commit index it must wait for. Reads issued close
  // together share one heartbeat round. A read pending when this node stops leading comes
  // back from take_dropped_reads().
  // Errors: "not_leader", "overloaded" (Config::reads_pending_max reads waiting).
  Result<void> read_index(std::uint64_t context);

  // Messages that may be sent right away, in order (see ready.hpp). Never blocks on a
  // Ready being outstanding.
  std::vector<Message> take_messages();

  // Contexts of reads that will never complete here (leadership lost): answer not_leader.
  std::vector<std::uint64_t> take_dropped_reads();

  // Whether ready() would hand out any work. False while a Ready is outstanding.
  bool has_ready() const;
  // Precondition: no Ready is outstanding (each ready() is followed by its advance()).
  Ready ready();
  // The caller carried out `ready` completely (persisted, sent, applied).
  void advance(const Ready& ready);

  NodeId id() const { return config_.id; }
  Role role() const { return role_; }
  Term term() const { return term_; }
  NodeId leader() const { return leader_; }  // NodeId{0} when unknown
  LogIndex commit() const { return log_.committed(); }
  LogIndex applied() const { return log_.applied(); }
  const RaftLog& log() const { return log_; }
  // The configuration in effect here: the latest in the log (committed or not), else the
  // snapshot's, else the founding one (Config::peers, or none for Config::join).
  const Membership& membership() const { return membership_; }
  // The index of the config entry that made membership() (the snapshot's index, or 0 for
  // the founding configuration); it is committed once commit() reaches it.
  LogIndex membership_index() const { return membership_index_; }
  // Grows whenever membership() is recomputed (a config entry appended, overwritten or
  // restored from a snapshot): a caller that keeps a copy compares this before the copy.
  std::uint64_t membership_version() const { return membership_version_; }
  // Elections this core started (times it became a candidate; pre-votes aside), for
  // monitoring: counted here, since a role it held only within one step is never seen
  // from outside.
  std::uint64_t elections_started() const { return elections_started_; }
  // The configuration as of the entry at `index`. Precondition: `index` is at or past
  // the index of the storage's snapshot when the core started, or of the last one
  // installed (what a snapshot taken of the state machine needs).
  Membership membership_at(LogIndex index) const;
  HardState hard_state() const;
  std::size_t uncommitted_bytes() const { return uncommitted_bytes_; }
  // A follower's replication state while this node leads; nullptr otherwise.
  const Progress* progress(NodeId peer) const;
  // The lowest index of the snapshots this leader is sending (log_index_max when none):
  // the log after it must stay, or the follower needs another snapshot once it holds this
  // one (the driver compacts no further).
  LogIndex snapshot_transfer_floor() const;

 private:
  struct PendingRead {
    std::uint64_t context;
    LogIndex index;       // commit index recorded when its round was assigned
    std::uint64_t round;  // heartbeat round that must be acknowledged by a majority; 0: none yet
  };

  void become_follower(Term term, NodeId leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void reset(Term term);
  // `is_transfer`: on the leader's TimeoutNow; the vote requests ask voters to set the
  // lease aside (vote_context_transfer).
  void campaign(bool pre, bool is_transfer = false);
  void reset_randomized_timeout();
  bool is_quorum(std::size_t count) const;  // a majority of the voters
  // Whether this node takes `m` at all. A node waiting to join (no configuration) answers no
  // vote request; a member answers one from a voter of its configuration, and from anyone
  // else only when its own configuration may be the stale one (it is not in it, or the
  // candidate's log is strictly ahead of its own). Anything else is taken from anyone.
  bool accepts(const Message& m) const;
  // Config entries: remembers those among `entries` now in the log; forgets those the log
  // no longer holds (overwritten by a leader); recomputes membership().
  void note_config_entries(std::span<const Entry> entries);
  // Returns whether it dropped any.
  bool forget_overwritten_config_entries();
  // Config entries the log no longer holds (compacted into a snapshot) become the base.
  void fold_compacted_config_entries();
  void update_membership();
  // Leader: a Progress for every member of the configuration in effect, and none for others.
  void track_members();
  bool in_lease() const;

  void step_leader(const Message& m);
  void step_candidate(const Message& m);
  void step_follower(const Message& m);
  void handle_vote_request(const Message& m);
  void handle_append(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_append_response(const Message& m, Progress& pr);
  void handle_heartbeat_response(const Message& m, Progress& pr);
  void handle_snapshot_chunk(const Message& m);
  void handle_snapshot_response(const Message& m, Progress& pr);
  // Answers a snapshot chunk: the bytes held so far; `reject`: send again from there.
  void answer_chunk(const Message& chunk, std::uint64_t held, bool reject);
  // Tells the leader this follower holds its log up to `index` (an append_response that
  // leaves once what it says is durable).
  void answer_held(NodeId leader, LogIndex index);
  // A snapshot received whole (checksum verified) becomes this follower's state.
  void restore(std::shared_ptr<const Snapshot> snapshot, NodeId leader);

  void send(Message m);
  void send_after_persist(Message m);
  void broadcast_append();
  void broadcast_heartbeat();
  // Sends one AppendEntries to `to` if it is not paused; with `send_if_empty` even when
  // there is nothing new (to carry the commit index). Returns whether it sent.
  bool maybe_send_append(NodeId to, bool send_if_empty);
  // Sends the chunks of the snapshot transfer to `to` that its window allows.
  void send_snapshot_chunks(NodeId to, Progress& pr);
  bool maybe_commit();
  void append_entry(EntryType type, std::string data);

  void start_read_round();
  void on_read_round_acked();
  void drop_reads();

  void send_timeout_now(NodeId to);

  Config config_;
  RaftLog log_;
  std::uint64_t rng_state_;

  Term term_;
  NodeId vote_;    // NodeId{0}: none
  NodeId leader_;  // NodeId{0}: unknown
  Role role_ = Role::follower;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_timeout_ = 0;
  // Leader only: whether a whole election timeout passed since it took over, so that every
  // member that can answer has (Progress::quiet_ticks is meaningful).
  bool has_led_a_round_ = false;

  std::map<NodeId, Progress> progress_;  // leader only: every member, self included
  std::map<NodeId, bool> votes_;         // candidates: who answered, and how
  NodeId transferee_;                    // leader only: whom leadership is handed to

  // A follower's snapshot arriving in chunks. Kept across terms and leaders: a new leader
  // sending the same snapshot (same index, term, size and checksum: byte for byte the same,
  // as state machines are deterministic) resumes where the last one stopped.
  struct SnapshotReceipt {
    SnapshotMeta meta;
    std::uint64_t size = 0;
    std::uint32_t checksum = 0;
    std::string data;       // the bytes received so far, in order
    std::uint32_t crc = 0;  // CRC32C of `data`
  };
  std::optional<SnapshotReceipt> receiving_;
  // Membership (§4). The configuration before the log: the snapshot's, or the founding one
  // at index 0; then every config entry in the log after it, oldest first.
  struct ConfigEntry {
    LogIndex index;
    Term term;
    Membership membership;
  };
  Membership base_membership_;
  LogIndex base_membership_index_;
  std::vector<ConfigEntry> config_entries_;
  Membership membership_;  // the latest of the above
  LogIndex membership_index_;
  std::uint64_t membership_version_ = 0;
  std::uint64_t elections_started_ = 0;

  // Bytes of entry data proposed in this leadership not yet committed. Reset on every role
  // change; entries of an earlier term that commit later may overshoot what was counted,
  // so reductions saturate at zero (etcd's uncommittedSize).
  std::size_t uncommitted_bytes_ = 0;

  // ReadIndex (§6.4). Reads wait in `reads_` in arrival order; rounds are numbered per
  // leadership. A majority acknowledging round r (a leader counts itself) confirms every
  // read assigned a round <= r.
  std::deque<PendingRead> reads_;
  std::uint64_t read_round_ = 0;            // last round started
  std::vector<ReadState> reads_confirmed_;  // passed the check; waiting for apply
  std::vector<std::uint64_t> reads_dropped_;

  std::vector<Message> messages_;  // may leave now
  std::vector<Message> messages_after_persist_;
  HardState last_hard_state_;  // as handed out in the last Ready
  Term durable_term_;          // the term of the last hard state made durable (advance())
  bool ready_outstanding_ = false;
};

}  // namespace auction::raft

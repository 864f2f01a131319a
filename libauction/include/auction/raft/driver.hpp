// Driver: carries out the core's Ready batches in the required order, against a log
// storage, a transport and a state machine. The one place that order is written down.
//
// Both the Asio runtime (raft::Server) and the deterministic simulator drive a Raft node
// through this class, so the simulation exercises the production path. It owns a Core and
// adds what the core leaves to its caller: writing Ready batches to LogStorage, sending
// messages, applying committed entries to the StateMachine, and turning all of that into
// events a service can act on: a proposal completed (with the state machine's answer) or
// failed, a read became safe to answer or failed, the role/term/leader changed. It also
// takes snapshots (Config::snapshot_entries, snapshot_log_bytes): it asks the state machine
// for one, has it saved with the next persist, and once that is durable discards the log up
// to Config::snapshot_keep_entries before it; and it installs a snapshot the core received
// from a leader, then restores the state machine from it.
//
// Two modes:
//   synchronous  every input (tick, message, propose, read) runs the whole cycle before
//                returning: persist + sync, send, apply, advance. Tests and simulation.
//   split        the persist step is handed out as a PersistJob for another thread (the
//                runtime's disk thread) to write with write_job(); on_persisted() resumes.
//                While a job is out the driver keeps ticking, stepping and sending what
//                may leave at once (heartbeats, AppendEntries, pre-votes; see ready.hpp),
//                so a slow fsync delays commits but causes no election.
//                Storage access rule in this mode: while a job is out the driver thread
//                still reads the storage (term(), entries() and last_index() of what was
//                stable before the job; never hard_state()), so the storage must allow
//                those reads concurrently with the job's append()/set_hard_state()/sync(),
//                or the runtime must serialize them.
//
// Guarantees: every accepted proposal ends in exactly one event, completed or failed
// ("leadership_lost" when this node stopped leading before the entry was committed: the
// entry may still commit under the next leader); every accepted read likewise.
// The driver's table of pending proposals is the only record of what this node proposed and
// is still waiting for: the runtime keeps no table of its own (each proposal carries the
// runtime's waiter, handed back in its event), and the state machine gets what the proposer
// attached to a proposal when its entry is applied here (StateMachine::apply_proposed).
// Threading: single-threaded (the runtime's strand); only write_job() may run elsewhere.
// Never: blocks (except inside write_job() and synchronous mode's persist), throws.
#pragma once

#include <any>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/raft/config.hpp"
#include "auction/raft/core.hpp"
#include "auction/raft/log_storage.hpp"
#include "auction/raft/message.hpp"
#include "auction/raft/snapshot.hpp"
#include "auction/raft/state_machine.hpp"
#include "auction/raft/transport.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

// What is on its way to disk: written by Driver::write_job(), on any thread.
struct PersistJob {
  std::shared_ptr<const Snapshot> install;  // received from the leader (Ready::snapshot)
  std::optional<HardState> hard_state;
  std::vector<Entry> entries;
  std::shared_ptr<const Snapshot> save;  // taken of this node's state machine
};

// One proposal this node accepted as leader whose outcome is not known yet.
struct PendingProposal {
  Term term;  // the proposal is this node's only while the entry at its index has this term
  // Whoever waits for the outcome, as propose() was given it (raft::Server: its waiter);
  // handed back in the outcome's event and never dereferenced here. Null: nobody waits.
  void* waiter = nullptr;
  // What the proposer attached (propose()): given to StateMachine::apply_proposed() with the
  // entry. Empty: the entry is applied with StateMachine::apply() like anyone else's.
  std::any proposed;
};

struct ProposalCompleted {
  LogIndex index;
  Term term;
  std::string answer;      // StateMachine::apply()'s (or apply_proposed()'s) return value
  void* waiter = nullptr;  // the proposal's waiter (PendingProposal::waiter)
};

struct ProposalFailed {
  LogIndex index;
  Term term;
  Error error;             // "leadership_lost"; the message names the leader if known
  void* waiter = nullptr;  // the proposal's waiter (PendingProposal::waiter)
};

struct ReadFailed {
  std::uint64_t context = 0;
  Error error;  // "not_leader"
};

struct RoleChanged {
  Role role;
  Term term;
  NodeId leader;  // NodeId{0}: unknown
};

// Everything that happened since the last take_events(), in order within each list.
struct DriverEvents {
  std::vector<ProposalCompleted> completed;
  std::vector<ProposalFailed> failed;
  std::vector<std::uint64_t> reads_ready;  // answer these now: the state machine is current
  std::vector<ReadFailed> reads_failed;
  std::vector<RoleChanged> role_changes;
};

struct Status {
  NodeId id;
  Role role = Role::follower;
  Term term;
  NodeId leader;
  LogIndex commit;
  LogIndex applied;
  SnapshotMeta snapshot;              // the latest snapshot saved or installed here
  LogIndex first_index;               // the first entry still held (the log before it is discarded)
  std::uint64_t snapshots_saved = 0;  // taken of the state machine here, since start
  std::uint64_t snapshots_installed = 0;  // received from a leader, since start
};

// Before a Driver starts on `storage`: restores `machine` (empty) from storage's latest
// snapshot, if there is one. Errors: the storage's (the snapshot cannot be read) or the
// machine's ("bad_snapshot").
Result<void> restore_from_storage(const LogStorage& storage, StateMachine& machine);

class Driver {
 public:
  enum class Mode : std::uint8_t { synchronous, split };

  // References must outlive the driver. The core starts from `storage`'s hard state, log
  // and snapshot; `machine` must hold the state of storage's latest snapshot, or be empty
  // when there is none (restore_from_storage() does that): every committed entry after the
  // snapshot is applied again after a restart.
  Driver(Config config, LogStorage& storage, Transport& transport, StateMachine& machine,
         Mode mode = Mode::synchronous);

  void tick();
  void on_message(const Message& message);
  // The runtime saw `peer`'s connection closed by the other side (Core::report_unreachable).
  void report_unreachable(NodeId peer);

  // Errors, each before anything was appended: "not_leader" (message names the leader if
  // known), "overloaded" (too many uncommitted bytes or pending proposals), "too_large".
  // `waiter` (optional, not owned) comes back in the proposal's event; it must stay valid
  // until then, or until forget_waiter() or release_waiters() was called. `proposed`
  // (optional) is what the command was made from: the state machine receives it when the
  // entry is applied here (StateMachine::apply_proposed).
  Result<ProposalTicket> propose(std::string command, void* waiter = nullptr,
                                 std::any proposed = {});

  // Core::propose_membership: proposes a membership change, which completes like a proposal
  // (with an empty answer) once its config entry is committed and reached here. Errors as
  // Core::propose_membership.
  Result<ProposalTicket> propose_membership(const MembershipChange& change, void* waiter = nullptr);
  // The waiter of the proposal `ticket` stopped waiting (its deadline passed): its event
  // will carry no waiter. The proposal itself stays pending (it may still commit).
  void forget_waiter(const ProposalTicket& ticket);
  // Forgets every pending proposal's waiter and returns them, for a runtime that stops and
  // answers them itself.
  std::vector<void*> release_waiters();
  // The proposals accepted here and not yet applied or failed, by log index.
  const std::map<LogIndex, PendingProposal>& pending_proposals() const { return proposals_; }

  // `context` is the caller's id for the read; it comes back in reads_ready or
  // reads_failed. Errors: "not_leader", "overloaded".
  Result<void> read_index(std::uint64_t context);

  // Core::transfer_leadership: hands leadership to `target` (NodeId{0}: the most
  // up-to-date follower). Its end shows as a RoleChanged event (this node no longer leads)
  // or, given up after an election timeout, as Core::transferee() back at NodeId{0}.
  // Errors: "not_leader", "invalid_argument".
  Result<void> transfer_leadership(NodeId target);

  // Split mode: the next batch to write, if one is waiting and none is out. The caller
  // runs write_job() (on any thread) and then on_persisted() with the same job here.
  std::optional<PersistJob> take_persist_job();
  void on_persisted(PersistJob job);
  // Installs the received snapshot, appends the entries, records the hard state, saves
  // the snapshot taken here, syncs. Touches only `storage`.
  static void write_job(LogStorage& storage, const PersistJob& job);

  // Snapshots in the background: with it on, the driver does not call
  // StateMachine::snapshot() itself when a snapshot is due; it hands out the request
  // (take_snapshot_request(): the index and term the state machine is at right now), and
  // the runtime must serialize the state machine as it is at that moment -- before anything
  // else is applied to it -- elsewhere (raft::Server does it in a forked child process, so
  // a large state costs no stall), then hand the bytes back with on_snapshot_taken(), or
  // report on_snapshot_failed(). One request at a time. Off by default.
  void set_snapshot_in_background(bool on);
  std::optional<SnapshotMeta> take_snapshot_request();
  void on_snapshot_taken(SnapshotMeta meta, std::string data);
  void on_snapshot_failed(SnapshotMeta meta);

  // Batching: with it on, tick(), on_message(), report_unreachable(), propose() and
  // read_index() only step the core, and the caller must call flush() after a group of
  // them (the runtime does so once per turn of its event loop). Then many messages and
  // proposals that arrive together share one Ready -- one disk write, one fsync, one
  // message per peer -- instead of one each. Off by default: every input runs the cycle.
  void set_batching(bool on);
  // Carries out whatever the inputs since the last flush made ready (see set_batching()).
  void flush();

  DriverEvents take_events();
  Status status() const;
  // Status::snapshots_saved without reading the storage.
  std::uint64_t snapshots_saved() const { return snapshots_saved_; }
  const Core& core() const { return core_; }

 private:
  void pump();
  void flush_messages();
  void finish(Ready& ready);
  void apply(const Entry& entry);
  void note_role();
  // Restores the state machine from a snapshot received from the leader.
  void restore(const Snapshot& snapshot);
  // Takes a snapshot if a trigger of Config says so; it goes out with the next persist.
  void maybe_take_snapshot();
  // The snapshot `saved` is durable: discard the log up to snapshot_keep_entries before it.
  void compact_after(const Snapshot& saved);

  Core core_;
  LogStorage& storage_;
  Transport& transport_;
  StateMachine& machine_;
  Mode mode_;
  std::size_t proposals_pending_max_;

  // Split mode: waiting for its persist. A snapshot to save may go out without a Ready of
  // the core's (from_core false: nothing to finish when it comes back).
  struct Outstanding {
    Ready ready;
    bool from_core = true;
    std::shared_ptr<const Snapshot> save;
  };
  std::optional<Outstanding> outstanding_;
  bool job_taken_ = false;
  bool is_batching_ = false;
  // Accepted here, not yet applied or failed: the one table of pending proposals.
  std::map<LogIndex, PendingProposal> proposals_;
  DriverEvents events_;
  RoleChanged last_role_;

  Config config_;
  LogIndex machine_applied_;      // the state machine's last applied (or restored) index
  LogIndex last_snapshot_index_;  // the latest snapshot taken or installed
  std::uint64_t applied_bytes_since_snapshot_ = 0;
  std::shared_ptr<const Snapshot> snapshot_to_save_;  // taken, not yet in a persist job
  bool is_snapshot_in_background_ = false;
  std::optional<SnapshotMeta> snapshot_requested_;  // background: being serialized elsewhere
  bool snapshot_request_taken_ = false;
  std::uint64_t snapshots_saved_ = 0;
  std::uint64_t snapshots_installed_ = 0;
};

}  // namespace auction::raft

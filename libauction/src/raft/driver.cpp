// Driver: executes Ready batches (see driver.hpp and the contract in ready.hpp).
#include "auction/raft/driver.hpp"

#include <cstdio>
#include <utility>

#include "auction/base/assert.hpp"
#include "auction/base/log.hpp"

namespace auction::raft {

Driver::Driver(Config config, LogStorage& storage, Transport& transport, StateMachine& machine,
               Mode mode)
    : core_(config, storage),
      storage_(storage),
      transport_(transport),
      machine_(machine),
      mode_(mode),
      proposals_pending_max_(config.proposals_pending_max),
      last_role_{core_.role(), core_.term(), core_.leader()},
      config_(config),
      machine_applied_(storage.snapshot_meta().index),
      last_snapshot_index_(storage.snapshot_meta().index) {}

Result<void> restore_from_storage(const LogStorage& storage, StateMachine& machine) {
  if (storage.snapshot_meta().index.value == 0) return {};
  auto snapshot = storage.snapshot();
  if (!snapshot) return std::unexpected(snapshot.error());
  if (*snapshot == nullptr) return fail(code::storage_corrupt, "the storage lost its snapshot");
  return machine.restore((*snapshot)->data);
}

void Driver::tick() {
  core_.tick();
  if (!is_batching_) pump();
}

void Driver::on_message(const Message& message) {
  core_.step(message);
  if (!is_batching_) pump();
}

void Driver::report_unreachable(NodeId peer) {
  core_.report_unreachable(peer);
  if (!is_batching_) pump();
}

Result<ProposalTicket> Driver::propose(std::string command, void* waiter, std::any proposed) {
  if (core_.role() == Role::leader && proposals_.size() >= proposals_pending_max_) {
    return fail(code::overloaded, "too many proposals pending");
  }
  auto ticket = core_.propose(std::move(command));
  if (ticket) {
    // A leader's new entries go past its whole log, and the proposals of an earlier
    // leadership at those indexes failed when it ended (note_role()).
    const bool is_new =
        proposals_
            .emplace(ticket->index, PendingProposal{ticket->term, waiter, std::move(proposed)})
            .second;
    AUCTION_ASSERT(is_new, "the core handed out a log index that is still pending");
  }
  if (!is_batching_) pump();
  return ticket;
}

Result<ProposalTicket> Driver::propose_membership(const MembershipChange& change, void* waiter) {
  auto ticket = core_.propose_membership(change);
  if (ticket) {
    const bool is_new =
        proposals_.emplace(ticket->index, PendingProposal{ticket->term, waiter, {}}).second;
    AUCTION_ASSERT(is_new, "the core handed out a log index that is still pending");
  }
  if (!is_batching_) pump();
  return ticket;
}

void Driver::forget_waiter(const ProposalTicket& ticket) {
  const auto it = proposals_.find(ticket.index);
  if (it != proposals_.end() && it->second.term == ticket.term) it->second.waiter = nullptr;
}

std::vector<void*> Driver::release_waiters() {
  std::vector<void*> waiters;
  for (auto& [index, pending] : proposals_) {
    if (pending.waiter != nullptr) waiters.push_back(std::exchange(pending.waiter, nullptr));
  }
  return waiters;
}

Result<void> Driver::read_index(std::uint64_t context) {
  auto started = core_.read_index(context);
  if (!is_batching_) pump();
  return started;
}

Result<void> Driver::transfer_leadership(NodeId target) {
  auto started = core_.transfer_leadership(target);
  if (!is_batching_) pump();
  return started;
}

std::optional<PersistJob> Driver::take_persist_job() {
  if (!outstanding_ || job_taken_) return std::nullopt;
  job_taken_ = true;
  Ready& ready = outstanding_->ready;
  // The entries travel with the job and come back in on_persisted(): no copy.
  return PersistJob{ready.snapshot, ready.hard_state, std::move(ready.entries), outstanding_->save};
}

void Driver::on_persisted(PersistJob job) {
  AUCTION_ASSERT(outstanding_.has_value() && job_taken_, "on_persisted() without a job out");
  Outstanding done = std::move(*outstanding_);
  done.ready.entries = std::move(job.entries);
  outstanding_.reset();
  job_taken_ = false;
  if (done.from_core) finish(done.ready);
  if (done.save) compact_after(*done.save);
  pump();
}

void Driver::write_job(LogStorage& storage, const PersistJob& job) {
  // The received snapshot first: it replaces the log the entries then extend. Entries
  // before the hard state: its commit index may name them. One sync covers all.
  if (job.install) {
    storage.install_snapshot(job.install);
    // Its file is written now, by a sync (which GuardedStorage runs without its lock), not
    // by whatever writes the buffer out next (an append of many entries, under the lock).
    storage.sync();
  }
  storage.append(job.entries);
  if (job.hard_state) storage.set_hard_state(*job.hard_state);
  if (job.save) storage.save_snapshot(job.save);
  storage.sync();
}

void Driver::set_batching(bool on) { is_batching_ = on; }

void Driver::flush() { pump(); }

void Driver::pump() {
  for (;;) {
    flush_messages();
    note_role();
    if (outstanding_) return;
    const bool from_core = core_.has_ready();
    if (!from_core && snapshot_to_save_ == nullptr) return;
    Ready ready = from_core ? core_.ready() : Ready{};
    if (ready.snapshot) {
      // Restored before it is installed: a state machine that refuses the leader's bytes
      // stops this node before its data directory holds them (a restart then starts from
      // what it held before, instead of from a snapshot it can never load). A snapshot
      // received from the leader is newer than any taken here (it is past our commit index):
      // what was taken is of no use any more.
      restore(*ready.snapshot);
      snapshot_to_save_.reset();
    }
    std::shared_ptr<const Snapshot> save = std::exchange(snapshot_to_save_, nullptr);
    if (ready.needs_persist() || save) {
      if (mode_ == Mode::split) {
        outstanding_ = Outstanding{std::move(ready), from_core, std::move(save)};
        return;
      }
      write_job(storage_, PersistJob{ready.snapshot, ready.hard_state, ready.entries, save});
    }
    if (from_core) finish(ready);
    if (save) compact_after(*save);
  }
}

void Driver::flush_messages() {
  for (Message& m : core_.take_messages()) transport_.send(std::move(m));
  for (std::uint64_t context : core_.take_dropped_reads()) {
    events_.reads_failed.push_back(ReadFailed{
        context, Error{code::not_leader, "leadership lost before the read was confirmed"}});
  }
}

void Driver::finish(Ready& ready) {
  // The persist is durable: what the messages promise is now true.
  for (Message& m : ready.messages) transport_.send(std::move(m));
  for (const Entry& e : ready.committed_entries) apply(e);
  for (const ReadState& r : ready.reads) events_.reads_ready.push_back(r.context);
  core_.advance(ready);
  maybe_take_snapshot();
}

void Driver::restore(const Snapshot& snapshot) {
  const LogIndex index = snapshot.meta.index;
  // Proposals of an earlier leadership of ours that committed but were never applied here:
  // the snapshot covers them, so their answers will never be computed on this node.
  for (auto it = proposals_.begin(); it != proposals_.end() && it->first <= index;) {
    events_.failed.push_back(ProposalFailed{
        it->first, it->second.term,
        Error{code::leadership_lost,
              "this node caught up from a snapshot past the entry: it may have been applied"},
        it->second.waiter});
    it = proposals_.erase(it);
  }
  // The leader's bytes passed their checksum: a machine that refuses them runs other rules
  // than the leader's (another version) and cannot follow this cluster.
  if (auto restored = machine_.restore(snapshot.data); !restored) {
    log_line("raft", "fatal: the state machine refused the leader's snapshot of index " +
                         std::to_string(index.value) + ": " + restored.error().message);
    AUCTION_ASSERT(false, "the state machine refused the leader's snapshot");
  }
  machine_applied_ = index;
  last_snapshot_index_ = index;
  applied_bytes_since_snapshot_ = 0;
  ++snapshots_installed_;
}

void Driver::maybe_take_snapshot() {
  if (snapshot_to_save_ != nullptr || (outstanding_ && outstanding_->save != nullptr) ||
      snapshot_requested_) {
    return;
  }
  if (machine_applied_ <= last_snapshot_index_) return;
  const bool by_entries =
      config_.snapshot_entries > 0 &&
      machine_applied_.value - last_snapshot_index_.value >= config_.snapshot_entries;
  const bool by_bytes =
      config_.snapshot_log_bytes > 0 && applied_bytes_since_snapshot_ >= config_.snapshot_log_bytes;
  if (!by_entries && !by_bytes) return;
  // A snapshot received meanwhile and not installed yet has replaced the log: not now.
  const auto term = core_.log().term(machine_applied_);
  if (!term) return;
  const SnapshotMeta meta{machine_applied_, *term, core_.membership_at(machine_applied_)};
  last_snapshot_index_ = machine_applied_;
  applied_bytes_since_snapshot_ = 0;
  if (is_snapshot_in_background_) {
    // The runtime serializes the state as it is now, elsewhere (on_snapshot_taken()).
    snapshot_requested_ = meta;
    snapshot_request_taken_ = false;
    return;
  }
  snapshot_to_save_ = make_snapshot(meta, machine_.snapshot());
  ++snapshots_saved_;
}

void Driver::set_snapshot_in_background(bool on) { is_snapshot_in_background_ = on; }

std::optional<SnapshotMeta> Driver::take_snapshot_request() {
  if (!snapshot_requested_ || snapshot_request_taken_) return std::nullopt;
  snapshot_request_taken_ = true;
  return snapshot_requested_;
}

void Driver::on_snapshot_taken(SnapshotMeta meta, std::string data) {
  AUCTION_ASSERT(snapshot_requested_ == meta && snapshot_request_taken_,
                 "on_snapshot_taken() for a snapshot not requested");
  snapshot_requested_.reset();
  // A snapshot installed from the leader meanwhile replaced the log this one was of.
  if (storage_.snapshot_meta().index >= meta.index ||
      core_.log().term(meta.index) != Result<Term>(meta.term)) {
    return;
  }
  snapshot_to_save_ = make_snapshot(meta, std::move(data));
  ++snapshots_saved_;
  if (!is_batching_) pump();
}

void Driver::on_snapshot_failed(SnapshotMeta meta) {
  AUCTION_ASSERT(snapshot_requested_ == meta && snapshot_request_taken_,
                 "on_snapshot_failed() for a snapshot not requested");
  // The next one is due after another interval (last_snapshot_index_ stays at meta).
  snapshot_requested_.reset();
}

void Driver::compact_after(const Snapshot& saved) {
  const std::uint64_t index = saved.meta.index.value;
  if (index <= config_.snapshot_keep_entries) return;
  // Never past a snapshot this leader is still sending: the follower continues with the
  // entries after it.
  const LogIndex through{
      std::min(index - config_.snapshot_keep_entries, core_.snapshot_transfer_floor().value)};
  // A snapshot installed since replaced the log: nothing of it is left to discard.
  if (through < storage_.first_index() || storage_.snapshot_meta().index < through) return;
  storage_.compact(through);
}

void Driver::apply(const Entry& entry) {
  const auto it = proposals_.find(entry.index);
  // Proposals still tracked here were committed while this node led (the rest failed
  // when leadership was lost, see note_role()), and a committed entry keeps its term.
  AUCTION_ASSERT(it == proposals_.end() || it->second.term == entry.term,
                 "a committed proposal changed term");
  machine_applied_ = entry.index;
  applied_bytes_since_snapshot_ += entry.data.size();
  std::string answer;
  if (entry.type == EntryType::normal) {
    answer = it != proposals_.end() && it->second.proposed.has_value()
                 ? machine_.apply_proposed(entry.index, entry.data, it->second.proposed)
                 : machine_.apply(entry.index, entry.data);
  }
  if (it == proposals_.end()) return;
  events_.completed.push_back(
      ProposalCompleted{entry.index, entry.term, std::move(answer), it->second.waiter});
  proposals_.erase(it);
}

void Driver::note_role() {
  const RoleChanged now{core_.role(), core_.term(), core_.leader()};
  if (now.role == last_role_.role && now.term == last_role_.term &&
      now.leader == last_role_.leader) {
    return;
  }
  // A leadership that ended, even if this node leads again in a later term by the time it
  // looks (a batch of inputs can hold the step down, the election and the win).
  if (last_role_.role == Role::leader &&
      (now.role != Role::leader || now.term != last_role_.term)) {
    // Entries not yet committed may or may not survive under the next leader: their
    // outcome is unknown (leadership_lost, never not_leader, which says nothing happened).
    // A client retries in its session to learn it. Committed ones are still applied here
    // and answered then.
    const std::string hint = now.leader.value == 0
                                 ? std::string("no known leader")
                                 : "leader is " + std::to_string(now.leader.value);
    // Those at or below the commit index committed as proposed -- unless the log there
    // changed: a batch of inputs can hold the step down, a new leader's entries replacing
    // ours, and the commit of theirs before this node looks.
    for (auto it = proposals_.begin(); it != proposals_.end();) {
      const bool is_committed_as_proposed =
          it->first <= core_.commit() &&
          core_.log().term(it->first) == Result<Term>(it->second.term);
      if (is_committed_as_proposed) {
        ++it;
        continue;
      }
      events_.failed.push_back(ProposalFailed{
          it->first, it->second.term,
          Error{code::leadership_lost, "leadership lost before the entry committed; " + hint},
          it->second.waiter});
      it = proposals_.erase(it);
    }
  }
  last_role_ = now;
  events_.role_changes.push_back(now);
}

DriverEvents Driver::take_events() { return std::exchange(events_, {}); }

Status Driver::status() const {
  return Status{core_.id(),
                core_.role(),
                core_.term(),
                core_.leader(),
                core_.commit(),
                core_.applied(),
                storage_.snapshot_meta(),
                storage_.first_index(),
                snapshots_saved_,
                snapshots_installed_};
}

}  // namespace auction::raft

// Driver: executes Ready batches (see driver.hpp and the contract in ready.hpp).
#include "auction/raft/driver.hpp"

#include <utility>

#include "auction/base/assert.hpp"

namespace auction::raft {

Driver::Driver(Config config, LogStorage& storage, Transport& transport, StateMachine& machine,
               Mode mode)
    : core_(config, storage),
      storage_(storage),
      transport_(transport),
      machine_(machine),
      mode_(mode),
      proposals_pending_max_(config.proposals_pending_max),
      last_role_{core_.role(), core_.term(), core_.leader()} {}

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
  // The entries travel with the job and come back in on_persisted(): no copy.
  return PersistJob{outstanding_->hard_state, std::move(outstanding_->entries)};
}

void Driver::on_persisted(PersistJob job) {
  AUCTION_ASSERT(outstanding_.has_value() && job_taken_, "on_persisted() without a job out");
  outstanding_->entries = std::move(job.entries);
  Ready ready = std::move(*outstanding_);
  outstanding_.reset();
  job_taken_ = false;
  finish(ready);
  pump();
}

void Driver::write_job(LogStorage& storage, const PersistJob& job) {
  // Entries before the hard state: its commit index may name them. One sync covers both.
  storage.append(job.entries);
  if (job.hard_state) storage.set_hard_state(*job.hard_state);
  storage.sync();
}

void Driver::set_batching(bool on) { is_batching_ = on; }

void Driver::flush() { pump(); }

void Driver::pump() {
  for (;;) {
    flush_messages();
    note_role();
    if (outstanding_ || !core_.has_ready()) return;
    Ready ready = core_.ready();
    if (ready.needs_persist()) {
      if (mode_ == Mode::split) {
        outstanding_ = std::move(ready);
        return;
      }
      write_job(storage_, PersistJob{ready.hard_state, ready.entries});
    }
    finish(ready);
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
}

void Driver::apply(const Entry& entry) {
  AUCTION_ASSERT(entry.type != EntryType::config, "membership changes are not implemented");
  const auto it = proposals_.find(entry.index);
  // Proposals still tracked here were committed while this node led (the rest failed
  // when leadership was lost, see note_role()), and a committed entry keeps its term.
  AUCTION_ASSERT(it == proposals_.end() || it->second.term == entry.term,
                 "a committed proposal changed term");
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
  if (last_role_.role == Role::leader && now.role != Role::leader) {
    // Entries not yet committed may or may not survive under the next leader: their
    // outcome is unknown (leadership_lost, never not_leader, which says nothing happened).
    // A client retries in its session to learn it. Committed ones are still applied here
    // and answered then.
    const std::string hint = now.leader.value == 0
                                 ? std::string("no known leader")
                                 : "leader is " + std::to_string(now.leader.value);
    for (auto it = proposals_.upper_bound(core_.commit()); it != proposals_.end();) {
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
  return Status{core_.id(),     core_.role(),   core_.term(),
                core_.leader(), core_.commit(), core_.applied()};
}

}  // namespace auction::raft

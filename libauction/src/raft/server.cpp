// Server: the Asio runtime of one Raft node (see auction/raft/server.hpp).
//
// Every input to the driver (a tick, a peer's message, a proposal, a read) is followed by
// after_input(), which schedules a flush (see there); a flush, and every finished disk
// write, is followed by deliver_outcomes(), which hands a waiting PersistJob to the disk
// thread and turns the driver's events into completed waiters and log lines. A caller waiting
// for a proposal or a read sleeps on its own timer, set to its deadline; the event that
// finishes it stores the outcome and cancels the timer, so nothing can wait forever.
// What is pending is kept once, by the driver: a proposal's waiter travels with it in the
// driver's table and comes back in its event, so this file keeps no table of proposals.
#include "auction/raft/server.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/assert.hpp"
#include "auction/base/endpoint.hpp"
#include "auction/base/log.hpp"
#include "auction/raft/message.hpp"
#include "auction/raft/transport.hpp"
#include "raft/disk_writer.hpp"
#include "raft/guarded_storage.hpp"
#include "raft/peer_link.hpp"
#include "raft/peer_listener.hpp"
#include "raft/peer_stream.hpp"
#include "raft/snapshot_child.hpp"
#include "wire/acceptor.hpp"
#include "wire/spawn.hpp"
#include "wire/tls_context.hpp"

namespace auction::raft {

namespace asio = boost::asio;
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

std::string describe(const RoleChanged& change) {
  const std::string term = std::to_string(change.term.value);
  switch (change.role) {
    case Role::leader: return "leader for term " + term;
    case Role::follower:
      return change.leader.value == 0
                 ? "follower, no leader known, term " + term
                 : "follower, leader is " + std::to_string(change.leader.value) + ", term " + term;
    case Role::candidate: return "candidate for term " + term;
    case Role::pre_candidate:
      return "pre-candidate in term " + term + " (asking whether it could win an election)";
  }
  return std::string(to_string(change.role)) + ", term " + term;
}

// Sends each message through the link of the peer it is addressed to. Links come and go
// with the configuration (Server::Impl::update_peer_links()).
class PeerRoutes final : public Transport {
 public:
  // Replaces any link to `peer`; started at once if the routes are.
  void add(NodeId peer, PeerEndpoint endpoint, std::unique_ptr<detail::PeerLink> link) {
    if (is_started_) link->start();
    links_[peer] = Route{std::move(endpoint), std::move(link)};
  }
  void remove(NodeId peer) { links_.erase(peer); }  // the link stops as it goes
  void send(Message message) override {
    // A member whose raft address is unknown here (logged when it joined) is unreachable.
    const auto it = links_.find(message.to);
    if (it != links_.end()) it->second.link->send(message);
  }
  bool has(NodeId peer) const { return links_.contains(peer); }
  const PeerEndpoint* endpoint(NodeId peer) const {
    const auto it = links_.find(peer);
    return it == links_.end() ? nullptr : &it->second.endpoint;
  }
  std::vector<NodeId> peers() const {
    std::vector<NodeId> out;
    for (const auto& [id, route] : links_) out.push_back(id);
    return out;
  }
  void start() {
    is_started_ = true;
    for (auto& [id, route] : links_) route.link->start();
  }
  void stop() {
    for (auto& [id, route] : links_) route.link->stop();
  }

 private:
  struct Route {
    PeerEndpoint endpoint;
    std::unique_ptr<detail::PeerLink> link;
  };
  std::map<NodeId, Route> links_;
  bool is_started_ = false;
};

// One caller waiting for an outcome. Lives in the caller's coroutine frame; whoever
// finishes it removes it from its table first (for a proposal: the driver's), and the
// caller removes it itself when its deadline passes.
template <class T>
struct Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : wake(executor) {}
  void finish(Result<T> result) {
    outcome = std::move(result);
    wake.cancel();
  }
  asio::steady_timer wake;  // expires at the deadline
  std::optional<Result<T>> outcome;
};

// The sources (wire::source_of()) of the peers whose host is an IP literal: the raft port
// gives them priority for its handshake slots. A host name is not resolved here.
std::set<std::string> member_addresses(const std::map<NodeId, PeerEndpoint>& peers) {
  std::set<std::string> out;
  for (const auto& [id, peer] : peers) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(peer.host, ec);
    if (!ec) out.insert(wire::source_of(address));
  }
  return out;
}

// The waiter a proposal carries through the driver (Driver::propose's `waiter`).
Waiter<std::string>& proposal_waiter(void* waiter) {
  return *static_cast<Waiter<std::string>*>(waiter);
}

}  // namespace

struct Server::Impl {
  Impl(asio::any_io_executor ex, ServerOptions opts, LogStorage& inner, StateMachine& state_machine)
      : executor(std::move(ex)),
        options(std::move(opts)),
        storage(inner),
        log_name(options.log_noun + " " + std::to_string(options.config.id.value)),
        machine(state_machine),
        driver(options.config, storage, routes, machine, Driver::Mode::split),
        tls(wire::make_mutual_tls_context(options.tls)),
        ticker(executor),
        batcher(executor),
        snapshot_child(executor) {
    driver.set_batching(true);
    driver.set_snapshot_in_background(options.snapshot_in_child);
    if (tls) update_peer_links();
  }

  // Every node this one may talk to, and where: the address book (ServerOptions::peers) and
  // every member of the configuration in effect that names its raft address.
  std::map<NodeId, PeerEndpoint> wanted_peers();
  // Makes the links and the raft port's list of members follow the configuration: a link
  // to each wanted peer (replaced when its address changed), none to anyone else.
  void update_peer_links();
  void log_membership() const;

  // After the driver took a proposal (`taken`, whose waiter is `waiter`): runs the driver and
  // waits up to the request timeout for the outcome. Returns none when none came in time
  // (the driver then forgets the waiter).
  asio::awaitable<std::optional<Result<std::string>>> async_outcome(
      Waiter<std::string>& waiter, const Result<ProposalTicket>& taken);
  void after_input();
  void on_flush_due();
  void flush();
  void deliver_outcomes();
  void on_persisted(PersistJob job);
  // Runs a step of the driver that may apply entries and take a snapshot, and notes the
  // stall when it serialized the state machine on this thread.
  template <class F>
  void run_driver(F&& step);
  void start_snapshot(SnapshotMeta meta);
  void on_snapshot_done(SnapshotMeta meta, Result<std::string> bytes);
  void note_snapshot_stall(std::chrono::microseconds stall);
  void on_role_change(const RoleChanged& change);
  void on_connection_lost(NodeId peer);
  void on_peer_message(const Message& message);
  asio::awaitable<void> async_tick_loop(std::shared_ptr<Impl> self);
  void log(const std::string& line) const { log_line(log_name, line); }

  asio::any_io_executor executor;
  ServerOptions options;
  detail::GuardedStorage storage;
  std::string log_name;  // "replica 2"
  PeerRoutes routes;
  // The configuration update_peer_links() last followed, and Core::membership_version() then.
  Membership linked_membership;
  std::uint64_t linked_membership_version = 0;
  std::set<std::string> unreachable_members;  // members whose raft address is refused (logged)
  StateMachine& machine;
  Driver driver;
  // The raft port's mutual TLS, both directions; an error here is start()'s.
  Result<std::shared_ptr<asio::ssl::context>> tls;
  std::optional<detail::PeerListener> peer_listener;
  std::string last_refusal;  // the last reason a peer's message was refused (logged once)
  asio::steady_timer ticker;
  std::map<std::uint64_t, Waiter<void>*> reads;  // by read context
  std::set<Waiter<void>*> hand_overs;            // async_hand_over() calls waiting
  std::uint64_t next_read_context = 1;
  bool is_started = false;
  bool is_stopped = false;
  bool is_flush_pending = false;
  std::size_t last_job_entries = 0;  // entries in the last write handed to the disk
  // How long the flushes that took a snapshot held the executor (ServerStatus).
  std::chrono::microseconds last_snapshot_stall{0};
  std::chrono::microseconds longest_snapshot_stall{0};
  // What counters() reports (ServerCounters); the histogram of disk writes is fed by the disk
  // thread, everything else on the executor.
  ServerCounters counted;
  metrics::Histogram disk_write_time{metrics::latency_buckets()};
  metrics::Histogram proposal_time{metrics::latency_buckets()};
  NodeId last_known_leader;
  asio::steady_timer batcher;                // waits out batch_window before a flush when busy
  detail::SnapshotChild snapshot_child;      // serializes the state machine off this thread
  std::weak_ptr<Impl> self;                  // set by start(), for handlers posted to the executor
  std::unique_ptr<detail::DiskWriter> disk;  // last: its thread is joined first
};

std::map<NodeId, PeerEndpoint> Server::Impl::wanted_peers() {
  std::map<NodeId, PeerEndpoint> wanted;
  for (const PeerEndpoint& peer : options.peers) wanted[peer.id] = peer;
  for (const Member& member : driver.core().membership().members) {
    if (member.id == options.config.id || member.raft_address.empty()) continue;
    auto endpoint = parse_endpoint(member.raft_address);
    if (!endpoint || endpoint->port == 0) {
      const std::string problem = options.log_noun + " " + std::to_string(member.id.value) +
                                  "'s raft address \"" + member.raft_address + "\" is unusable";
      if (unreachable_members.insert(problem).second) log(problem + "; it is unreachable");
      continue;
    }
    wanted[member.id] = PeerEndpoint{member.id, endpoint->host, endpoint->port};
  }
  return wanted;
}

void Server::Impl::update_peer_links() {
  const std::map<NodeId, PeerEndpoint> wanted = wanted_peers();
  for (NodeId peer : routes.peers()) {
    if (!wanted.contains(peer)) routes.remove(peer);
  }
  for (const auto& [id, peer] : wanted) {
    const PeerEndpoint* known = routes.endpoint(id);
    if (known != nullptr && known->host == peer.host && known->port == peer.port) continue;
    routes.add(
        id, peer,
        std::make_unique<detail::PeerLink>(
            executor, detail::PeerLinkOptions{
                          .peer = id,
                          .host = peer.host,
                          .port = peer.port,
                          .tls = *tls,
                          .log_name = log_name,
                          .peer_name = options.log_noun + " " + std::to_string(id.value),
                          .queue_max = options.peer_queue_max,
                          .queue_bytes_max = options.peer_queue_bytes_max,
                          .write_bytes_max = detail::message_bytes_max(options.config),
                          .on_connection_lost = [this, peer = id] { on_connection_lost(peer); },
                      }));
  }
  if (peer_listener) peer_listener->set_members(routes.peers(), member_addresses(wanted));
  linked_membership = driver.core().membership();
  linked_membership_version = driver.core().membership_version();
}

void Server::Impl::log_membership() const {
  const Membership& m = driver.core().membership();
  std::string voters;
  std::string learners;
  for (const Member& member : m.members) {
    std::string& list = member.role == MemberRole::voter ? voters : learners;
    list += (list.empty() ? "" : ", ") + std::to_string(member.id.value);
  }
  std::string line = "configuration of entry " +
                     std::to_string(driver.core().membership_index().value) + ": voters " +
                     (voters.empty() ? "none" : voters);
  if (!learners.empty()) line += "; learners " + learners;
  if (!m.contains(options.config.id)) {
    line += m.empty() ? " (this node waits to be added)" : " (this node is not a member)";
  }
  log(line);
}

// The driver runs batched (Driver::set_batching): inputs only step the core, and one flush
// turns everything that arrived since the last one -- peers' messages, client proposals,
// reads, a tick -- into one Ready: one disk write and fsync, one message per peer. When
// inputs come one at a time the flush is posted at once (it runs after the handlers already
// queued in this turn of the event loop). When the last disk write held several entries,
// entries arrive faster than one per fsync: the node is busy, and the next flush waits
// ServerOptions::batch_window so that more entries share its fsync (group commit). A single
// client's writes never wait.
void Server::Impl::after_input() {
  if (is_flush_pending || is_stopped) return;
  is_flush_pending = true;
  if (last_job_entries >= 2 && options.batch_window.count() > 0) {
    batcher.expires_after(options.batch_window);
    batcher.async_wait([weak = self](boost::system::error_code) {
      if (const auto impl = weak.lock()) impl->on_flush_due();
    });
    return;
  }
  asio::post(executor, [weak = self] {
    if (const auto impl = weak.lock()) impl->on_flush_due();
  });
}

void Server::Impl::on_flush_due() {
  is_flush_pending = false;
  if (is_stopped) return;
  flush();
}

void Server::Impl::flush() {
  run_driver([this] { driver.flush(); });
  deliver_outcomes();
}

void Server::Impl::on_persisted(PersistJob job) {
  counted.entries_written += job.entries.size();
  run_driver([this, &job] { driver.on_persisted(std::move(job)); });
  deliver_outcomes();
}

template <class F>
void Server::Impl::run_driver(F&& step) {
  // With snapshots in a child process (the default) the stall is the fork, timed in
  // start_snapshot(): nothing to time on every flush.
  if (options.snapshot_in_child) {
    step();
    return;
  }
  const std::uint64_t saved_before = driver.snapshots_saved();
  const auto started = Clock::now();
  step();
  if (driver.snapshots_saved() != saved_before) {
    // This step serialized the state machine on this thread: nothing else ran meanwhile (no
    // heartbeat), so its length -- applying included, which it also held up -- is the stall.
    note_snapshot_stall(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started));
  }
}

void Server::Impl::note_snapshot_stall(std::chrono::microseconds stall) {
  last_snapshot_stall = stall;
  longest_snapshot_stall = std::max(longest_snapshot_stall, stall);
}

// The driver wants a snapshot of the state machine as it is at this moment: nothing has been
// applied since it decided (deliver_outcomes() asks first thing after the driver ran).
void Server::Impl::start_snapshot(SnapshotMeta meta) {
  const auto started = Clock::now();
  auto forked = snapshot_child.start(machine, [weak = self, meta](Result<std::string> bytes) {
    if (const auto impl = weak.lock(); impl && !impl->is_stopped) {
      impl->on_snapshot_done(meta, std::move(bytes));
    }
  });
  // What the raft thread pays: fork() copies the page tables, not the state.
  note_snapshot_stall(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started));
  if (!forked) on_snapshot_done(meta, std::unexpected(std::move(forked.error())));
}

void Server::Impl::on_snapshot_done(SnapshotMeta meta, Result<std::string> bytes) {
  if (!bytes) {
    log("could not take a snapshot of index " + std::to_string(meta.index.value) + ": " +
        bytes.error().message + "; the next one is due after as many entries again");
    driver.on_snapshot_failed(meta);
    return;
  }
  driver.on_snapshot_taken(meta, std::move(*bytes));
  after_input();  // the snapshot goes to disk with the next persist job
}

// Hands a waiting PersistJob to the disk thread and turns the driver's events into finished
// waiters and log lines.
void Server::Impl::deliver_outcomes() {
  // First: the state machine must be serialized exactly as the driver left it.
  if (auto request = driver.take_snapshot_request()) start_snapshot(*request);
  if (auto job = driver.take_persist_job()) {
    last_job_entries = job->entries.size();
    disk->submit(std::move(*job));
  }
  DriverEvents events = driver.take_events();
  // A proposal without a waiter was given up by its caller (deadline) or proposed by nobody
  // waiting.
  for (ProposalCompleted& done : events.completed) {
    if (done.waiter != nullptr) proposal_waiter(done.waiter).finish(std::move(done.answer));
  }
  for (ProposalFailed& failed : events.failed) {
    if (failed.waiter != nullptr) {
      proposal_waiter(failed.waiter).finish(std::unexpected(std::move(failed.error)));
    }
  }
  for (const std::uint64_t context : events.reads_ready) {
    const auto it = reads.find(context);
    if (it == reads.end()) continue;
    Waiter<void>* waiter = it->second;
    reads.erase(it);
    waiter->finish({});
  }
  for (ReadFailed& failed : events.reads_failed) {
    const auto it = reads.find(failed.context);
    if (it == reads.end()) continue;
    Waiter<void>* waiter = it->second;
    reads.erase(it);
    waiter->finish(std::unexpected(std::move(failed.error)));
  }
  for (const RoleChanged& change : events.role_changes) on_role_change(change);
  // Compared by value only when the core recomputed it (rarely: a config entry arrived).
  if (driver.core().membership_version() != linked_membership_version) {
    if (driver.core().membership() != linked_membership) {
      update_peer_links();
      log_membership();
    } else {
      linked_membership_version = driver.core().membership_version();
    }
  }
}

// A peer closed or reset our connection: if it is the leader, its process most likely
// died, and waiting out a whole election timeout would only delay the next leader.
void Server::Impl::on_connection_lost(NodeId peer) {
  if (is_stopped) return;
  if (driver.core().role() == Role::follower && driver.core().leader() == peer) {
    log("lost the connection to the leader, " + options.log_noun + " " +
        std::to_string(peer.value) + "; campaigning soon unless it comes back");
  }
  driver.report_unreachable(peer);
  after_input();
}

void Server::Impl::on_role_change(const RoleChanged& change) {
  log(describe(change));
  if (change.leader != NodeId{0} && change.leader != last_known_leader) {
    ++counted.leader_changes;
    last_known_leader = change.leader;
  }
  if (change.role != Role::leader) {
    for (Waiter<void>* waiter : std::exchange(hand_overs, {})) waiter->finish({});
  }
  if (options.on_role_change) options.on_role_change(change);
}

void Server::Impl::on_peer_message(const Message& message) {
  if (is_stopped) return;
  std::string refusal;
  if (message.to != options.config.id) {
    refusal = "a message for node " + std::to_string(message.to.value) + " came to node " +
              std::to_string(options.config.id.value) + " (are the cluster files the same?)";
  } else if (!routes.has(message.from)) {
    refusal = "node " + std::to_string(message.from.value) +
              " is not in this cluster (neither in the cluster file nor in the configuration)";
  }
  if (!refusal.empty()) {
    if (refusal != last_refusal) log("refused a raft message: " + refusal);
    last_refusal = std::move(refusal);
    return;
  }
  driver.on_message(message);
  after_input();
}

asio::awaitable<void> Server::Impl::async_tick_loop(std::shared_ptr<Impl> /*keep_alive*/) {
  auto next = Clock::now();
  while (!is_stopped) {
    next += options.tick_period;
    ticker.expires_at(next);
    co_await ticker.async_wait(use_tuple);
    if (is_stopped) co_return;
    driver.tick();
    after_input();
    // After the executor was held up, go on from now rather than firing the missed ticks
    // in a burst: a burst would make a follower time out on a leader it just heard from.
    const auto now = Clock::now();
    if (next + options.tick_period < now) next = now;
  }
}

Server::Server(asio::any_io_executor executor, ServerOptions options, LogStorage& storage,
               StateMachine& machine)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), storage, machine)) {}

Server::~Server() { stop(); }

Result<std::uint16_t> Server::start() {
  Impl& s = *impl_;
  AUCTION_ASSERT(!s.is_started, "start() is called once");
  s.is_started = true;

  if (!s.tls) {
    s.is_stopped = true;
    return std::unexpected(s.tls.error());
  }
  // The state machine starts where the latest snapshot left it; the log after it is
  // applied again.
  if (auto restored = restore_from_storage(s.storage, s.machine); !restored) {
    s.is_stopped = true;
    return fail(restored.error().code,
                "the snapshot in storage cannot be restored: " + restored.error().message);
  }
  std::weak_ptr<Impl> weak = impl_;
  s.self = weak;
  s.peer_listener.emplace(
      s.executor,
      detail::PeerListenerOptions{
          .address = s.options.listen_address,
          .port = s.options.listen_port,
          .frame_bytes_max = detail::message_bytes_max(s.options.config),
          .tls = *s.tls,
          .members = s.routes.peers(),
          .handshakes_max = s.options.peer_handshakes_max,
          .handshakes_per_address_max = s.options.peer_handshakes_per_address_max,
          .member_addresses = member_addresses(s.wanted_peers()),
          .handshake_timeout = s.options.peer_handshake_timeout,
          .log_name = s.log_name,
      },
      [weak](const Message& message) {
        if (const auto self = weak.lock()) self->on_peer_message(message);
      });
  auto port = s.peer_listener->start();
  if (!port) {
    s.is_stopped = true;
    return port;
  }

  s.disk = std::make_unique<detail::DiskWriter>(
      s.storage, s.disk_write_time, [weak, executor = s.executor](PersistJob job) {
        // On the disk thread: hand the job back to the executor, where the driver lives.
        asio::post(executor, [weak, job = std::move(job)]() mutable {
          const auto self = weak.lock();
          if (!self || self->is_stopped) return;
          self->on_persisted(std::move(job));
        });
      });
  s.routes.start();
  s.log(describe(
      RoleChanged{s.driver.core().role(), s.driver.core().term(), s.driver.core().leader()}));
  s.log_membership();
  wire::spawn_logged(s.executor, s.async_tick_loop(impl_), "raft ticker");
  s.flush();  // a restarted node may already have committed entries to apply
  return port;
}

void Server::stop() {
  Impl& s = *impl_;
  if (s.is_stopped) return;
  s.is_stopped = true;
  s.ticker.cancel();
  s.batcher.cancel();
  if (s.peer_listener) s.peer_listener->stop();
  s.routes.stop();
  for (void* waiter : s.driver.release_waiters()) {
    // Appended, not known to be committed: the next leader may still commit them.
    proposal_waiter(waiter).finish(
        fail(code::leadership_lost, "the raft node is stopping before the entry committed"));
  }
  for (auto& [context, waiter] : std::exchange(s.reads, {})) {
    waiter->finish(fail(code::unavailable, "the raft node is stopping"));
  }
  for (Waiter<void>* waiter : std::exchange(s.hand_overs, {})) {
    waiter->finish(fail(code::unavailable, "the raft node is stopping"));
  }
  s.snapshot_child.stop();
  if (s.disk) s.disk->stop();
}

asio::awaitable<Result<std::string>> Server::async_propose(std::string command, std::any proposed) {
  const auto self = impl_;  // the waiter below needs the node alive until it wakes
  if (!self->is_started || self->is_stopped) {
    ++self->counted.proposals_refused;
    co_return fail(code::unavailable, "the raft node is not running");
  }
  const auto started = Clock::now();
  Waiter<std::string> waiter(self->executor);
  const auto taken = self->driver.propose(std::move(command), &waiter, std::move(proposed));
  auto outcome = co_await self->async_outcome(waiter, taken);
  if (!taken) {
    // Refused before it entered the log: it says nothing of how long writes take.
    ++self->counted.proposals_refused;
  } else {
    self->proposal_time.observe(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started));
    ++(outcome && *outcome ? self->counted.proposals_committed : self->counted.proposals_unknown);
  }
  if (outcome) co_return std::move(*outcome);
  co_return fail(code::timeout, "not committed within " +
                                    std::to_string(self->options.request_timeout.count()) + " ms");
}

asio::awaitable<std::optional<Result<std::string>>> Server::Impl::async_outcome(
    Waiter<std::string>& waiter, const Result<ProposalTicket>& taken) {
  if (!taken) {
    after_input();
    co_return Result<std::string>(std::unexpected(taken.error()));
  }
  waiter.wake.expires_after(options.request_timeout);
  after_input();
  if (!waiter.outcome) co_await waiter.wake.async_wait(use_tuple);
  if (waiter.outcome) co_return std::move(*waiter.outcome);
  driver.forget_waiter(*taken);  // nobody finished it: the driver still points here
  co_return std::nullopt;
}

asio::awaitable<Result<LogIndex>> Server::async_change_membership(MembershipChange change) {
  const auto self = impl_;
  if (!self->is_started || self->is_stopped) {
    co_return fail(code::unavailable, "the raft node is not running");
  }
  Waiter<std::string> waiter(self->executor);
  const auto taken = self->driver.propose_membership(change, &waiter);
  auto outcome = co_await self->async_outcome(waiter, taken);
  if (outcome) {
    if (!*outcome) co_return std::unexpected(std::move(outcome->error()));
    co_return taken->index;
  }
  co_return fail(code::timeout, "the change was not committed within " +
                                    std::to_string(self->options.request_timeout.count()) +
                                    " ms (it may still be)");
}

asio::awaitable<Result<void>> Server::async_read_barrier() {
  const auto self = impl_;
  if (!self->is_started || self->is_stopped) {
    co_return fail(code::unavailable, "the raft node is not running");
  }
  const std::uint64_t context = self->next_read_context++;
  if (auto started = self->driver.read_index(context); !started) {
    self->after_input();
    co_return std::unexpected(std::move(started.error()));
  }
  Waiter<void> waiter(self->executor);
  waiter.wake.expires_after(self->options.request_timeout);
  self->reads.emplace(context, &waiter);
  self->after_input();
  if (!waiter.outcome) co_await waiter.wake.async_wait(use_tuple);
  if (waiter.outcome) co_return std::move(*waiter.outcome);
  self->reads.erase(context);
  co_return fail(code::timeout, "leadership not confirmed within " +
                                    std::to_string(self->options.request_timeout.count()) + " ms");
}

asio::awaitable<Result<void>> Server::async_hand_over(NodeId target) {
  const auto self = impl_;
  if (!self->is_started || self->is_stopped) {
    co_return fail(code::unavailable, "the raft node is not running");
  }
  if (auto started = self->driver.transfer_leadership(target); !started) {
    self->after_input();
    co_return std::unexpected(std::move(started.error()));
  }
  // The core gives the transfer one election timeout; the second is slack for the new
  // leader's election to reach this node.
  const auto limit = 2 * self->options.config.election_timeout_ticks * self->options.tick_period;
  Waiter<void> waiter(self->executor);
  waiter.wake.expires_after(limit);
  self->hand_overs.insert(&waiter);
  self->after_input();
  if (!waiter.outcome) co_await waiter.wake.async_wait(use_tuple);
  if (waiter.outcome) co_return std::move(*waiter.outcome);
  self->hand_overs.erase(&waiter);
  co_return fail(code::timeout, "still leading after " + std::to_string(limit.count()) +
                                    " ms; the handover was given up");
}

ServerStatus Server::status() const {
  const Status now = impl_->driver.status();
  return ServerStatus{now.id,
                      now.role,
                      now.term,
                      now.leader,
                      now.commit,
                      now.applied,
                      impl_->driver.core().log().last_index(),
                      impl_->driver.core().transferee(),
                      now.snapshot,
                      now.first_index,
                      now.snapshots_saved,
                      now.snapshots_installed,
                      impl_->last_snapshot_stall,
                      impl_->longest_snapshot_stall};
}

ServerCounters Server::counters() const {
  ServerCounters c = impl_->counted;
  c.elections = impl_->driver.core().elections_started();
  c.pending_proposals = impl_->driver.pending_proposals().size();
  c.pending_reads = impl_->reads.size();
  if (auto snapshot = impl_->storage.snapshot(); snapshot && *snapshot) {
    c.snapshot_bytes = (*snapshot)->data.size();
  }
  c.disk_write_seconds = impl_->disk_write_time.snapshot();
  c.proposal_seconds = impl_->proposal_time.snapshot();
  return c;
}

MembershipStatus Server::membership() const {
  const Core& core = impl_->driver.core();
  std::map<NodeId, LogIndex> matches;
  for (const Member& member : core.membership().members) {
    if (const Progress* progress = core.progress(member.id)) matches[member.id] = progress->match();
  }
  return MembershipStatus{core.membership(), core.membership_index(), core.commit(),
                          std::move(matches)};
}

NodeId Server::id() const { return impl_->options.config.id; }

Role Server::role() const { return impl_->driver.core().role(); }

Term Server::term() const { return impl_->driver.core().term(); }

NodeId Server::leader() const { return impl_->driver.core().leader(); }

NodeId Server::transferee() const { return impl_->driver.core().transferee(); }

}  // namespace auction::raft

// Server: one Raft node running on an Asio executor -- the runtime around raft::Driver.
//
// It carries out what the pure core decides, with real time, a real disk and a real
// network:
//   time     a steady timer calls Driver::tick() every tick_period;
//   disk     the driver runs in split mode (driver.hpp): each PersistJob is written and
//            fsynced on a dedicated disk thread and handed back with on_persisted(), so
//            heartbeats keep flowing while a write is slow (a disk stall delays commits but
//            causes no election, ready.hpp);
//   network  each peer gets an outbound link that writes framed binary messages on one
//            mutually authenticated TLS 1.3 connection (src/raft/peer_stream.hpp: no JSON, no reply
//            per message; many queued messages go out in one write), with a bounded queue,
//            reconnection with backoff, and drop-oldest when full (Raft tolerates loss), so a slow
//            or dead peer never blocks this node; the raft port accepts the peers' connections,
//            serving only those whose certificate (ServerOptions::tls's CA) names a member, and
//            only messages from that member (src/raft/peer_listener.hpp). A link
//            that sees its peer close the connection tells the core at once
//            (Core::report_unreachable): a dead leader is replaced without waiting out an
//            election timeout.
// On top it offers what a service needs: async_propose() completes with the state
// machine's answer for the command; async_read_barrier() is a ReadIndex barrier
// (dissertation §6.4); status() and leader() tell who leads; every role change is logged
// to stderr as one line ("replica 2: leader for term 5").
//
// Storage threading: while a job is on the disk thread the driver still reads the storage
// from the executor. The server therefore reads and writes `storage` only through a
// private wrapper that holds a mutex around every read and around append() and
// set_hard_state(), but not around sync(), the fsync (src/raft/guarded_storage.hpp). This
// is correct for FileStorage and MemoryStorage, whose sync() changes nothing their readers
// see; a custom LogStorage passed here must have the same property.
//
// Threading: every member function runs on `executor`, which must not run handlers
// concurrently (an io_context run by one thread, or a strand). The constructor and start()
// may also run before the executor runs (e.g. in main before io_context::run()). The
// StateMachine is only ever touched on the executor (apply here; queries by the caller
// after a read barrier).
// Never: blocks the executor on the disk or on a peer, trusts a peer's bytes before
// raft::decode() validated them (and checked that they come from a member, to this node),
// leaves a caller waiting past its deadline.
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "auction/base/error.hpp"
#include "auction/base/metrics.hpp"
#include "auction/base/tls_credentials.hpp"
#include "auction/raft/config.hpp"
#include "auction/raft/core.hpp"
#include "auction/raft/driver.hpp"
#include "auction/raft/log_storage.hpp"
#include "auction/raft/state_machine.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

// Where another node's raft port is.
struct PeerEndpoint {
  NodeId id;
  std::string host;  // a name or an IP literal
  std::uint16_t port = 0;
};

struct ServerOptions {
  Config config;  // every id of config.peers must have its endpoint in `peers`
  // The address book: the raft ports of the other nodes this one knows from its cluster file
  // (the founding voters, and for a node that joins, the members it will hear from). The
  // configuration adds every member that names its raft address (membership.hpp), so a
  // member added later is reached without editing anything here.
  std::vector<PeerEndpoint> peers;
  std::string listen_address = "127.0.0.1";   // IP literal; "0.0.0.0" for every interface
  std::uint16_t listen_port = 0;              // this node's raft port (0: the kernel picks)
  std::chrono::milliseconds tick_period{10};  // one Raft tick (cluster file: timing.tick_ms)
  // Group commit: while inputs arrive faster than one per flush, each flush (and so each
  // fsync and each message to a peer) waits this long for more to share it. Zero: never.
  std::chrono::microseconds batch_window{200};
  // A proposal or read barrier not finished by then fails with `timeout` (the command may
  // still commit later: clients retry with their session tag, exactly once).
  std::chrono::milliseconds request_timeout{3000};
  // Per peer: queued messages and their bytes (beyond: the oldest is dropped).
  std::size_t peer_queue_max = 1024;
  std::size_t peer_queue_bytes_max = 32 << 20;
  // The raft port's mutual TLS: this node's certificate, named member_certificate_name(id)
  // (member_certificate.hpp), its key, and the CAs every member's certificate is signed by.
  TlsCredentials tls;
  // Inbound raft connections that have not yet authenticated: at once, from one source
  // address, and how long each has to do so. Members' served connections never count
  // against this, and a new connection from a peer's address (its host, when an IP
  // literal) takes the slot of the oldest one from elsewhere.
  std::size_t peer_handshakes_max = 32;
  std::size_t peer_handshakes_per_address_max = 8;
  std::chrono::milliseconds peer_handshake_timeout{5000};
  // Snapshots (Config::snapshot_entries) are serialized in a forked child process, so a
  // large state machine costs this node's executor only the fork (ServerStatus's stall).
  // false: on the executor itself, which holds up heartbeats and applying for as long as
  // the serialization takes.
  bool snapshot_in_child = true;
  std::string log_noun = "node";  // log lines name nodes "<log_noun> <id>", e.g. "replica 2"
  // Called on the executor after each role change is logged (after the core changed role,
  // term or known leader). Optional; must not call back into the server synchronously.
  std::function<void(const RoleChanged&)> on_role_change;
};

struct ServerStatus {
  NodeId id;
  Role role = Role::follower;
  Term term;
  NodeId leader;  // NodeId{0}: unknown
  LogIndex commit;
  LogIndex applied;
  LogIndex last_index;
  NodeId transferee;  // the node a leader hands leadership to (async_hand_over); NodeId{0}: none
  SnapshotMeta snapshot;                  // the latest snapshot saved or installed ({0, 0}: none)
  LogIndex first_index;                   // the first entry still held
  std::uint64_t snapshots_saved = 0;      // since start
  std::uint64_t snapshots_installed = 0;  // received from a leader, since start
  // How long taking a snapshot held this node's executor (serializing the state machine;
  // the write is on the disk thread): the last time, and the longest since start.
  std::chrono::microseconds last_snapshot_stall{0};
  std::chrono::microseconds longest_snapshot_stall{0};
};

// What a running server counted since it started, for monitoring (a replica's /metrics,
// docs/operations.md). Counters only grow while the process runs.
struct ServerCounters {
  std::uint64_t elections = 0;       // times this node became a candidate (pre-votes aside)
  std::uint64_t leader_changes = 0;  // times it learned of a leader other than the last one
  // Writes through async_propose(), by outcome: committed (answered with their applied
  // result); refused before they entered the log (not_leader, overloaded, too_large, the
  // server not running: nothing happened); unknown (they entered the log and no answer came:
  // leadership lost, a timeout, a stop: they may still commit).
  std::uint64_t proposals_committed = 0;
  std::uint64_t proposals_refused = 0;
  std::uint64_t proposals_unknown = 0;
  std::uint64_t entries_written = 0;  // entries the disk thread wrote and synced
  std::size_t pending_proposals = 0;  // proposed here, not yet applied or failed
  std::size_t pending_reads = 0;      // ReadIndex barriers waiting
  std::uint64_t snapshot_bytes = 0;   // the latest snapshot's data (0: none)
  // Each batch the disk thread wrote: append and fdatasync, as the thread saw it.
  metrics::Histogram::Snapshot disk_write_seconds;
  // Each proposal that entered the log, from its arrival to its answer.
  metrics::Histogram::Snapshot proposal_seconds;
};

// The configuration as one node sees it: for the status and admin ops, not for every request
// (it copies the members).
struct MembershipStatus {
  Membership membership;  // the configuration in effect here (Core::membership())
  LogIndex index;         // the entry that made it; committed once commit reaches it
  LogIndex commit;
  // A leader's knowledge of how far each member's log matches its own (itself: what it
  // made durable); empty unless this node leads.
  std::map<NodeId, LogIndex> matches;
};

class Server {
 public:
  // `storage` holds this node's log, hard state and snapshot (recovered, e.g.
  // FileStorage::open()); `machine` is empty: start() restores it from the snapshot, and
  // every committed entry after that is applied again. Both must outlive the server and be
  // used by nobody else while it runs.
  // Aborts on an invalid config (see Core).
  Server(boost::asio::any_io_executor executor, ServerOptions options, LogStorage& storage,
         StateMachine& machine);
  // stop()
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Restores the state machine from storage's snapshot, binds the raft port, starts
  // ticking, the disk thread and the peer links. Returns the bound port. Errors (nothing
  // was started): credentials_invalid (options.tls does not load), bad_snapshot (the state
  // machine refuses storage's snapshot), address_in_use, bind_failed.
  // Precondition: called once.
  Result<std::uint16_t> start();

  // Stops ticking and serving peers, fails every waiting proposal and read with
  // `unavailable`, waits for the write in progress on the disk thread (if any) to finish,
  // and closes the peer connections. Idempotent.
  void stop();

  // Proposes `command` (opaque bytes for the StateMachine) and completes with apply()'s
  // answer once it is committed and applied here. `proposed` (optional) is what the caller
  // made `command` from: the state machine receives it with the entry when it is applied
  // here (StateMachine::apply_proposed), so it need not decode the bytes again. Errors:
  //   not_leader       this node does not lead: nothing was proposed; leader() names the
  //                    leader if known
  //   overloaded       too many uncommitted bytes or pending proposals (nothing proposed)
  //   too_large        the command is over Config::entry_bytes_max (nothing proposed)
  //   unavailable      the server is not running (nothing proposed)
  //   leadership_lost  proposed, but this node stopped leading (or is stopping) before the
  //                    entry committed: it may still commit under the next leader
  //   timeout          not applied within request_timeout (it may still commit later)
  boost::asio::awaitable<Result<std::string>> async_propose(std::string command,
                                                            std::any proposed = {});

  // ReadIndex (dissertation §6.4): succeeds once this node has confirmed with a majority
  // that it still leads and has applied everything committed before the call, so the state
  // machine reflects every write acknowledged before it. Errors: not_leader, overloaded,
  // timeout, unavailable (as for async_propose).
  boost::asio::awaitable<Result<void>> async_read_barrier();
  // A membership change (Core::propose_membership): completes with the index of its config
  // entry once that is committed and applied here. Errors:
  //   not_leader, change_in_progress, not_caught_up, invalid_argument, unavailable
  //                    nothing was proposed (see Core::propose_membership)
  //   leadership_lost  proposed, but this node stopped leading before it committed: it may
  //                    still take effect
  //   timeout          not committed within request_timeout (it may still be)
  boost::asio::awaitable<Result<LogIndex>> async_change_membership(MembershipChange change);

  // Leadership transfer (dissertation §3.10; Core::transfer_leadership): this leader stops
  // taking proposals (they fail with not_leader), brings `target` (NodeId{0}: its most
  // up-to-date voter) up to date and tells it to campaign at once, so that the cluster has a
  // new leader without waiting out an election timeout. Completes when this node no longer
  // leads. Errors:
  //   not_leader    this node does not lead (nothing to hand over)
  //   invalid_argument  `target` is this node or not another voter
  //   timeout       it still leads after two election timeouts (the follower was down or
  //                 cut off; the transfer was given up and proposals are taken again)
  //   unavailable   the server is not running, or stopped meanwhile
  boost::asio::awaitable<Result<void>> async_hand_over(NodeId target = NodeId{0});

  ServerStatus status() const;
  ServerCounters counters() const;
  MembershipStatus membership() const;
  // What a request path asks, cheaply (status() reads the storage's snapshot metadata).
  NodeId id() const;
  Role role() const;
  Term term() const;
  NodeId leader() const;      // NodeId{0}: unknown
  NodeId transferee() const;  // the node a leader hands leadership to; NodeId{0}: none

  struct Impl;  // shared with the coroutines and the disk thread's completions

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace auction::raft

// The monitoring port's answers; see platform/replica_metrics.hpp. Pure.
#include "platform/replica_metrics.hpp"

#include "auction/base/metrics.hpp"
#include "auction/version.hpp"

namespace auction::platform {

namespace {

double as_value(std::uint64_t v) { return static_cast<double>(v); }

}  // namespace

std::string metrics_text(const ReplicaObservation& seen) {
  const raft::ServerStatus& s = seen.status;
  const raft::ServerCounters& c = seen.counters;
  metrics::MetricsText m;
  const std::string version(auction::version());
  m.gauge("ppapd_build_info", "The running build: always 1, its version as a label.", 1,
          {{"version", version}});
  m.gauge("ppapd_replica_id", "This replica's id in the cluster file.", as_value(s.id.value));

  // Raft: who leads, and how far the log is.
  m.gauge("ppapd_raft_term", "The current Raft term.", as_value(s.term.value));
  for (const raft::Role role : {raft::Role::follower, raft::Role::pre_candidate,
                                raft::Role::candidate, raft::Role::leader}) {
    m.gauge("ppapd_raft_role", "1 for the role this replica holds now, 0 for the others.",
            s.role == role ? 1 : 0, {{"role", raft::to_string(role)}});
  }
  m.gauge("ppapd_raft_leader_id", "The leader this replica knows of (0: none).",
          as_value(s.leader.value));
  m.counter("ppapd_raft_elections_total",
            "Elections this replica started (times it became a candidate) since it started.",
            as_value(c.elections));
  m.counter("ppapd_raft_leader_changes_total",
            "Times this replica learned of a new leader since it started.",
            as_value(c.leader_changes));
  m.gauge("ppapd_raft_commit_index", "The highest log index known committed.",
          as_value(s.commit.value));
  m.gauge("ppapd_raft_applied_index", "The highest log index applied to the state.",
          as_value(s.applied.value));
  m.gauge("ppapd_raft_last_index", "The last index in this replica's log.",
          as_value(s.last_index.value));
  m.gauge("ppapd_raft_first_index", "The first index still held in the log (after compaction).",
          as_value(s.first_index.value));
  m.gauge("ppapd_raft_members", "Members of the configuration in effect here, by kind.",
          static_cast<double>(seen.voters), {{"kind", "voter"}});
  m.gauge("ppapd_raft_members", "Members of the configuration in effect here, by kind.",
          static_cast<double>(seen.learners), {{"kind", "learner"}});

  // Writes: proposals, the disk, and what waits.
  const auto proposals = [&](std::uint64_t count, std::string_view outcome) {
    m.counter("ppapd_raft_proposals_total",
              "Writes proposed through this replica since it started, by outcome: committed; "
              "refused before they entered the log; unknown (in the log, no answer came).",
              as_value(count), {{"outcome", outcome}});
  };
  proposals(c.proposals_committed, "committed");
  proposals(c.proposals_refused, "refused");
  proposals(c.proposals_unknown, "unknown");
  m.histogram("ppapd_raft_proposal_seconds",
              "From a write's arrival at the raft layer to its answer, for writes that entered "
              "the log.",
              c.proposal_seconds);
  m.histogram("ppapd_raft_disk_write_seconds",
              "One batch of log records written and synced (fdatasync) by the disk thread.",
              c.disk_write_seconds);
  m.counter("ppapd_raft_entries_written_total",
            "Log entries written and synced since this replica started.",
            as_value(c.entries_written));
  m.gauge("ppapd_raft_pending_proposals", "Writes proposed here and not yet answered.",
          static_cast<double>(c.pending_proposals));
  m.gauge("ppapd_raft_pending_reads", "Linearizable reads waiting for their ReadIndex.",
          static_cast<double>(c.pending_reads));

  // Snapshots.
  m.gauge("ppapd_raft_snapshot_index", "The index of the latest snapshot (0: none).",
          as_value(s.snapshot.index.value));
  m.gauge("ppapd_raft_snapshot_bytes", "The size of the latest snapshot's data (0: none).",
          as_value(c.snapshot_bytes));
  m.counter("ppapd_raft_snapshots_saved_total", "Snapshots this replica took since it started.",
            as_value(s.snapshots_saved));
  m.counter("ppapd_raft_snapshots_installed_total",
            "Snapshots received from a leader since this replica started.",
            as_value(s.snapshots_installed));
  m.gauge("ppapd_raft_snapshot_stall_seconds_max",
          "The longest time taking a snapshot held the raft thread since start.",
          static_cast<double>(s.longest_snapshot_stall.count()) / 1e6);

  // The platform.
  m.gauge("ppapd_client_connections", "Open connections on the client port.",
          static_cast<double>(seen.client_connections));
  m.gauge("ppapd_platform_users", "Users registered in this replica's state.",
          static_cast<double>(seen.users));
  m.gauge("ppapd_platform_auctions", "Auctions in this replica's state, every stage.",
          static_cast<double>(seen.auctions));
  return m.text();
}

wire::HttpAnswer monitoring_answer(std::string_view path, const MonitoringSources& sources) {
  if (path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_text(sources.observe())};
  }
  if (path == "/status") {
    return {200, "application/json",
            sources.status().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
  }
  if (path == "/healthz") {
    if (sources.leader() == 0) {
      return {503, "text/plain; charset=utf-8", "no leader known: this replica cannot serve\n"};
    }
    return {200, "text/plain; charset=utf-8", "ok\n"};
  }
  return {404, "text/plain; charset=utf-8",
          "not found: this port serves /metrics, /status and /healthz\n"};
}

}  // namespace auction::platform

// Simulator (see simulator.hpp): the cluster, its faults, its clients and the run loop.
#include "simulator.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auction/raft/driver.hpp"
#include "auction/raft/file_storage.hpp"
#include "auction/raft/memory_storage.hpp"
#include "checked_storage.hpp"
#include "raft/guarded_storage.hpp"
#include "safety_checker.hpp"
#include "sim_disk.hpp"
#include "sim_machine.hpp"
#include "sim_network.hpp"
#include "sim_random.hpp"

namespace auction::test {

SimStats& SimStats::operator+=(const SimStats& o) {
  ticks += o.ticks;
  messages_delivered += o.messages_delivered;
  messages_dropped += o.messages_dropped;
  messages_duplicated += o.messages_duplicated;
  messages_straggled += o.messages_straggled;
  crashes += o.crashes;
  torn_syncs += o.torn_syncs;
  disk_write_faults += o.disk_write_faults;
  disk_sync_faults += o.disk_sync_faults;
  disk_stops += o.disk_stops;
  failed_opens += o.failed_opens;
  torn_writes += o.torn_writes;
  lost_writes += o.lost_writes;
  tail_cuts += o.tail_cuts;
  durability_checks += o.durability_checks;
  pauses += o.pauses;
  partitions += o.partitions;
  transfers += o.transfers;
  membership_changes += o.membership_changes;
  snapshots_saved += o.snapshots_saved;
  snapshots_installed += o.snapshots_installed;
  leaders += o.leaders;
  proposals += o.proposals;
  acked_writes += o.acked_writes;
  reads_answered += o.reads_answered;
  committed += o.committed;
  return *this;
}

namespace {

using raft::Driver;
using raft::DriverEvents;
using raft::LogIndex;
using raft::Message;
using raft::NodeId;
using raft::Role;

// Deliveries handed out in one tick at most; the rest wait for the next tick. Bounds a
// message storm so that it shows up as a liveness failure instead of a hang.
constexpr int deliveries_per_tick_max = 20000;
constexpr std::size_t trace_events_max = 200;

// The sender side of the network: shows every message to the checker first.
class CheckedTransport final : public raft::Transport {
 public:
  CheckedTransport(SimNetwork& network, SafetyChecker& checker)
      : network_(network), checker_(checker) {}
  void send(Message message) override {
    checker_.on_send(message);
    network_.send(std::move(message));
  }

 private:
  SimNetwork& network_;
  SafetyChecker& checker_;
};

struct DiskJob {
  raft::PersistJob job;
  std::uint64_t write_at = 0;  // the write (and its sync) reaches the disk
  std::uint64_t ack_at = 0;    // the sync is done and the driver is told: on_persisted()
  bool written = false;
};

// What FileStorageOptions::on_disk_failure throws in the simulator: it unwinds, through the
// storage and the driver, to the simulator, which crashes the node where the real process
// would have aborted. Nothing in between catches it.
struct NodeStopped {
  std::string failure;
};

struct PendingProposal {
  std::uint64_t term = 0;
  std::string command;
};

struct SimNode {
  std::uint64_t id = 0;
  Driver::Mode mode = Driver::Mode::synchronous;
  bool is_batching = false;          // Driver::set_batching: inputs step only; settle() flushes
  bool has_unsettled_input = false;  // a batching node was handed messages not yet flushed
  double tick_rate = 1;  // the chance that a tick of the simulation is a tick of its clock
  // Storage, one of two kinds. With a disk: the real FileStorage, opened (and so recovered)
  // on every boot from what the disk kept. Without: `memory` survives crashes, minus what
  // was not synced.
  std::unique_ptr<SimDisk> disk;
  std::unique_ptr<raft::FileStorage> file;  // null while the node is down
  raft::MemoryStorage memory;
  // Over `file` or `memory`: what the node was promised is durable, kept across crashes.
  std::unique_ptr<CheckedStorage> checked;
  // Split mode reads and writes through this, as raft::Server does; null in synchronous mode.
  std::unique_ptr<raft::detail::GuardedStorage> guarded;
  raft::LogStorage* storage = nullptr;  // what the driver uses: `guarded` or `checked`
  std::unique_ptr<SimMachine> machine;  // lost on a crash
  std::unique_ptr<Driver> driver;       // null while the node is down
  std::optional<DiskJob> job;           // split mode: the persist job in flight
  std::uint64_t restart_at = 0;
  std::uint64_t boots = 0;
  // A paused process (a long GC pause, a stopped VM): no ticks, no disk completions, and
  // messages to it wait in `held` until it resumes. Its memory survives, unlike a crash.
  std::uint64_t paused_until = 0;
  std::vector<Message> held;

  bool is_running(std::uint64_t now) const { return driver && now >= paused_until; }
  std::unordered_map<std::uint64_t, PendingProposal> proposals;  // by log index
  std::unordered_map<std::uint64_t, std::uint64_t> changes;      // membership: index -> term
  std::unordered_map<std::uint64_t, std::uint64_t> reads;        // context -> floor
};

enum class TraceKind : std::uint8_t {
  deliver,
  crash,
  restart,
  pause,
  partition,
  heal,
  transfer,
  membership,
  propose,
  acked,
  read,
  read_answered,
  role,
  disk_write,
  disk_done,
  quiet,
  peer_lost,
  disk_failure,
  open_failed,
  storage_notice,
};

struct TraceEvent {
  std::uint64_t tick = 0;
  TraceKind kind = TraceKind::deliver;
  std::uint8_t detail = 0;
  bool flag = false;
  std::uint64_t node = 0, a = 0, b = 0, c = 0, d = 0, e = 0;
};

// What a seed drew, fixed for its run (the network profile also changes during it).
struct Setup {
  double drop_max = 0, duplicate_max = 0, delay_max = 0;
  std::uint64_t delay_ticks_max = 1;
  double straggle = 0;  // drawn from the straggler generator
  std::uint64_t straggle_ticks_max = 1;
  bool reorder = false, codec = false;
  double crash_rate = 0;
  std::uint64_t down_ticks_max = 1;
  double pause_rate = 0;
  double partition_rate = 0;
  std::uint64_t partition_ticks_max = 1;
  bool split = false;
  std::uint64_t disk_delay_max = 0;
  double disk_stall = 0;
  double propose_rate = 0, read_rate = 0;
  std::uint64_t burst_max = 1, pad_max = 0;
  std::size_t outstanding_max = 1;  // proposals the clients wait on at once
  // Connection-loss hints (Driver::report_unreachable): whether a crash is reported to the
  // nodes that were connected to the victim, as a closed TCP connection tells the runtime,
  // and how often a node gets a wrong hint about a peer that is alive.
  bool reports_lost_peers = false;
  double wrong_hint_rate = 0;
  bool batching = false;  // some nodes run their driver batched (Driver::set_batching)
  // Storage (drawn from the disk generator): FileStorage on a SimDisk, or MemoryStorage.
  bool file_storage = false;
  std::uint64_t segment_bytes_max = 0;
  double disk_fault_rate = 0;  // per write and per sync, during the fault phase
  bool clock_drift = false;    // nodes' clocks tick at different rates (clock generator)
  double transfer_rate = 0;    // per tick: the leader hands over (transfer generator)
  // Membership changes (membership generator): per tick, the leader adds a learner, promotes
  // one or removes a member; spare nodes beyond the founding ones start outside the cluster.
  double membership_rate = 0;
  std::size_t spares = 0;
  // Snapshots (snapshot generator): Config::snapshot_* are drawn into `base`.
  raft::Config base;  // id, peers and seed are set per node
};

const char* partition_name(std::uint8_t kind) {
  static constexpr std::array<const char*, 7> names = {
      "leader isolated", "node isolated",      "minority/majority split",
      "one-way links",   "leader cannot hear", "leader cannot speak",
      "links cut"};
  return kind < names.size() ? names[kind] : "?";
}

constexpr std::uint64_t membership_stream = 0x6d65'6d62'6572'0000ULL;

// Nodes a seed runs beyond the founding voters: they start outside the configuration and
// join when a leader adds them. Drawn apart from everything else, before the network and
// the checker are made for the whole set of nodes.
std::size_t spare_nodes(std::uint64_t seed) {
  SimRandom r(mix64(seed ^ membership_stream ^ 1));
  return r.pick<std::size_t>({0, 0, 1, 2});
}

class Simulator {
 public:
  explicit Simulator(const SimOptions& options)
      : options_(options),
        random_(options.seed),
        // Streams of their own, so that seeds drawing no hints replay as they did before
        // hints, and seeds with MemoryStorage and no clock drift as they did before disks.
        hint_random_(mix64(options.seed ^ 0x6869'6e74'7300'0000ULL)),
        disk_random_(mix64(options.seed ^ 0x6469'736b'0000'0000ULL)),
        clock_random_(mix64(options.seed ^ 0x636c'6f63'6b00'0000ULL)),
        probe_random_(mix64(options.seed ^ 0x7072'6f62'6500'0000ULL)),
        straggler_random_(mix64(options.seed ^ 0x7374'7261'6700'0000ULL)),
        transfer_random_(mix64(options.seed ^ 0x7472'616e'7366'0000ULL)),
        snapshot_random_(mix64(options.seed ^ 0x736e'6170'0000'0000ULL)),
        membership_random_(mix64(options.seed ^ membership_stream)),
        total_nodes_(options.nodes + spare_nodes(options.seed)),
        checker_(total_nodes_),
        network_(total_nodes_, random_, straggler_random_),
        transport_(network_, checker_) {}

  // The storages still open sync as they close; a run that failed in the fault phase must
  // not have that sync fail now, outside any feed().
  ~Simulator() {
    for (auto& node : nodes_) {
      if (node->disk) node->disk->set_fault_rate(0);
    }
  }
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  SimResult run() {
    SimResult result;
    draw_setup();
    for (std::uint64_t id = 1; id <= total_nodes_; ++id) {
      auto node = std::make_unique<SimNode>();
      node->id = id;
      node->mode =
          setup_.split && random_.chance(0.75) ? Driver::Mode::split : Driver::Mode::synchronous;
      node->is_batching = setup_.batching && hint_random_.chance(0.75);
      node->checked = std::make_unique<CheckedStorage>(node->mode == Driver::Mode::synchronous);
      if (node->mode == Driver::Mode::synchronous) {
        // The checker hashes what a compaction is about to discard (split mode: before
        // on_persisted(), where the driver compacts; a hook here would run under the
        // GuardedStorage's lock that the checker's reads take).
        node->checked->on_compact = [this, n = node.get()] {
          if (n->driver) checker_.check_log(n->id, n->driver->core(), false, true);
        };
      }
      if (setup_.file_storage) {
        node->disk = std::make_unique<SimDisk>(disk_random_);
        node->disk->set_fault_rate(setup_.disk_fault_rate);
      }
      if (setup_.clock_drift) node->tick_rate = clock_random_.pick({1.0, 0.95, 0.8, 0.6});
      nodes_.push_back(std::move(node));
    }
    result.setup = describe_setup();
    for (auto& node : nodes_) boot(*node);

    while (now_ < options_.ticks && !checker_.failed()) step(false);
    if (!checker_.failed()) quiet_period();

    result.ok = !checker_.failed();
    if (!result.ok) {
      result.failure = checker_.failure() + "\n" + cluster_status();
      result.trace = format_trace();
    }
    result.stats = stats();
    return result;
  }

 private:
  // ---- setup --------------------------------------------------------------------------

  void draw_setup() {
    Setup& s = setup_;
    s.drop_max = random_.pick({0.0, 0.01, 0.05, 0.2});
    s.duplicate_max = random_.pick({0.0, 0.02, 0.1});
    s.delay_max = random_.pick({0.0, 0.1, 0.5});
    s.delay_ticks_max = random_.pick<std::uint64_t>({1, 3, 10});
    s.reorder = random_.chance(0.5);
    s.codec = random_.chance(0.1);
    s.crash_rate = random_.pick({0.0, 0.002, 0.005, 0.01});
    s.down_ticks_max = random_.pick<std::uint64_t>({5, 30, 100});
    s.pause_rate = random_.pick({0.0, 0.003});
    s.partition_rate = random_.pick({0.0, 0.005, 0.02});
    s.partition_ticks_max = random_.pick<std::uint64_t>({20, 100, 300});
    s.split = random_.chance(0.5);
    s.disk_delay_max = random_.pick<std::uint64_t>({0, 1, 3, 10});
    s.disk_stall = random_.pick({0.0, 0.02});
    s.propose_rate = random_.pick({0.1, 0.5, 1.0});
    s.read_rate = random_.pick({0.05, 0.3});
    s.burst_max = random_.pick<std::uint64_t>({1, 3});
    s.pad_max = random_.pick<std::uint64_t>({0, 100});
    s.outstanding_max = random_.pick<std::size_t>({16, 256});

    raft::Config& c = s.base;
    c.election_timeout_ticks = random_.pick({10, 10, 16, 6});
    c.heartbeat_ticks = random_.pick({1, 1, 2});
    c.pre_vote = random_.chance(0.8);
    c.check_quorum = random_.chance(0.8);
    c.append_entries_max = random_.pick<std::size_t>({64, 4, 1});
    c.inflight_max = random_.pick<std::size_t>({8, 2, 1});
    c.append_bytes_max = random_.pick<std::size_t>({1 << 20, 64});
    c.uncommitted_bytes_max = random_.pick<std::size_t>({8 << 20, 512});
    c.reads_pending_max = random_.pick<std::size_t>({4096, 8});
    c.proposals_pending_max = random_.pick<std::size_t>({65536, 16});
    c.messages_max = random_.pick<std::size_t>({4096, 4096, 32});
    redraw_weather();
    s.reports_lost_peers = hint_random_.chance(0.5);
    s.wrong_hint_rate = s.reports_lost_peers ? hint_random_.pick({0.0, 0.0, 0.002, 0.02}) : 0.0;
    s.batching = hint_random_.chance(0.5);
    s.file_storage = disk_random_.chance(0.75);
    s.segment_bytes_max = disk_random_.pick<std::uint64_t>({1024, 16384, std::uint64_t{64} << 20});
    s.disk_fault_rate = disk_random_.pick({0.0, 0.0002, 0.001});
    s.clock_drift = clock_random_.chance(0.5);
    s.straggle = straggler_random_.pick({0.0, 0.0, 0.001, 0.01});
    s.straggle_ticks_max = straggler_random_.pick<std::uint64_t>({50, 500});
    s.transfer_rate = transfer_random_.pick({0.0, 0.0, 0.002, 0.01});
    c.snapshot_entries = snapshot_random_.pick<std::uint64_t>({0, 0, 3, 10, 50});
    c.snapshot_log_bytes = snapshot_random_.pick<std::uint64_t>({0, 0, 300});
    c.snapshot_keep_entries = snapshot_random_.pick<std::uint64_t>({0, 2, 20});
    c.snapshot_chunk_bytes = snapshot_random_.pick<std::size_t>({1 << 20, 16, 50});
    c.snapshot_chunks_inflight = snapshot_random_.pick<std::size_t>({4, 1, 2});
    s.spares = total_nodes_ - options_.nodes;
    s.membership_rate = s.spares > 0 ? membership_random_.pick({0.003, 0.01})
                                     : membership_random_.pick({0.0, 0.0, 0.003});
  }

  // The network's mood changes now and then within the seed's bounds.
  void redraw_weather() {
    NetworkProfile p;
    p.drop = setup_.drop_max * static_cast<double>(random_.below(1001)) / 1000.0;
    p.duplicate = setup_.duplicate_max * static_cast<double>(random_.below(1001)) / 1000.0;
    p.delay = setup_.delay_max * static_cast<double>(random_.below(1001)) / 1000.0;
    p.delay_ticks_max = setup_.delay_ticks_max;
    p.straggle = setup_.straggle;
    p.straggle_ticks_max = setup_.straggle_ticks_max;
    p.reorder = setup_.reorder;
    p.codec = setup_.codec;
    network_.set_profile(p);
  }

  std::string describe_setup() const {
    const Setup& s = setup_;
    const raft::Config& c = s.base;
    char line[1024];
    std::snprintf(
        line, sizeof line,
        "drop<=%.2f dup<=%.2f delay<=%.1f(%llu ticks)%s%s crash=%.3f down<=%llu "
        "pause=%.3f partition=%.3f(<=%llu ticks) disk=%s(delay<=%llu stall=%.2f) "
        "propose=%.1f(x%llu) "
        "read=%.2f pad<=%llu | election=%d heartbeat=%d pre_vote=%d check_quorum=%d "
        "append_max=%zu inflight=%zu append_bytes=%zu uncommitted_bytes=%zu reads_max=%zu "
        "proposals_max=%zu messages_max=%zu%s wrong_hints=%.3f%s transfer=%.3f "
        "snapshot(entries=%llu bytes=%llu keep=%llu chunk=%zu x%zu) membership=%.3f(+%zu)",
        s.drop_max, s.duplicate_max, s.delay_max,
        static_cast<unsigned long long>(s.delay_ticks_max), s.reorder ? " reorder" : "",
        s.codec ? " codec" : "", s.crash_rate, static_cast<unsigned long long>(s.down_ticks_max),
        s.pause_rate, s.partition_rate, static_cast<unsigned long long>(s.partition_ticks_max),
        s.split ? "split" : "sync", static_cast<unsigned long long>(s.disk_delay_max), s.disk_stall,
        s.propose_rate, static_cast<unsigned long long>(s.burst_max), s.read_rate,
        static_cast<unsigned long long>(s.pad_max), c.election_timeout_ticks, c.heartbeat_ticks,
        c.pre_vote ? 1 : 0, c.check_quorum ? 1 : 0, c.append_entries_max, c.inflight_max,
        c.append_bytes_max, c.uncommitted_bytes_max, c.reads_pending_max, c.proposals_pending_max,
        c.messages_max, s.reports_lost_peers ? " lost_peer_hints" : "", s.wrong_hint_rate,
        s.batching ? " batching" : "", s.transfer_rate,
        static_cast<unsigned long long>(c.snapshot_entries),
        static_cast<unsigned long long>(c.snapshot_log_bytes),
        static_cast<unsigned long long>(c.snapshot_keep_entries), c.snapshot_chunk_bytes,
        c.snapshot_chunks_inflight, s.membership_rate, s.spares);
    std::string storage = s.file_storage
                              ? " | storage=file(segment<=" + std::to_string(s.segment_bytes_max) +
                                    " faults=" + std::to_string(s.disk_fault_rate) + ")"
                              : std::string(" | storage=memory");
    if (s.straggle > 0) {
      storage += " | stragglers=" + std::to_string(s.straggle).substr(0, 5) +
                 "(<=" + std::to_string(s.straggle_ticks_max) + " ticks)";
    }
    std::string modes = " | modes ";
    for (const auto& n : nodes_) modes += n->mode == Driver::Mode::split ? 'S' : 's';
    if (s.clock_drift) {
      modes += " | clock rates";
      for (const auto& n : nodes_) modes += " " + std::to_string(n->tick_rate).substr(0, 4);
    }
    return line + storage + modes;
  }

  raft::Config config_for(const SimNode& node) const {
    raft::Config c = setup_.base;
    c.id = NodeId{node.id};
    c.peers.clear();
    c.join = node.id > options_.nodes;  // a spare: a leader adds it, or not
    for (std::uint64_t p = 1; p <= options_.nodes && !c.join; ++p) {
      if (p != node.id) c.peers.push_back(NodeId{p});
    }
    c.seed = hash_combine(hash_combine(options_.seed, node.id), node.boots);
    return c;
  }

  // ---- nodes --------------------------------------------------------------------------

  static std::filesystem::path data_dir(const SimNode& node) {
    return "/node-" + std::to_string(node.id);
  }

  raft::FileStorageOptions file_options() {
    raft::FileStorageOptions o;
    o.segment_bytes_max = setup_.segment_bytes_max;
    o.on_disk_failure = [](const Error& failure) { throw NodeStopped{failure.message}; };
    o.on_notice = [this](const std::string& line) { notes_.push_back(line); };
    return o;
  }

  // Gives an input to a running node and carries out what it made ready. A disk failure
  // on the way stops the node in the middle of the call, where the replica would abort.
  template <class Input>
  void feed(SimNode& node, Input&& input, bool settles = true) {
    try {
      input();
      if (settles) settle(node);
    } catch (const NodeStopped& stopped) {
      notes_.push_back(stopped.failure);
      trace(TraceKind::disk_failure, node.id, false, notes_.size() - 1);
      ++disk_stops_;
      crash(node);
      return;
    }
    if (node.disk && node.checked->take_new_vote() && probe_random_.chance(0.25)) {
      check_durable(node);
    }
  }

  // What a crash now would give back: FileStorage's recovery from what the disk would keep
  // if every unsynced write were lost must hold everything the node was promised. Done
  // for a quarter of the votes a node is promised (a lost vote lets it vote twice; a
  // check costs a replay of its whole log), so a storage that answers before its data is
  // durable fails at once, without waiting for a crash to fall in the window and for Raft
  // to trip over the loss. Real crashes check the same at every restart (boot()).
  void check_durable(SimNode& node) {
    ++durability_checks_;
    const std::unique_ptr<SimDisk> image = node.disk->durable_copy(probe_random_);
    raft::FileStorageOptions o = file_options();
    o.on_notice = [](const std::string&) {};
    auto opened = raft::FileStorage::open(*image, data_dir(node), std::move(o));
    if (!opened) {
      checker_.fail("durable storage: a crash now would leave node " + std::to_string(node.id) +
                    " unable to open its write-ahead log: " + opened.error().code + ": " +
                    opened.error().message);
      return;
    }
    if (const std::string lost = node.checked->check(**opened); !lost.empty()) {
      checker_.fail("durable storage: after a crash now node " + std::to_string(node.id) +
                    " would have " + lost);
    }
  }

  void boot(SimNode& node) {
    if (node.boots > 0) trace(TraceKind::restart, node.id);
    raft::LogStorage* storage = &node.memory;
    if (node.disk) {
      // Recovery from whatever the disk kept: FileStorage::open is the replica's own.
      const std::size_t notes_before = notes_.size();
      auto opened = raft::FileStorage::open(*node.disk, data_dir(node), file_options());
      for (std::size_t i = notes_before; i < notes_.size(); ++i) {
        trace(TraceKind::storage_notice, node.id, false, i);
      }
      if (!opened) {
        if (opened.error().code != code::storage_unavailable) {
          checker_.fail("durable storage: node " + std::to_string(node.id) +
                        " cannot open its write-ahead log: " + opened.error().code + ": " +
                        opened.error().message);
          return;
        }
        // A write or sync of the recovery failed: the replica refuses to start, and is
        // started again later (the disk then holds whatever that attempt left).
        notes_.push_back(opened.error().message);
        trace(TraceKind::open_failed, node.id, false, notes_.size() - 1);
        ++failed_opens_;
        node.disk->crash();
        node.restart_at = now_ + random_.between(1, setup_.down_ticks_max);
        return;
      }
      node.file = std::move(*opened);
      if (node.file->tail_cut()) ++tail_cuts_;
      storage = node.file.get();
    }
    if (const std::string lost = node.checked->attach(*storage); !lost.empty()) {
      checker_.fail("durable storage: node " + std::to_string(node.id) +
                    " restarted from a crash and " + lost);
      return;
    }
    storage = node.checked.get();
    if (node.mode == Driver::Mode::split) {
      node.guarded = std::make_unique<raft::detail::GuardedStorage>(*storage);
      storage = node.guarded.get();
    }
    node.storage = storage;
    checker_.on_restart(node.id, *storage);
    node.machine = std::make_unique<SimMachine>(checker_, node.id);
    if (auto restored = raft::restore_from_storage(*storage, *node.machine); !restored) {
      checker_.fail("node " + std::to_string(node.id) +
                    " cannot restore its snapshot: " + restored.error().message);
      return;
    }
    node.driver = std::make_unique<Driver>(config_for(node), *node.storage, transport_,
                                           *node.machine, node.mode);
    node.driver->set_batching(node.is_batching);
    ++node.boots;
    feed(node, [] {});
  }

  // Power loss, or the process died: its memory is gone, the disk keeps what was synced
  // and what the crash draws of the rest. If a persist job was written but the driver not
  // yet told, its sync may be lost too (nobody relied on it): MemoryStorage::crash()'s
  // `tear_last_sync`, or SimDisk::crash() dropping the syncs it held.
  void crash(SimNode& node) {
    bool tear = false;
    if (node.disk) {
      // First, so that nothing the dying storage still does on its way out reaches the disk.
      tear = node.disk->crash();
    } else {
      tear = node.job && node.job->written && random_.chance(0.5);
    }
    trace(TraceKind::crash, node.id, tear);
    if (node.driver) {
      snapshots_saved_ += node.driver->status().snapshots_saved;
      snapshots_installed_ += node.driver->status().snapshots_installed;
    }
    node.driver.reset();
    node.machine.reset();
    node.job.reset();
    node.guarded.reset();
    node.checked->detach();
    node.file.reset();
    node.storage = nullptr;
    node.has_unsettled_input = false;
    node.proposals.clear();
    node.changes.clear();
    node.reads.clear();
    node.held.clear();
    node.paused_until = 0;
    if (!node.disk) node.memory.crash(tear);
    node.restart_at = now_ + random_.between(1, setup_.down_ticks_max);
    ++crashes_;
    if (tear) ++torn_syncs_;
    if (setup_.reports_lost_peers) {
      // The victim's connections close: most running peers notice at once.
      for (auto& other : nodes_) {
        if (other.get() == &node || !other->is_running(now_) || !hint_random_.chance(0.8)) {
          continue;
        }
        report_lost(*other, node.id);
      }
    }
  }

  void report_lost(SimNode& node, std::uint64_t peer) {
    trace(TraceKind::peer_lost, node.id, false, peer);
    feed(node, [&] { node.driver->report_unreachable(raft::NodeId{peer}); });
  }

  // After any call into a driver: takes its events, and in split mode hands its next
  // persist job to the simulated disk (finishing it at once when the disk is fast). Called
  // inside feed(): a write may fail.
  void settle(SimNode& node) {
    // A batching node's inputs since its last settle are carried out together, as the
    // runtime's flush does once per turn of its event loop.
    if (node.is_batching) node.driver->flush();
    node.has_unsettled_input = false;
    for (;;) {
      DriverEvents events = node.driver->take_events();
      handle_events(node, events);
      if (node.mode != Driver::Mode::split || node.job) return;
      std::optional<raft::PersistJob> job = node.driver->take_persist_job();
      if (!job) return;
      const std::uint64_t delay = disk_delay();
      if (delay == 0) {
        Driver::write_job(*node.storage, *job);
        node.checked->promise();
        if (job->save) checker_.check_log(node.id, node.driver->core(), false, true);
        node.driver->on_persisted(std::move(*job));
        continue;
      }
      node.job = DiskJob{std::move(*job), now_ + random_.below(delay), now_ + delay, false};
      return;
    }
  }

  std::uint64_t disk_delay() {
    if (quiet_) return random_.below(2);
    if (random_.chance(setup_.disk_stall)) return random_.between(10, 40);
    return random_.below(setup_.disk_delay_max + 1);
  }

  // Split mode's disk thread: what raft::Server's DiskWriter does on its own thread
  // (Driver::write_job through the GuardedStorage, then on_persisted on the driver's
  // thread), here spread over ticks. While the job is in flight its syncs are held: they
  // count only once the driver is told.
  void run_disks() {
    for (auto& n : nodes_) {
      SimNode& node = *n;
      if (!node.is_running(now_) || !node.job) continue;
      DiskJob& d = *node.job;
      if (!d.written && now_ >= d.write_at) {
        trace(TraceKind::disk_write, node.id);
        feed(
            node,
            [&] {
              if (node.disk) node.disk->hold_syncs();
              d.written = true;
              Driver::write_job(*node.storage, d.job);
            },
            false);
        if (!node.driver) continue;
      }
      if (d.written && now_ >= d.ack_at) {
        raft::PersistJob job = std::move(d.job);
        node.job.reset();
        trace(TraceKind::disk_done, node.id);
        if (node.disk) node.disk->release_syncs();
        node.checked->promise();
        if (job.save) checker_.check_log(node.id, node.driver->core(), false, true);
        feed(node, [&] { node.driver->on_persisted(std::move(job)); });
      }
    }
  }

  // Whether the proposal that ended at (index, term) was one of `node`'s membership changes
  // (forgotten now: it has no command for the checker to follow).
  static bool take_change(SimNode& node, raft::LogIndex index, raft::Term term) {
    auto it = node.changes.find(index.value);
    if (it == node.changes.end() || it->second != term.value) return false;
    node.changes.erase(it);
    return true;
  }

  void handle_events(SimNode& node, DriverEvents& events) {
    for (const raft::RoleChanged& change : events.role_changes) {
      trace(TraceKind::role, node.id, false, static_cast<std::uint64_t>(change.role),
            change.term.value, change.leader.value);
      checker_.on_role_change(node.id, change);
      if (change.leader.value != 0) believed_leader_ = change.leader.value;
    }
    for (const raft::ProposalCompleted& done : events.completed) {
      if (take_change(node, done.index, done.term)) continue;
      auto it = node.proposals.find(done.index.value);
      if (it == node.proposals.end() || it->second.term != done.term.value) {
        checker_.fail("a proposal at index " + std::to_string(done.index.value) +
                      " completed that node " + std::to_string(node.id) + " never accepted");
        return;
      }
      if (done.answer != it->second.command) {
        checker_.fail("the answer to '" + it->second.command + "' was '" + done.answer + "'");
        return;
      }
      trace(TraceKind::acked, node.id, false, done.index.value, done.term.value);
      checker_.on_write_acked(node.id, done.index, done.term, it->second.command);
      last_acked_ = {node.id, done.index.value};
      if (node.id == final_node_ && done.index.value == final_index_) final_acked_ = true;
      node.proposals.erase(it);
    }
    for (const raft::ProposalFailed& failed : events.failed) {
      if (take_change(node, failed.index, failed.term)) continue;
      auto it = node.proposals.find(failed.index.value);
      if (it == node.proposals.end() || it->second.term != failed.term.value) {
        checker_.fail("a proposal at index " + std::to_string(failed.index.value) +
                      " failed that node " + std::to_string(node.id) + " never accepted");
        return;
      }
      if (node.id == final_node_ && failed.index.value == final_index_) final_node_ = 0;
      node.proposals.erase(it);
    }
    for (std::uint64_t context : events.reads_ready) {
      auto it = node.reads.find(context);
      if (it == node.reads.end()) {
        checker_.fail("read " + std::to_string(context) + " answered twice or unasked");
        return;
      }
      trace(TraceKind::read_answered, node.id, false, context, node.machine->count(), it->second);
      checker_.on_read_answered(node.id, it->second, node.machine->count());
      node.reads.erase(it);
    }
    for (const raft::ReadFailed& failed : events.reads_failed) {
      if (node.reads.erase(failed.context) == 0) {
        checker_.fail("read " + std::to_string(failed.context) + " failed twice or unasked");
        return;
      }
    }
  }

  // ---- faults -------------------------------------------------------------------------

  SimNode* leader_node() {
    SimNode* found = nullptr;
    for (auto& n : nodes_) {
      if (!n->driver || n->driver->core().role() != Role::leader) continue;
      if (!found || n->driver->core().term() > found->driver->core().term()) found = n.get();
    }
    return found;
  }

  // A random node that is up (with `running`: and not paused), or null.
  SimNode* random_up_node(bool running) {
    std::vector<SimNode*> up;
    for (auto& n : nodes_) {
      if (running ? n->is_running(now_) : n->driver != nullptr) up.push_back(n.get());
    }
    return up.empty() ? nullptr : up[random_.below(up.size())];
  }

  void inject_faults() {
    if (setup_.wrong_hint_rate > 0 && hint_random_.chance(setup_.wrong_hint_rate)) {
      // A hint that is wrong: the peer is alive (a connection reset by a middlebox, say).
      SimNode& node = *nodes_[hint_random_.below(nodes_.size())];
      const std::uint64_t peer = 1 + hint_random_.below(nodes_.size());
      if (peer != node.id && node.is_running(now_)) report_lost(node, peer);
    }
    if (setup_.transfer_rate > 0 && transfer_random_.chance(setup_.transfer_rate)) {
      // A planned handover (a leader asked to stop): to the best follower or a named one.
      SimNode* leader = leader_node();
      if (leader && leader->is_running(now_)) {
        const std::uint64_t pick = transfer_random_.below(nodes_.size() + 1);
        const raft::NodeId target{pick == leader->id ? 0 : pick};
        bool accepted = false;
        feed(*leader, [&] { accepted = leader->driver->transfer_leadership(target).has_value(); });
        if (accepted) ++transfers_;
        trace(TraceKind::transfer, leader->id, accepted, target.value);
      }
    }
    if (setup_.membership_rate > 0 && membership_random_.chance(setup_.membership_rate)) {
      change_membership();
    }
    if (random_.chance(1.0 / 300)) redraw_weather();
    if (random_.chance(setup_.crash_rate)) {
      SimNode* leader = leader_node();
      SimNode* victim = leader && random_.chance(0.4) ? leader : random_up_node(false);
      if (victim) crash(*victim);
    }
    if (random_.chance(setup_.pause_rate)) {
      SimNode* leader = leader_node();
      SimNode* victim =
          leader && leader->is_running(now_) && random_.chance(0.5) ? leader : random_up_node(true);
      if (victim) {
        victim->paused_until = now_ + random_.between(5, 60);
        ++pauses_;
        trace(TraceKind::pause, victim->id, false, victim->paused_until);
      }
    }
    if (network_.is_partitioned()) {
      if (now_ >= partition_until_) {
        network_.heal();
        trace(TraceKind::heal, 0);
      }
    } else if (random_.chance(setup_.partition_rate)) {
      make_partition();
    }
  }

  // The leader adds a node outside its configuration as a learner, promotes a learner, or
  // removes a member other than itself (which may be down, cut off, or the only other voter);
  // a removed node keeps running and campaigning, and may be added again later.
  void change_membership() {
    SimNode* leader = leader_node();
    if (!leader || !leader->is_running(now_)) return;
    const raft::Membership& now = leader->driver->core().membership();
    std::vector<raft::MembershipChange> choices;
    for (const auto& node : nodes_) {
      const NodeId id{node->id};
      const raft::Member* member = now.find(id);
      if (member == nullptr) {
        choices.push_back({raft::MembershipChangeType::add_learner,
                           id,
                           "node-" + std::to_string(node->id) + ":7000",
                           {}});
      } else if (member->role == raft::MemberRole::learner) {
        choices.push_back({raft::MembershipChangeType::promote, id, {}, {}});
        choices.push_back({raft::MembershipChangeType::remove, id, {}, {}});
      } else if (node->id != leader->id) {
        choices.push_back({raft::MembershipChangeType::remove, id, {}, {}});
      }
    }
    if (choices.empty()) return;
    const raft::MembershipChange change = choices[membership_random_.below(choices.size())];
    bool accepted = false;
    feed(*leader, [&] {
      auto ticket = leader->driver->propose_membership(change);
      if (!ticket) return;
      accepted = true;
      leader->changes[ticket->index.value] = ticket->term.value;
    });
    if (accepted) ++membership_changes_;
    trace(TraceKind::membership, leader->id, accepted, static_cast<std::uint64_t>(change.type),
          change.id.value);
  }

  void make_partition() {
    const std::uint64_t n = nodes_.size();
    const auto kind = static_cast<std::uint8_t>(random_.below(7));
    SimNode* leader = leader_node();
    const std::uint64_t target = leader ? leader->id : random_.between(1, n);
    const auto cut = [&](std::uint64_t a, std::uint64_t b) {
      network_.block(a, b);
      network_.block(b, a);
    };
    switch (kind) {
      case 0:
      case 1: {
        const std::uint64_t victim = kind == 0 ? target : random_.between(1, n);
        for (std::uint64_t p = 1; p <= n; ++p) {
          if (p != victim) cut(victim, p);
        }
        break;
      }
      case 2: {
        std::vector<std::uint64_t> ids;
        for (std::uint64_t p = 1; p <= n; ++p) ids.push_back(p);
        for (std::size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[random_.below(i)]);
        const std::size_t minority = random_.between(1, n / 2);
        for (std::size_t i = 0; i < minority; ++i) {
          for (std::size_t j = minority; j < ids.size(); ++j) cut(ids[i], ids[j]);
        }
        break;
      }
      case 3:
      case 6: {
        const std::uint64_t links = random_.between(1, n);
        for (std::uint64_t i = 0; i < links; ++i) {
          const std::uint64_t a = random_.between(1, n);
          std::uint64_t b = random_.between(1, n - 1);
          if (b >= a) ++b;
          if (kind == 3) {
            network_.block(a, b);
          } else {
            cut(a, b);
          }
        }
        break;
      }
      default:
        for (std::uint64_t p = 1; p <= n; ++p) {
          if (p == target) continue;
          if (kind == 4) network_.block(p, target);
          if (kind == 5) network_.block(target, p);
        }
        break;
    }
    partition_until_ = now_ + random_.between(5, setup_.partition_ticks_max);
    ++partitions_;
    trace(TraceKind::partition, target, false, kind, partition_until_);
  }

  // ---- clients ------------------------------------------------------------------------

  SimNode* client_target() {
    if (believed_leader_ != 0 && random_.chance(0.8)) {
      SimNode& node = *nodes_[believed_leader_ - 1];
      if (node.is_running(now_)) return &node;
    }
    return random_up_node(true);
  }

  // Clients wait for their answers: at most outstanding_max proposals are pending at
  // once, as with real clients (a leader's own limits are exercised by the configs with
  // small uncommitted_bytes_max and proposals_pending_max).
  void clients() {
    if (random_.chance(setup_.propose_rate)) {
      const std::uint64_t count = random_.between(1, setup_.burst_max);
      for (std::uint64_t i = 0; i < count && outstanding() < setup_.outstanding_max; ++i) {
        if (SimNode* node = client_target()) propose(*node);
      }
    }
    if (random_.chance(setup_.read_rate)) {
      if (SimNode* node = client_target()) read(*node);
    }
  }

  std::size_t outstanding() const {
    std::size_t count = 0;
    for (const auto& node : nodes_) count += node->proposals.size();
    return count;
  }

  // Proposes a command no one proposed before; returns the index it went to, or 0.
  std::uint64_t propose(SimNode& node) {
    std::string command = "c" + std::to_string(++commands_);
    if (setup_.pad_max > 0) command.append(random_.below(setup_.pad_max + 1), '.');
    std::uint64_t index = 0;
    feed(node, [&] {
      auto ticket = node.driver->propose(command);
      if (ticket) {
        index = ticket->index.value;
        trace(TraceKind::propose, node.id, false, index, ticket->term.value, commands_);
        node.proposals[index] = PendingProposal{ticket->term.value, std::move(command)};
        ++proposals_;
      }
    });
    return node.driver ? index : 0;
  }

  void read(SimNode& node) {
    const std::uint64_t context = ++reads_;
    const std::uint64_t floor = checker_.read_floor();
    feed(node, [&] {
      if (node.driver->read_index(context)) {
        trace(TraceKind::read, node.id, false, context, floor);
        node.reads[context] = floor;
      }
    });
  }

  // ---- the run loop -------------------------------------------------------------------

  void step(bool quiet) {
    network_.set_now(now_);
    checker_.set_now(now_);
    if (!quiet) inject_faults();
    for (auto& node : nodes_) {
      if (!node->driver && node->restart_at <= now_) boot(*node);
    }
    run_disks();
    for (auto& node : nodes_) {
      if (!node->is_running(now_)) continue;
      // A slow clock lets some of the simulation's ticks pass without a tick of its own.
      if (node->tick_rate < 1 && !clock_random_.chance(node->tick_rate)) continue;
      feed(*node, [&] { node->driver->tick(); });
    }
    if (!quiet) {
      clients();
    } else if (final_node_ == 0 && !final_acked_) {
      if (SimNode* leader = leader_node()) {
        if (const std::uint64_t index = propose(*leader); index != 0) {
          final_node_ = leader->id;
          final_index_ = index;
          // A leader that is the only voter commits at once, within propose().
          if (last_acked_ == std::pair{leader->id, index}) final_acked_ = true;
        }
      }
    }
    deliver();
    for (auto& node : nodes_) {
      if (node->driver && node->has_unsettled_input) feed(*node, [] {});
    }
    check();
    ++now_;
  }

  void deliver() {
    // A resumed process first reads what waited for it while it was paused.
    for (auto& node : nodes_) {
      if (!node->is_running(now_) || node->held.empty()) continue;
      std::vector<Message> held = std::exchange(node->held, {});
      for (const Message& m : held) {
        if (node->is_running(now_)) hand_over(*node, m);
      }
    }
    for (int i = 0; i < deliveries_per_tick_max; ++i) {
      std::optional<Message> m = network_.next_due(now_);
      if (!m) return;
      SimNode& to = *nodes_[m->to.value - 1];
      if (!to.driver) continue;
      if (!to.is_running(now_)) {
        to.held.push_back(std::move(*m));
        continue;
      }
      hand_over(to, *m);
    }
  }

  void hand_over(SimNode& to, const Message& m) {
    trace(TraceKind::deliver, m.to.value, m.reject, m.from.value, m.term.value, m.index.value,
          m.entries.size(), m.commit.value, static_cast<std::uint8_t>(m.type));
    feed(
        to, [&] { to.driver->on_message(m); }, false);
    if (!to.driver) return;
    // A batching node often takes several messages before its flush, as the runtime does
    // when they arrive in one turn of its event loop; deliver() settles it at the end.
    if (to.is_batching && hint_random_.chance(0.5)) {
      to.has_unsettled_input = true;
    } else {
      feed(to, [] {});
    }
  }

  void check() {
    if (!network_.violation().empty()) checker_.fail(network_.violation());
    const bool full = now_ % 256 == 0;
    std::vector<SimNode*> deferred;
    for (auto& node : nodes_) {
      if (node->driver && !checker_.check_log(node->id, node->driver->core(), full, true)) {
        deferred.push_back(node.get());
      }
    }
    for (SimNode* node : deferred) checker_.check_log(node->id, node->driver->core(), true);
    for (auto& node : nodes_) {
      if (node->driver && node->driver->core().role() == Role::leader) {
        checker_.check_leader(node->id, node->driver->core());
      }
    }
  }

  // The faults stop: the network heals and calms down, every node comes back, disks are
  // fast and reliable, clocks run at one rate. A leader must then commit a new command
  // within liveness_ticks, and every node must converge on the same state, with every
  // request answered, within as many again.
  void quiet_period() {
    quiet_ = true;
    network_.heal();
    NetworkProfile calm = network_.profile();
    calm.drop = 0;
    calm.duplicate = 0;
    calm.delay = 0.05;
    calm.delay_ticks_max = 1;
    calm.straggle = 0;
    network_.set_profile(calm);
    trace(TraceKind::quiet, 0);
    for (auto& node : nodes_) {
      if (node->disk) node->disk->set_fault_rate(0);
      // Without pre-vote, slow clocks can keep the node with the longest log from ever
      // timing out: each failed campaign of the others resets its timer (seed 4811).
      node->tick_rate = 1;
      node->paused_until = 0;
      if (!node->driver) boot(*node);
    }
    if (checker_.failed()) return;  // a node could not recover its storage

    // Catching up runs at a rate the config sets (with one entry per AppendEntries and
    // one in flight, one entry per round trip), so both bounds grow with the backlog: the
    // entries the furthest node lacks, at a few ticks per entry.
    const std::uint64_t start = now_;
    const std::uint64_t commit_bound = options_.liveness_ticks + 4 * backlog();
    while (!final_acked_ && now_ - start < commit_bound && !checker_.failed()) step(true);
    if (checker_.failed()) return;
    if (!final_acked_) {
      checker_.fail("liveness: no command committed within " + std::to_string(commit_bound) +
                    " ticks after the faults stopped\n" + cluster_status());
      return;
    }
    const std::uint64_t bound = options_.liveness_ticks + 4 * backlog();
    const std::uint64_t acked = now_;
    while (!converged() && now_ - acked < bound && !checker_.failed()) step(true);
    if (!checker_.failed() && !converged()) {
      checker_.fail("liveness: the nodes did not converge within " + std::to_string(bound) +
                    " ticks of the last commit\n" + cluster_status());
    }
  }

  // How many entries the node furthest behind lacks of the longest log.
  std::uint64_t backlog() const {
    std::uint64_t longest = 0;
    std::uint64_t slowest = UINT64_MAX;
    for (const auto& node : nodes_) {
      const raft::Core& core = node->driver->core();
      longest = std::max(longest, core.log().last_index().value);
      slowest = std::min(slowest, core.applied().value);
    }
    return longest - std::min(longest, slowest);
  }

  // Every member of the leader's configuration has applied everything committed, and every
  // request is answered. Nodes outside it (spares never added, removed nodes) are left
  // behind, as a real cluster leaves them.
  bool converged() {
    const std::uint64_t commands = checker_.commands_applied();
    const std::uint64_t commit = checker_.committed_index();
    const SimNode* leader = leader_node();
    if (!leader) return false;
    const raft::Membership members = leader->driver->core().membership();
    for (const auto& node : nodes_) {
      if (!members.contains(NodeId{node->id})) continue;
      if (!node->driver || node->machine->count() != commands || !node->proposals.empty() ||
          !node->changes.empty() || !node->reads.empty() || node->job) {
        return false;
      }
      const raft::Core& core = node->driver->core();
      // Logs may still differ past the commit index (a stale uncommitted suffix is only
      // cut when a conflicting entry arrives), but committed and applied state may not.
      if (core.commit().value != commit || core.applied().value != commit) return false;
    }
    return true;
  }

  std::string cluster_status() const {
    std::string out;
    for (const auto& node : nodes_) {
      char line[256];
      if (!node->driver) {
        std::snprintf(line, sizeof line, "  node %llu: down\n",
                      static_cast<unsigned long long>(node->id));
      } else {
        const raft::Core& c = node->driver->core();
        std::string members;
        for (const raft::Member& m : c.membership().members) {
          members += (members.empty() ? "" : ",") + std::to_string(m.id.value) +
                     (m.role == raft::MemberRole::learner ? "L" : "");
        }
        std::snprintf(line, sizeof line,
                      "  node %llu: %s term %llu leader %llu last %llu commit %llu applied "
                      "%llu commands %llu proposals %zu reads %zu config {%s}@%llu%s\n",
                      static_cast<unsigned long long>(node->id),
                      std::string(raft::to_string(c.role())).c_str(),
                      static_cast<unsigned long long>(c.term().value),
                      static_cast<unsigned long long>(c.leader().value),
                      static_cast<unsigned long long>(c.log().last_index().value),
                      static_cast<unsigned long long>(c.commit().value),
                      static_cast<unsigned long long>(c.applied().value),
                      static_cast<unsigned long long>(node->machine->count()),
                      node->proposals.size(), node->reads.size(), members.c_str(),
                      static_cast<unsigned long long>(c.membership_index().value),
                      node->job ? " (disk busy)" : "");
      }
      out += line;
    }
    return out;
  }

  // ---- trace --------------------------------------------------------------------------

  void trace(TraceKind kind, std::uint64_t node, bool flag = false, std::uint64_t a = 0,
             std::uint64_t b = 0, std::uint64_t c = 0, std::uint64_t d = 0, std::uint64_t e = 0,
             std::uint8_t detail = 0) {
    trace_[trace_next_ % trace_events_max] =
        TraceEvent{now_, kind, detail, flag, node, a, b, c, d, e};
    ++trace_next_;
  }

  std::string format_trace() const {
    std::string out;
    const std::uint64_t first = trace_next_ > trace_events_max ? trace_next_ - trace_events_max : 0;
    for (std::uint64_t i = first; i < trace_next_; ++i) {
      const TraceEvent& t = trace_[i % trace_events_max];
      const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
      char line[512];
      switch (t.kind) {
        case TraceKind::deliver:
          std::snprintf(
              line, sizeof line,
              "%llu: %llu -> %llu %s term %llu index %llu entries %llu commit %llu%s", u(t.tick),
              u(t.a), u(t.node),
              std::string(raft::to_string(static_cast<raft::MessageType>(t.detail))).c_str(),
              u(t.b), u(t.c), u(t.d), u(t.e), t.flag ? " reject" : "");
          break;
        case TraceKind::crash:
          std::snprintf(line, sizeof line, "%llu: node %llu crashes%s", u(t.tick), u(t.node),
                        t.flag ? " (its last sync torn)" : "");
          break;
        case TraceKind::pause:
          std::snprintf(line, sizeof line, "%llu: node %llu pauses until %llu", u(t.tick),
                        u(t.node), u(t.a));
          break;
        case TraceKind::restart:
          std::snprintf(line, sizeof line, "%llu: node %llu restarts", u(t.tick), u(t.node));
          break;
        case TraceKind::partition:
          std::snprintf(line, sizeof line, "%llu: partition: %s (node %llu) until %llu", u(t.tick),
                        partition_name(static_cast<std::uint8_t>(t.a)), u(t.node), u(t.b));
          break;
        case TraceKind::heal:
          std::snprintf(line, sizeof line, "%llu: network healed", u(t.tick));
          break;
        case TraceKind::transfer:
          std::snprintf(line, sizeof line, "%llu: leader %llu hands over to %s%llu%s", u(t.tick),
                        u(t.node), t.a == 0 ? "the best follower" : "node ",
                        t.a == 0 ? 0ULL : u(t.a), t.flag ? "" : " (refused)");
          break;
        case TraceKind::membership:
          std::snprintf(
              line, sizeof line, "%llu: leader %llu proposes %s of node %llu%s", u(t.tick),
              u(t.node),
              std::string(raft::to_string(static_cast<raft::MembershipChangeType>(t.a))).c_str(),
              u(t.b), t.flag ? "" : " (refused)");
          break;
        case TraceKind::propose:
          std::snprintf(line, sizeof line, "%llu: node %llu accepts c%llu at index %llu term %llu",
                        u(t.tick), u(t.node), u(t.c), u(t.a), u(t.b));
          break;
        case TraceKind::acked:
          std::snprintf(line, sizeof line, "%llu: node %llu acknowledges index %llu term %llu",
                        u(t.tick), u(t.node), u(t.a), u(t.b));
          break;
        case TraceKind::read:
          std::snprintf(line, sizeof line, "%llu: node %llu starts read %llu (must see %llu)",
                        u(t.tick), u(t.node), u(t.a), u(t.b));
          break;
        case TraceKind::read_answered:
          std::snprintf(line, sizeof line,
                        "%llu: node %llu answers read %llu with %llu commands (must see %llu)",
                        u(t.tick), u(t.node), u(t.a), u(t.b), u(t.c));
          break;
        case TraceKind::role:
          std::snprintf(line, sizeof line, "%llu: node %llu is %s in term %llu (leader %llu)",
                        u(t.tick), u(t.node),
                        std::string(raft::to_string(static_cast<Role>(t.a))).c_str(), u(t.b),
                        u(t.c));
          break;
        case TraceKind::disk_write:
          std::snprintf(line, sizeof line, "%llu: node %llu disk writes and syncs", u(t.tick),
                        u(t.node));
          break;
        case TraceKind::disk_done:
          std::snprintf(line, sizeof line, "%llu: node %llu disk reports the sync done", u(t.tick),
                        u(t.node));
          break;
        case TraceKind::quiet:
          std::snprintf(line, sizeof line, "%llu: faults stop (quiet period)", u(t.tick));
          break;
        case TraceKind::peer_lost:
          std::snprintf(line, sizeof line, "%llu: node %llu hears its connection to %llu close",
                        u(t.tick), u(t.node), u(t.a));
          break;
        case TraceKind::disk_failure:
          std::snprintf(line, sizeof line, "%llu: node %llu stops: %s", u(t.tick), u(t.node),
                        notes_[t.a].c_str());
          break;
        case TraceKind::open_failed:
          std::snprintf(line, sizeof line, "%llu: node %llu cannot open its storage: %s", u(t.tick),
                        u(t.node), notes_[t.a].c_str());
          break;
        case TraceKind::storage_notice:
          std::snprintf(line, sizeof line, "%llu: node %llu recovery: %s", u(t.tick), u(t.node),
                        notes_[t.a].c_str());
          break;
      }
      out += line;
      out += '\n';
    }
    return out;
  }

  SimStats stats() const {
    SimStats s;
    s.ticks = now_;
    s.messages_delivered = network_.stats().delivered;
    s.messages_dropped = network_.stats().dropped;
    s.messages_duplicated = network_.stats().duplicated;
    s.messages_straggled = network_.stats().straggled;
    s.crashes = crashes_;
    s.torn_syncs = torn_syncs_;
    s.disk_stops = disk_stops_;
    s.failed_opens = failed_opens_;
    s.tail_cuts = tail_cuts_;
    s.durability_checks = durability_checks_;
    for (const auto& node : nodes_) {
      if (!node->disk) continue;
      const SimDiskStats& d = node->disk->stats();
      s.disk_write_faults += d.write_faults;
      s.disk_sync_faults += d.sync_faults;
      s.torn_writes += d.torn_writes;
      s.lost_writes += d.lost_writes;
    }
    s.pauses = pauses_;
    s.partitions = partitions_;
    s.transfers = transfers_;
    s.membership_changes = membership_changes_;
    s.snapshots_saved = snapshots_saved_;
    s.snapshots_installed = snapshots_installed_;
    for (const auto& node : nodes_) {
      if (!node->driver) continue;
      s.snapshots_saved += node->driver->status().snapshots_saved;
      s.snapshots_installed += node->driver->status().snapshots_installed;
    }
    s.leaders = checker_.leaders_elected();
    s.proposals = proposals_;
    s.acked_writes = checker_.acked_writes();
    s.reads_answered = checker_.reads_answered();
    s.committed = checker_.committed_index();
    return s;
  }

  SimOptions options_;
  SimRandom random_;
  SimRandom hint_random_;        // connection-loss hints only (see Setup)
  SimRandom disk_random_;        // the storage a seed draws, and everything its disks do
  SimRandom clock_random_;       // clock drift only
  SimRandom probe_random_;       // which votes check_durable() follows, and its disk copies
  SimRandom straggler_random_;   // stragglers only (see SimNetwork)
  SimRandom transfer_random_;    // leadership transfers only (see Setup)
  SimRandom snapshot_random_;    // snapshot settings only (see Setup)
  SimRandom membership_random_;  // membership changes only (see Setup)
  std::size_t total_nodes_;      // the founding voters and the spares
  SafetyChecker checker_;
  SimNetwork network_;
  CheckedTransport transport_;
  Setup setup_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::uint64_t now_ = 0;
  bool quiet_ = false;
  std::uint64_t partition_until_ = 0;
  std::uint64_t believed_leader_ = 0;
  std::uint64_t commands_ = 0;
  std::uint64_t reads_ = 0;
  std::uint64_t proposals_ = 0;
  std::uint64_t crashes_ = 0;
  std::uint64_t torn_syncs_ = 0;
  std::uint64_t disk_stops_ = 0;
  std::uint64_t failed_opens_ = 0;
  std::uint64_t tail_cuts_ = 0;
  std::uint64_t durability_checks_ = 0;
  std::vector<std::string> notes_;  // text the trace refers to: disk failures, recovery lines
  std::uint64_t pauses_ = 0;
  std::uint64_t transfers_ = 0;
  std::uint64_t membership_changes_ = 0;
  std::pair<std::uint64_t, std::uint64_t> last_acked_;  // the last write acknowledged: node, index
  // Of the drivers that crashed (running ones are counted in stats()).
  std::uint64_t snapshots_saved_ = 0;
  std::uint64_t snapshots_installed_ = 0;
  std::uint64_t partitions_ = 0;
  std::uint64_t final_node_ = 0;  // quiet period: where the liveness probe was proposed
  std::uint64_t final_index_ = 0;
  bool final_acked_ = false;
  std::array<TraceEvent, trace_events_max> trace_{};
  std::uint64_t trace_next_ = 0;
};

}  // namespace

SimResult run_simulation(const SimOptions& options) { return Simulator(options).run(); }

}  // namespace auction::test

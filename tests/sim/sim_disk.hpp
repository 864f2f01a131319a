// SimDisk: one simulated node's disk, an auction::Disk that forgets, tears and fails.
//
// Part of the deterministic Raft simulator (tests/sim). The simulator runs the real
// raft::FileStorage on it, so the write-ahead log, its recovery and the durability rules the
// driver relies on meet the faults a real disk can produce, within the model of
// auction/base/disk.hpp and no further:
//   - every file has what reads see and what survives a crash; a sync makes the first the
//     second. A crash keeps, per file, a random prefix of the writes made since its last
//     sync, and the last write kept may survive only in part, or as zeros (its size reached
//     the disk, its data did not): a torn record;
//   - a name created, renamed or removed survives a crash only once its directory is synced;
//     a crash keeps a random prefix of the unsynced name changes of each directory;
//   - at the rate set_fault_rate() gives, a write fails (after writing a random part of its
//     bytes) and a sync fails (after which the data may or may not be durable);
//   - while syncs are held (hold_syncs()), the newest sync returns at once but becomes
//     durable only when the next call begins or at release_syncs(): the simulator holds them
//     while a split-mode node's persist job is in flight, so that a crash before the driver
//     hears that the job finished may find its last sync still in progress and lose what
//     that sync would have made durable, which the storage contract allows since nobody
//     relied on it yet. Every earlier sync of the job had returned before the job's next
//     call, so it stays durable.
// Directories are created durable at once (the nodes' data directories exist before the
// first crash) and are never removed.
//
// Everything random is drawn from the SimRandom it is given, so a run replays exactly.
// Threading: none; used from the simulator's thread. Never: reads a clock, or loses a write
// that was synced before the crash.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auction/base/disk.hpp"
#include "sim_random.hpp"

namespace auction::test {

// What a disk did, for SimStats.
struct SimDiskStats {
  std::uint64_t write_faults = 0;  // failed writes and truncations (injected)
  std::uint64_t sync_faults = 0;   // failed syncs of files and directories (injected)
  std::uint64_t torn_writes = 0;   // crashes that left a write on disk in part, or as zeros
  std::uint64_t lost_writes = 0;   // unsynced writes, truncations and name changes a crash undid
};

class SimDisk final : public Disk {
 public:
  // `random` must outlive the disk.
  explicit SimDisk(SimRandom& random);
  ~SimDisk() override;
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  // Probability that one write or truncation, or one sync, fails; 0 (the start) never.
  void set_fault_rate(double per_call) { fault_rate_ = per_call; }

  // See the header comment. Precondition for hold_syncs(): not holding already.
  void hold_syncs();
  void release_syncs();
  bool is_holding_syncs() const { return is_holding_; }

  // The machine loses power, or the process dies and the kernel's unwritten pages with it:
  // what survives is drawn as described above. A sync being held is lost half the time, and
  // otherwise completed just before (an fsync that finished as the power went). Files opened before
  // the crash are dead from now on: their calls do nothing and succeed (the process that
  // called them no longer exists). The lock is released. Returns whether a sync being held
  // was lost.
  bool crash();

  // A disk that holds what this one would keep if the power went now and every write,
  // truncation and name change not yet synced were lost (a sync being held included),
  // with nothing open or locked: the simulator recovers a FileStorage from it to see what
  // a crash now would give back, without touching this disk. `random` must outlive it.
  std::unique_ptr<SimDisk> durable_copy(SimRandom& random) const;

  const SimDiskStats& stats() const { return stats_; }

  // Disk (auction/base/disk.hpp).
  Result<void> create_data_directory(const std::filesystem::path& dir) override;
  Result<std::unique_ptr<DirectoryLock>> lock_directory(const std::filesystem::path& dir) override;
  Result<std::vector<std::string>> list(const std::filesystem::path& dir) override;
  Result<std::unique_ptr<DiskFile>> open(const std::filesystem::path& file, OpenMode mode) override;
  Result<std::unique_ptr<FileContents>> read(const std::filesystem::path& file) override;
  Result<void> rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Result<void> remove(const std::filesystem::path& file) override;
  Result<void> sync_directory(const std::filesystem::path& dir) override;

 private:
  friend class SimFile;
  friend class SimLock;

  // A file's bytes. Open files hold it too, so a removed file stays usable until closed.
  struct Inode {
    struct Write {
      std::uint64_t seq = 0;
      bool is_truncate = false;
      std::uint64_t offset = 0;  // for a truncation: the new size
      std::string bytes;
    };
    std::string data;            // what reads see
    std::string durable;         // what a crash starts from
    std::deque<Write> unsynced;  // since the last sync, oldest first
    std::uint64_t next_seq = 0;
  };
  using Names = std::map<std::string, std::shared_ptr<Inode>>;
  struct Directory {
    struct Change {
      std::uint64_t seq = 0;
      std::vector<std::pair<std::string, std::shared_ptr<Inode>>> names;  // null: removed
    };
    Names names;                  // what listing sees
    Names durable;                // what a crash starts from
    std::deque<Change> unsynced;  // since the last sync, oldest first
    std::uint64_t next_seq = 0;
  };
  // A sync that returned while syncs were held and is not yet durable.
  struct HeldSync {
    std::shared_ptr<Inode> inode;  // or, when null, the directory `dir`
    std::string dir;
    std::uint64_t seq = 0;  // everything before it
  };

  bool draw_fault() { return fault_rate_ > 0 && random_.chance(fault_rate_); }
  void hold(HeldSync sync);
  void complete_held();
  Directory* find_directory(const std::filesystem::path& dir);
  void change_names(Directory& dir, Directory::Change change);
  static void apply(std::string& bytes, const Inode::Write& write);
  static void make_durable(Inode& inode, std::uint64_t before_seq);
  static void make_durable(Directory& dir, std::uint64_t before_seq);
  void crash_inode(Inode& inode);

  // Calls for a SimFile: `alive` is false once a crash has killed its process.
  Result<void> write_file(Inode& inode, const std::filesystem::path& path, std::uint64_t offset,
                          std::string_view bytes);
  Result<void> truncate_file(Inode& inode, const std::filesystem::path& path, std::uint64_t size);
  Result<void> sync_file(const std::shared_ptr<Inode>& inode, const std::filesystem::path& path,
                         const char* call);

  SimRandom& random_;
  double fault_rate_ = 0;
  std::map<std::string, Directory> directories_;  // by path
  std::set<std::string> locked_;                  // directories whose lock is held
  std::uint64_t generation_ = 0;                  // advanced by every crash
  bool is_holding_ = false;
  std::optional<HeldSync> held_;
  SimDiskStats stats_;
};

}  // namespace auction::test

// FileStorage: the durable write-ahead log of a Raft node, kept in a data directory.
//
// It implements LogStorage (log_storage.hpp): entries and the hard state are appended to
// segment files, and every entry is also held in memory so that reads never touch the disk.
// Opening a directory replays it; a torn record at the end of the newest segment (a crash in
// the middle of a write) is cut off, while damage anywhere else refuses to open, because
// dropping it could lose committed entries (Raft relies on a node never forgetting what it
// acknowledged: Figure 2, "updated on stable storage before responding to RPCs").
//
// All I/O goes through an auction::Disk (auction/base/disk.hpp): the machine's (PosixDisk)
// unless open() is given another, such as the simulator's faulty disk (tests/sim).
//
// Threading: not thread-safe, and not tied to any thread. One owner at a time: whoever holds
// the object may call anything on it, from any thread, as long as the hand-over between
// owners is synchronised (a mutex, a joined thread, a posted task). A driver may therefore
// run append() + sync() on an I/O thread while its own thread leaves the storage alone.
// Never: carry on after a failed write or fsync (it hands the failure to
// FileStorageOptions::on_disk_failure, which by default prints one line and aborts), or drop
// a record that is not the torn tail of the newest segment.
//
// ---------------------------------------------------------------------------------------
// On-disk format (version 1). All integers are little-endian.
//
// data_dir/LOCK                  flock()ed exclusively while open; holds the owner's pid.
// data_dir/log-<seq>.wal         segments; <seq> is a 20-digit decimal sequence number,
//                                1, 2, 3, ... with no gaps. Replayed in sequence order.
//
// Segments are named by sequence rather than by first index because truncation can move the
// next index below the first index of an older segment, so indexes do not order segments.
//
// A segment is a 16-byte header followed by records:
//   header:  [0..8)   magic "PPAPDWAL"
//            [8..12)  format version u32 = 1
//            [12..16) CRC32C of bytes [0..12) u32
//   record:  [0..4)   length u32: bytes of payload (not counting this 9-byte header)
//            [4..8)   CRC32C (Castagnoli) u32 over bytes [0..4) and [8..9+length)
//            [8]      type u8
//            [9..)    payload, `length` bytes
// Record types and payloads:
//   1 entry       term u64, index u64, entry type u8 (0 normal, 1 noop, 2 config), data
//   2 hard state  term u64, vote u64, has_vote u8 (0 or 1), commit u64      (25 bytes)
//   3 truncate    last kept index u64: entries after it are discarded          (8 bytes)
// Replay applies records in order: an entry must have index = last index + 1; a truncate
// must name an index in [first index - 1, last index]; the hard state is the last hard
// state record; an unknown record type is corruption, never skipped. After replay, a term
// above term_max or an index above log_index_max (types.hpp) is corruption too. Every new segment
// starts with a hard state record, so a segment never depends on older ones for it (room for
// compaction to delete old segments later).
//
// Writing: records go into a buffer; sync() writes the buffer at the end of the current
// segment and calls fdatasync() once (group commit). A segment is rolled before a record
// would take it past segment_bytes_max (a record bigger than that gets a segment to
// itself): the old segment is written out and fdatasync()ed, the new one is created with
// its header, fsync()ed, and the directory is fsync()ed.
//
// Recovery: see open().
// ---------------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auction/base/disk.hpp"
#include "auction/raft/log_storage.hpp"

namespace auction::raft {

namespace wal {
struct Record;  // a parsed record (private: src/raft/file_storage_format.hpp)
}

struct FileStorageOptions {
  // A segment is rolled before a record would take it past this size.
  std::uint64_t segment_bytes_max = std::uint64_t{64} << 20;
  // The largest record payload written or accepted on replay; a longer length field is
  // corruption. An entry's data may be up to this minus 17 bytes.
  std::uint32_t record_bytes_max = std::uint32_t{64} << 20;
  // Called when a write, sync or close fails while the storage runs (open() reports its
  // failures as values instead): the data may not be on disk, and the caller may already
  // have told peers that it is. It must not return: it ends the process, or throws to
  // unwind to whoever can treat this node as crashed (the simulator does; nothing in
  // between catches). Empty (the default): print `file_storage: fatal: <what failed>` to
  // stderr and abort. If it returns, the storage aborts.
  std::function<void(const Error& failure)> on_disk_failure = {};
  // Receives the one-line notices of recovery (a torn tail cut, a torn segment removed),
  // which tail_cut() also reports. Empty (the default): stderr, prefixed `file_storage: `.
  std::function<void(const std::string& line)> on_notice = {};
};

// What recovery cut off the newest segment: the remains of a write a crash interrupted.
struct TailCut {
  std::filesystem::path file;
  std::uint64_t offset = 0;     // where the damaged record began; the file now ends here
  std::uint64_t bytes_cut = 0;  // bytes removed from the end of the file
  std::string reason;           // why the record at `offset` was not intact
};

class FileStorage final : public LogStorage {
 public:
  // Opens (creating it and its parents if missing) the data directory `data_dir`, locks it
  // and replays its segments.
  // Recovery: a record that is incomplete, longer than record_bytes_max, or fails its
  // checksum is torn if it is in the newest segment and no intact record starts anywhere
  // after it (a search bounded in cost; past the bound, it is corruption): the file is
  // truncated just before it, one line naming the file and offset goes to on_notice
  // (stderr by default), and tail_cut() describes it. A newest segment whose header never made it
  // to disk whole is removed the same way. Anything else is corruption, an intact record of unknown
  // type or one that breaks a replay rule included. Precondition (a violation aborts):
  // segment_bytes_max > 50 and record_bytes_max >= 25, so that a segment holds its header and a
  // hard state record. Errors (values; no segment was changed unless a torn tail was cut):
  //   storage_unavailable  the directory cannot be created, opened, locked or written
  //                        (message: path and OS error)
  //   storage_locked       another open FileStorage (in any process) holds the directory
  //   storage_corrupt      a damaged or inconsistent record that is not a torn tail, a bad
  //                        segment header, or a missing segment (message: file and offset);
  //                        or a term or index past the bound 2^48 (types.hpp), which no
  //                        node could campaign or append past (message: the data directory,
  //                        e.g. "<dir>: the term 4611686018427387904 is beyond the bound 2^48")
  static Result<std::unique_ptr<FileStorage>> open(std::filesystem::path data_dir,
                                                   FileStorageOptions options = {});
  // The same on `disk`, which must outlive the storage (the other open() uses posix_disk()).
  static Result<std::unique_ptr<FileStorage>> open(Disk& disk, std::filesystem::path data_dir,
                                                   FileStorageOptions options = {});

  // Writes out and syncs anything still buffered, then releases the lock.
  ~FileStorage() override;

  FileStorage(const FileStorage&) = delete;
  FileStorage& operator=(const FileStorage&) = delete;

  HardState hard_state() const override;
  LogIndex first_index() const override;
  LogIndex last_index() const override;
  Result<Term> term(LogIndex index) const override;
  // Returns entries while their total data stays within bytes_max, and always the first;
  // a backwards range (lo > hi) is "unavailable".
  Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi,
                                     std::size_t bytes_max) const override;
  // Preconditions (violations abort): consecutive indexes starting in
  // [first_index(), last_index() + 1], terms never below the preceding entry's term, and
  // data no longer than record_bytes_max - 17 bytes.
  void append(std::span<const Entry> entries) override;
  void set_hard_state(const HardState& state) override;
  void sync() override;
  SnapshotMeta snapshot_meta() const override;
  Result<std::shared_ptr<const Snapshot>> snapshot() const override;
  void save_snapshot(std::shared_ptr<const Snapshot> snapshot) override;
  void install_snapshot(std::shared_ptr<const Snapshot> snapshot) override;
  void compact(LogIndex through) override;

  // What recovery cut off the newest segment, if anything.
  const std::optional<TailCut>& tail_cut() const { return tail_cut_; }

  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  FileStorage(Disk& disk, std::filesystem::path data_dir, FileStorageOptions options,
              std::unique_ptr<DirectoryLock> lock);

  // The disk failed under the running storage: see FileStorageOptions::on_disk_failure.
  [[noreturn]] void stop_on(const Error& failure);
  void notice(const std::string& line) const;

  Result<void> recover();
  // storage_corrupt if what was replayed holds a term or index past term_max /
  // log_index_max (types.hpp).
  Result<void> check_bounds() const;
  // Replays one segment; `newest` allows cutting a torn tail. Returns false if the segment
  // was removed (a newest segment whose header was torn).
  Result<bool> replay_segment(const std::filesystem::path& file, bool newest);
  Result<void> apply_record(const wal::Record& record);
  Result<void> open_segment_for_append(const std::filesystem::path& file);
  Result<void> create_segment(std::uint64_t seq);
  void roll_segment();
  void make_room(std::size_t record_bytes);  // rolls the segment if the record won't fit
  void after_record();                       // writes the buffer out once it is large
  void write_out();
  Term term_at(LogIndex index) const;  // precondition: first_index_ - 1 <= index <= last
  std::filesystem::path segment_path(std::uint64_t seq) const;

  Disk& disk_;
  std::filesystem::path data_dir_;
  FileStorageOptions options_;
  std::unique_ptr<DirectoryLock> lock_;

  // The segment being appended to. Invariant: segment_bytes_ is its size on disk, and
  // buffer_ holds whole records that follow it and have not been written yet.
  std::unique_ptr<DiskFile> segment_;
  std::uint64_t segment_seq_ = 0;
  std::uint64_t segment_bytes_ = 0;
  std::string buffer_;
  bool needs_sync_ = false;  // bytes were written since the last fdatasync

  // The log in memory. Invariant: entries_[i].index == first_index_ + i. first_index_ stays
  // 1 and prev_term_ 0 until snapshots compact the log. A deque, not a vector: growing a
  // vector of millions of entries moves them all at once, and append() does that under the
  // lock the driver's thread reads through (guarded_storage.hpp) -- a pause long enough,
  // on a busy machine, for the followers to elect a new leader.
  std::deque<Entry> entries_;
  LogIndex first_index_{1};
  Term prev_term_{0};  // term of the entry at first_index_ - 1
  HardState hard_state_;

  std::optional<TailCut> tail_cut_;
};

}  // namespace auction::raft

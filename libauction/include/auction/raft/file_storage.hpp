// FileStorage: the durable write-ahead log of a Raft node and its latest snapshot, kept in a
// data directory.
//
// It implements LogStorage (log_storage.hpp): entries and the hard state are appended to
// segment files, a snapshot goes to a file of its own, and every entry held and the snapshot
// are also kept in memory so that reads never touch the disk. Opening a directory replays
// it; a torn record at the end of the newest segment (a crash in the middle of a write) is
// cut off, while damage anywhere else refuses to open, because dropping it could lose
// committed entries (Raft relies on a node never forgetting what it acknowledged: Figure 2,
// "updated on stable storage before responding to RPCs").
//
// All I/O goes through an auction::Disk (auction/base/disk.hpp): the machine's (PosixDisk)
// unless open() is given another, such as the simulator's faulty disk (tests/sim).
//
// Threading: not thread-safe, and not tied to any thread. One owner at a time: whoever holds
// the object may call anything on it, from any thread, as long as the hand-over between
// owners is synchronised (a mutex, a joined thread, a posted task). A driver may therefore
// run append() + sync() on an I/O thread while its own thread leaves the storage alone.
// GuardedStorage (src/raft/guarded_storage.hpp) relies on more, which this class keeps:
// sync() changes nothing a reader sees (hard_state, first/last index, term, entries,
// snapshot_meta, snapshot) and touches nothing the other writers leave for readers, so it
// may run without the readers' mutex; save_snapshot() and install_snapshot() change memory
// and the buffer (the snapshot's file is written by the next sync(), or by a segment roll or
// a full buffer an append() causes on the way; an install itself neither rolls nor writes),
// so they are quick under that mutex; compact() changes memory and picks old segments, whose
// files the next sync() removes, and must not run while a write (sync() included) is under
// way.
// Never: carry on after a failed write or fsync (it hands the failure to
// FileStorageOptions::on_disk_failure, which by default prints one line and aborts), drop a
// record that is not the torn tail of the newest segment, or let the log say durably that
// a prefix was discarded before the snapshot that replaces it is durable.
//
// ---------------------------------------------------------------------------------------
// On-disk format (segment version 2, snapshot version 1). All integers are little-endian.
//
// data_dir/LOCK                  flock()ed exclusively while open; holds the owner's pid.
// data_dir/log-<seq>.wal         segments; <seq> is a 20-digit decimal sequence number,
//                                contiguous (no gaps); the first one is 1 until compaction
//                                removes old segments. Replayed in sequence order.
// data_dir/snapshot-<index>.snap the latest snapshot; <index> (20 digits) is its index. An
//                                older one is a leftover that the next snapshot removes.
// data_dir/snapshot.tmp          a snapshot being written; removed by open().
//
// Segments are named by sequence rather than by first index because truncation can move the
// next index below the first index of an older segment, so indexes do not order segments.
//
// A segment is a 16-byte header followed by records:
//   header:  [0..8)   magic "PPAPDWAL"
//            [8..12)  format version u32 = 2 (1 is still read: see below)
//            [12..16) CRC32C of bytes [0..12) u32
//   record:  [0..4)   length u32: bytes of payload (not counting this 9-byte header)
//            [4..8)   CRC32C (Castagnoli) u32 over bytes [0..4) and [8..9+length)
//            [8]      type u8
//            [9..)    payload, `length` bytes
// Record types and payloads:
//   1 entry       term u64, index u64, entry type u8 (0 normal, 1 noop, 2 config), data
//   2 hard state  term u64, vote u64, has_vote u8 (0 or 1), commit u64      (25 bytes)
//   3 truncate    last kept index u64: entries after it are discarded          (8 bytes)
//   4 log_start   index u64, term u64: the log continues after the entry       (16 bytes)
//                 (index, term)
// Replay applies records in order, starting from an empty log (first index 1, term of index
// 0 is 0): an entry must have index = last index + 1 and a term no lower than the entry
// before it; a truncate must name an index in [first index - 1, last index] (or below, if
// the snapshot covers it: a crash between two of compaction's removals can leave first a
// segment whose truncate reaches into a removed one; the log then continues after that
// index, and after the snapshot if that is higher); a log_start
// whose (index, term) is the last entry held (or, with none held, first index - 1 and its
// term) changes nothing, and any other discards every entry held and makes index + 1 the
// first index and term the term before it; a log_start must have index and term within
// log_index_max and term_max, and index 0 only with term 0; the hard state is the last hard
// state record; an unknown record type, or a log_start in a version-1 segment, is
// corruption, never skipped. After replay, a term above term_max or an index above
// log_index_max (types.hpp), in the log, the hard state or the snapshot, is corruption too.
//
// Every new segment opens with a hard state record (the current one) and a log_start record
// naming the last entry (last index and its term), so replaying from any segment on gives
// the same log after that point and the same hard state: that is what lets compaction
// delete older segments. install_snapshot() writes a log_start too. A version-1 segment (no
// log_start records; written before snapshots existed) is read as before, and the first
// segment of a directory, if it is version 1, starts the log at index 1; open() never
// appends to one but starts a new segment.
//
// A snapshot file is a 44-byte header followed by the snapshot's data:
//   [0..8)   magic "PPAPDSNP"
//   [8..12)  format version u32 = 1
//   [12..20) index u64
//   [20..28) term u64
//   [28..36) data length u64
//   [36..40) CRC32C of the data u32 (Snapshot::checksum)
//   [40..44) CRC32C of bytes [0..40) u32
//   [44..)   data, exactly `data length` bytes (the file ends there)
//
// Writing: records go into a buffer; sync() writes the buffer at the end of the current
// segment and calls fdatasync() once (group commit). A segment is rolled before a record
// would take it past segment_bytes_max (a record bigger than that gets a segment to
// itself): the old segment is written out and fdatasync()ed, the new one is created with
// its header, fsync()ed, and the directory is fsync()ed.
//
// Snapshots: save_snapshot() and install_snapshot() keep the snapshot in memory at once (an
// install also empties the log and buffers a log_start naming the snapshot). Whatever next
// writes the buffer out (sync(), a segment roll, a buffer past 1 MiB) first writes the
// snapshot: snapshot.tmp is created (or emptied), written, fsync()ed, renamed to
// snapshot-<index>.snap, the directory fsync()ed; then older snapshot files are removed and
// the directory fsync()ed again. So a snapshot file is never partial, and the log_start of
// an install never reaches the disk before the snapshot it relies on is durable.
//
// Compaction: compact(through) drops entries up to `through` from memory, and the next
// sync() removes the oldest segments that no replay needs any more: never the current one, each holding no
// entry or log_start above `through`, such that the first segment left opens with a
// log_start at or below `through` and no truncate record in the segments left reaches below
// it. Segments are removed oldest first, the directory fsync()ed after each (a crash may
// keep any part of unsynced name changes, and a hole in the sequence is refused), and none
// while the current segment's opening records are not yet synced (they would be the only
// copy of the hard state). A reopened log may therefore start below through + 1: entries at
// or below the snapshot that a kept segment holds are kept.
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
  // A restart replays every segment kept, so their size bounds the log a restart reads
  // beyond the entries since the last snapshot (compaction removes whole segments only).
  std::uint64_t segment_bytes_max = std::uint64_t{16} << 20;
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
  // Opens (creating it and its parents if missing) the data directory `data_dir`, locks it,
  // loads its snapshot and replays its segments.
  // Recovery, in order:
  //   - the newest snapshot-<index>.snap (by index) is read whole and checked: header
  //     checksum, version, the index its name says, a file length of exactly header plus
  //     data, the data's checksum. Any failure is corruption naming the file; an older
  //     snapshot file is never used instead (the log may be compacted past it).
  //   - the segments are replayed. A record that is incomplete, longer than
  //     record_bytes_max, or fails its checksum is torn if it is in the newest segment and no
  //     intact record starts anywhere after it (a search bounded in cost; past the bound, it
  //     is corruption): the file is truncated just before it, one line naming the file and
  //     offset goes to on_notice (stderr by default), and tail_cut() describes it. A newest
  //     segment whose header never made it to disk whole is removed the same way. Anything
  //     else is corruption, an intact record of unknown type or one that breaks a replay
  //     rule included.
  //   - the log is fitted to the snapshot (S, T). Without a snapshot the log must start at
  //     index 1. With one: if the log holds S with term T, it is kept as it is (entries at
  //     or below S included: they let a leader catch up a follower without a snapshot); if
  //     it starts after S + 1, entries are missing: corruption; otherwise (it ends before S,
  //     or its term at S differs: a crash after an installed snapshot's file was durable and
  //     before its log_start was) the log is discarded, starts after S, and a log_start(S, T)
  //     is buffered (durable at the next sync()).
  //   - only then is anything changed: snapshot.tmp is removed, the directory fsync()ed when
  //     a snapshot was loaded (its name might not be durable if the last owner was killed
  //     right after the rename), the newest segment fdatasync()ed (a killed process leaves
  //     unsynced records that replay read), and new records go to it, or to a new segment if
  //     it is version 1 (a log_start is buffered if its own was lost to a crash).
  // Precondition (a violation aborts): segment_bytes_max > 75 and record_bytes_max >= 25, so
  // that a segment holds its header and its opening hard state and log_start records.
  // Errors (values; no segment was changed unless a torn tail was cut):
  //   storage_unavailable  the directory cannot be created, opened, locked or written
  //                        (message: path and OS error)
  //   storage_locked       another open FileStorage (in any process) holds the directory
  //   storage_corrupt      a damaged or inconsistent record that is not a torn tail, a bad
  //                        segment header, or a missing segment (message: file and offset);
  //                        a damaged snapshot file (message: the file and what is wrong);
  //                        a log that does not reach back to its snapshot, or to index 1
  //                        without one (message: the data directory and the indexes);
  //                        or a term or index past the bound 2^48 (types.hpp), which no
  //                        node could campaign or append past (message: the data directory,
  //                        e.g. "<dir>: the term 4611686018427387904 is beyond the bound 2^48")
  static Result<std::unique_ptr<FileStorage>> open(std::filesystem::path data_dir,
                                                   FileStorageOptions options = {});
  // The same on `disk`, which must outlive the storage (the other open() uses posix_disk()).
  static Result<std::unique_ptr<FileStorage>> open(Disk& disk, std::filesystem::path data_dir,
                                                   FileStorageOptions options = {});

  // Writes out and syncs anything still buffered (segments compaction picked stay on disk),
  // then releases the lock.
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
  // The snapshot is in memory at once; its file is written by the next sync() (see
  // "Snapshots" above). A snapshot whose checksum does not match its data aborts there.
  void save_snapshot(std::shared_ptr<const Snapshot> snapshot) override;
  void install_snapshot(std::shared_ptr<const Snapshot> snapshot) override;
  // Also picks the segment files no replay needs any more, which the next sync() removes
  // (see "Compaction" above); a failed removal or directory sync goes to on_disk_failure
  // like a failed write.
  void compact(LogIndex through) override;

  // What recovery cut off the newest segment, if anything.
  const std::optional<TailCut>& tail_cut() const { return tail_cut_; }

  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  // What the storage knows of one segment file, from replay and from its own writes; it is
  // what compact() needs to tell which old segments no replay can depend on any more.
  struct SegmentInfo {
    std::uint64_t seq = 0;
    std::uint32_t format_version = 0;
    // The index its opening log_start record names (a log_start before any entry or
    // truncate record): replaying the segments from this one on, without the older ones,
    // gives the same log after that index. None for a version-1 segment.
    std::optional<LogIndex> start;
    // The highest index an entry or log_start record in it names (0: none).
    LogIndex max_index{0};
    // The lowest index a truncate record in it keeps (none: no truncate record).
    std::optional<LogIndex> min_truncate;
  };

  FileStorage(Disk& disk, std::filesystem::path data_dir, FileStorageOptions options,
              std::unique_ptr<DirectoryLock> lock);

  // The disk failed under the running storage: see FileStorageOptions::on_disk_failure.
  [[noreturn]] void stop_on(const Error& failure);
  void notice(const std::string& line) const;

  Result<void> recover();
  // Reads, checks and keeps (snapshot_) the snapshot file `file`, named for `index`.
  Result<void> load_snapshot(const std::filesystem::path& file, LogIndex index);
  // storage_corrupt if what was replayed holds a term or index past term_max /
  // log_index_max (types.hpp).
  Result<void> check_bounds() const;
  // Fits the replayed log to the loaded snapshot (see open()); true if it discarded the log.
  Result<bool> reconcile_with_snapshot();
  // Replays one segment; `newest` allows cutting a torn tail. Returns false if the segment
  // was removed (a newest segment whose header was torn); otherwise it is in segments_.
  Result<bool> replay_segment(const std::filesystem::path& file, std::uint64_t seq, bool newest);
  Result<void> apply_record(const wal::Record& record);
  Result<void> open_segment_for_append(const std::filesystem::path& file);
  Result<void> create_segment(std::uint64_t seq);
  void roll_segment();
  void make_room(std::size_t record_bytes);  // rolls the segment if the record won't fit
  void after_record();                       // writes the buffer out once it is large
  // Buffers a log_start record naming the entry before first_index_. With `may_write`
  // false it neither rolls the segment nor writes the buffer out (both may write a pending
  // snapshot's file): install_snapshot() runs where readers wait.
  void append_log_start_record(bool may_write = true);
  void write_out();
  // Writes snapshot_to_write_, if any, to its file (durably) and removes older ones.
  void write_pending_snapshot();
  // Picks the oldest segments that compact(through) made useless (see compact()) for
  // removal; remove_pending_segments(), from sync(), removes their files.
  void remove_compacted_segments(LogIndex through);
  void remove_pending_segments();
  // sync() without the removals: writes the buffer (and a pending snapshot) and fdatasyncs.
  void write_and_sync();
  Term term_at(LogIndex index) const;  // precondition: first_index_ - 1 <= index <= last
  std::filesystem::path segment_path(std::uint64_t seq) const;
  std::filesystem::path snapshot_path(LogIndex index) const;

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
  // The current segment's opening records (hard state, log_start) are durable, so older
  // segments are no longer needed for them: compact() removes no segment until they are.
  bool segment_head_synced_ = false;
  // Every segment file, oldest first; the last one is the current segment.
  std::vector<SegmentInfo> segments_;
  // Segments compact() dropped, removed from disk by the next sync() (oldest first).
  std::vector<std::uint64_t> segments_to_remove_;

  // The log in memory. Invariant: entries_[i].index == first_index_ + i. first_index_ is 1
  // and prev_term_ 0 until a snapshot lets compact() or install_snapshot() discard a prefix.
  // A deque, not a vector: growing a vector of millions of entries moves them all at once,
  // and append() does that under the lock the driver's thread reads through
  // (guarded_storage.hpp) -- a pause long enough, on a busy machine, for the followers to
  // elect a new leader.
  std::deque<Entry> entries_;
  LogIndex first_index_{1};
  Term prev_term_{0};  // term of the entry at first_index_ - 1
  // False only during replay, after a truncate reached below the oldest segment kept (see
  // apply_record): reconcile_with_snapshot() restores it.
  bool is_prev_term_known_ = true;
  HardState hard_state_;

  // The latest snapshot, saved, installed or loaded (null: none). Readers see it at once.
  std::shared_ptr<const Snapshot> snapshot_;
  // A snapshot saved or installed whose file is not written yet: the next write_out() (from
  // sync(), a segment roll, or a full buffer) writes it before any record. Touched only by
  // the writers (the disk thread) and by compact(), never by readers.
  std::shared_ptr<const Snapshot> snapshot_to_write_;
  // The snapshot files in the directory (the newest last); older ones are removed once a
  // newer one is durable.
  std::vector<std::filesystem::path> snapshot_files_;

  std::optional<TailCut> tail_cut_;
};

}  // namespace auction::raft

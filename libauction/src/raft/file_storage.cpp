// FileStorage: the segmented write-ahead log and the snapshot file beside it (format and
// rules: auction/raft/file_storage.hpp).
//
// Two kinds of failure, never mixed: what open() meets on disk is reported as an Error value
// (the replica refuses to start with that message); a write or sync that fails once the
// storage is running goes to stop_on(), which never returns, because the caller may already
// have told peers that the data is safe. Every file operation goes through the Disk. Never:
// let the log say that a prefix was discarded before the snapshot that holds it is durable.
#include "auction/raft/file_storage.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "auction/base/assert.hpp"
#include "auction/base/log.hpp"
#include "auction/base/posix_disk.hpp"
#include "raft/crc32c.hpp"
#include "raft/file_storage_format.hpp"

namespace auction::raft {
namespace {

namespace fs = std::filesystem;

// Records are gathered up to this many bytes before they are written out even without a
// sync(), so a large batch does not hold an unbounded copy in memory.
constexpr std::size_t write_buffer_bytes = std::size_t{1} << 20;

constexpr std::size_t hard_state_record_bytes =
    wal::record_header_bytes + wal::hard_state_payload_bytes;
constexpr std::size_t truncate_record_bytes =
    wal::record_header_bytes + wal::truncate_payload_bytes;
constexpr std::size_t log_start_record_bytes =
    wal::record_header_bytes + wal::log_start_payload_bytes;

std::unexpected<Error> corrupt(const fs::path& file, std::uint64_t offset,
                               const std::string& reason) {
  return fail(code::storage_corrupt,
              file.string() + " at byte offset " + std::to_string(offset) + ": " + reason);
}

std::unexpected<Error> corrupt_snapshot(const fs::path& file, const std::string& reason) {
  return fail(code::storage_corrupt, file.string() + ": " + reason);
}

// Segments are log-<seq>.wal, snapshots snapshot-<index>.snap, the number in 20 digits.
constexpr std::string_view segment_prefix = "log-";
constexpr std::string_view segment_suffix = ".wal";
constexpr std::string_view snapshot_prefix = "snapshot-";
constexpr std::string_view snapshot_suffix = ".snap";
constexpr std::string_view snapshot_tmp_name = "snapshot.tmp";
constexpr std::size_t name_digits = 20;

std::optional<std::uint64_t> parse_numbered_name(std::string_view name, std::string_view prefix,
                                                 std::string_view suffix) {
  if (name.size() != prefix.size() + name_digits + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  std::uint64_t number = 0;
  for (const char c : name.substr(prefix.size(), name_digits)) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (number > (UINT64_MAX - digit) / 10) return std::nullopt;
    number = number * 10 + digit;
  }
  return number;
}

std::string numbered_name(std::string_view prefix, std::uint64_t number, std::string_view suffix) {
  std::string digits = std::to_string(number);
  digits.insert(0, name_digits - digits.size(), '0');
  return std::string(prefix) + digits + std::string(suffix);
}

}  // namespace

FileStorage::FileStorage(Disk& disk, fs::path data_dir, FileStorageOptions options,
                         std::unique_ptr<DirectoryLock> lock)
    : disk_(disk),
      data_dir_(std::move(data_dir)),
      options_(std::move(options)),
      lock_(std::move(lock)) {}

FileStorage::~FileStorage() {
  // What is buffered is made durable; segments compaction picked stay (the next open keeps
  // them and a later compaction picks them again): closing does no more than it must.
  if (segment_) write_and_sync();
}  // then the segment closes, and the lock goes last: releasing it lets the next owner in

Result<std::unique_ptr<FileStorage>> FileStorage::open(fs::path data_dir,
                                                       FileStorageOptions options) {
  return open(posix_disk(), std::move(data_dir), std::move(options));
}

Result<std::unique_ptr<FileStorage>> FileStorage::open(Disk& disk, fs::path data_dir,
                                                       FileStorageOptions options) {
  AUCTION_ASSERT(options.record_bytes_max >= wal::hard_state_payload_bytes,
                 "record_bytes_max must hold a hard state record");
  AUCTION_ASSERT(options.segment_bytes_max >
                     wal::segment_header_bytes + hard_state_record_bytes + log_start_record_bytes,
                 "segment_bytes_max must hold a header, a hard state and a log start record");

  if (auto created = disk.create_data_directory(data_dir); !created) {
    return std::unexpected(created.error());
  }
  auto lock = disk.lock_directory(data_dir);
  if (!lock) return std::unexpected(lock.error());
  std::unique_ptr<FileStorage> storage(
      new FileStorage(disk, std::move(data_dir), std::move(options), std::move(*lock)));
  if (auto recovered = storage->recover(); !recovered) return std::unexpected(recovered.error());
  return storage;
}

void FileStorage::stop_on(const Error& failure) {
  if (options_.on_disk_failure) options_.on_disk_failure(failure);
  log_line("file_storage", "fatal: " + failure.message);
  std::abort();
}

void FileStorage::notice(const std::string& line) const {
  if (options_.on_notice) {
    options_.on_notice(line);
  } else {
    log_line("file_storage", line);
  }
}

fs::path FileStorage::segment_path(std::uint64_t seq) const {
  return data_dir_ / numbered_name(segment_prefix, seq, segment_suffix);
}

fs::path FileStorage::snapshot_path(LogIndex index) const {
  return data_dir_ / numbered_name(snapshot_prefix, index.value, snapshot_suffix);
}

Result<void> FileStorage::recover() {
  auto names = disk_.list(data_dir_);
  if (!names) return std::unexpected(names.error());
  std::vector<std::pair<std::uint64_t, fs::path>> segments;
  std::vector<std::pair<std::uint64_t, fs::path>> snapshots;
  bool has_snapshot_tmp = false;
  for (const std::string& name : *names) {
    if (const auto seq = parse_numbered_name(name, segment_prefix, segment_suffix)) {
      segments.emplace_back(*seq, data_dir_ / name);
    } else if (const auto index = parse_numbered_name(name, snapshot_prefix, snapshot_suffix)) {
      snapshots.emplace_back(*index, data_dir_ / name);
    } else if (name == snapshot_tmp_name) {
      has_snapshot_tmp = true;  // a crash while a snapshot was being written
    }
  }
  std::sort(segments.begin(), segments.end());
  std::sort(snapshots.begin(), snapshots.end());
  for (std::size_t i = 1; i < segments.size(); ++i) {
    if (segments[i].first != segments[i - 1].first + 1) {
      return fail(code::storage_corrupt, "segment " +
                                             segment_path(segments[i - 1].first + 1).string() +
                                             " is missing (the log has a hole before " +
                                             segments[i].second.string() + ")");
    }
  }

  // Only the newest snapshot is read: an older one is a leftover of a crash before its
  // removal, and the next snapshot written removes it. A damaged newest one is refused,
  // never replaced by an older one (the log may already have been compacted past it).
  if (!snapshots.empty()) {
    if (auto loaded = load_snapshot(snapshots.back().second, LogIndex{snapshots.back().first});
        !loaded) {
      return loaded;
    }
    for (const auto& [index, file] : snapshots) snapshot_files_.push_back(file);
  }

  for (std::size_t i = 0; i < segments.size(); ++i) {
    auto kept = replay_segment(segments[i].second, segments[i].first, i + 1 == segments.size());
    if (!kept) return std::unexpected(kept.error());
  }

  if (auto bounded = check_bounds(); !bounded) return bounded;
  auto log_discarded = reconcile_with_snapshot();
  if (!log_discarded) return std::unexpected(log_discarded.error());

  // Nothing is refused from here on; only now is the directory changed.
  if (has_snapshot_tmp) {
    if (auto removed = disk_.remove(data_dir_ / snapshot_tmp_name); !removed) {
      return std::unexpected(removed.error());
    }
  }
  if (has_snapshot_tmp || snapshot_) {
    // The loaded snapshot's name is durable before anything relies on it: a process killed
    // between the rename and the directory sync leaves a name a power loss could still undo,
    // and a log_start record written below would then point past every snapshot on disk.
    if (auto synced = disk_.sync_directory(data_dir_); !synced) {
      return std::unexpected(synced.error());
    }
  }

  if (segments_.empty()) {
    // Only the newest segment can be removed, so here there was at most one.
    return create_segment(segments.empty() ? 1 : segments.back().first);
  }
  const SegmentInfo newest = segments_.back();
  if (auto opened = open_segment_for_append(segment_path(newest.seq)); !opened) return opened;
  segment_seq_ = newest.seq;
  if (newest.format_version == wal::first_format_version) {
    // New records (log_start among them) never go into a version-1 file: a new segment
    // takes over, opening with the hard state and where the log starts.
    if (auto closed = segment_->close(); !closed) return std::unexpected(closed.error());
    segment_.reset();
    return create_segment(newest.seq + 1);
  }
  // A log the snapshot replaced, or a segment whose opening log_start a crash lost (it
  // holds nothing after its hard state then), gets its log_start now.
  if (!newest.start) {
    // The segment's opening records were torn: both again, so that it can be the first
    // segment kept once the older ones are removed.
    wal::append_hard_state_record(buffer_, hard_state_);
    append_log_start_record();
  } else if (*log_discarded) {
    append_log_start_record();
  }
  return {};
}

Result<void> FileStorage::load_snapshot(const fs::path& file, LogIndex index) {
  auto contents = disk_.read(file);
  if (!contents) return std::unexpected(contents.error());
  const std::string_view bytes = (*contents)->bytes();
  auto header = wal::parse_snapshot_header(bytes);
  if (!header) return corrupt_snapshot(file, header.error().message);
  if (header->meta.index != index) {
    return corrupt_snapshot(file, "holds the snapshot at index " +
                                      std::to_string(header->meta.index.value) +
                                      ", not the one its name says");
  }
  if (index == LogIndex{0}) {
    return corrupt_snapshot(file, "a snapshot at index 0 (before the first entry)");
  }
  const std::uint64_t data_bytes = bytes.size() - header->header_bytes;
  if (data_bytes != header->data_bytes) {
    return corrupt_snapshot(file, "is " + std::to_string(bytes.size()) +
                                      " bytes long, but its header says " +
                                      std::to_string(header->header_bytes) + " + " +
                                      std::to_string(header->data_bytes) + " bytes of data");
  }
  const std::string_view data = bytes.substr(header->header_bytes);
  if (crc32c(data) != header->data_checksum) {
    return corrupt_snapshot(file, "snapshot data checksum mismatch");
  }
  snapshot_ = std::make_shared<const Snapshot>(
      Snapshot{header->meta, std::string(data), header->data_checksum});
  return {};
}

Result<bool> FileStorage::reconcile_with_snapshot() {
  const LogIndex log_start{first_index_.value - 1};
  if (!snapshot_) {
    if (log_start.value != 0) {
      return fail(code::storage_corrupt,
                  data_dir_.string() + ": the log starts after index " +
                      std::to_string(log_start.value) +
                      " but there is no snapshot: the entries up to it are missing");
    }
    return false;
  }
  const SnapshotMeta meta = snapshot_->meta;
  if (log_start > meta.index) {
    return fail(code::storage_corrupt,
                data_dir_.string() + ": the log starts after index " +
                    std::to_string(log_start.value) + " but the newest snapshot (" +
                    snapshot_files_.back().string() + ") ends at index " +
                    std::to_string(meta.index.value) + ": the entries between are missing");
  }
  // Entries at or below the snapshot are kept when the log agrees with it: they let a
  // leader catch a follower up without sending the snapshot.
  if (meta.index <= last_index() && meta.index.value + 1 >= first_index_.value &&
      term_at(meta.index) == meta.term) {
    if (!is_prev_term_known_) {
      // A truncate reached below the oldest segment kept: the term before the log is not
      // known, so the log starts right after the snapshot instead.
      entries_.erase(entries_.begin(),
                     entries_.begin() +
                         static_cast<std::ptrdiff_t>(meta.index.value + 1 - first_index_.value));
      first_index_ = LogIndex{meta.index.value + 1};
      prev_term_ = meta.term;
      is_prev_term_known_ = true;
    }
    return false;
  }
  // The log ends before the snapshot or disagrees with it (a crash after an installed
  // snapshot's file was durable and before its log_start record was): the snapshot wins.
  entries_.clear();
  first_index_ = LogIndex{meta.index.value + 1};
  prev_term_ = meta.term;
  is_prev_term_known_ = true;
  return true;
}

Result<void> FileStorage::check_bounds() const {
  // Terms never decrease along the log, so the last entry holds its largest term.
  const auto beyond = [&](std::string_view what, std::uint64_t value) {
    return fail(code::storage_corrupt,
                data_dir_.string() + ": " + std::string(what) + " " + std::to_string(value) +
                    " is beyond the bound 2^48 (no replica could campaign or append past it; a "
                    "forged raft message may have put it there)");
  };
  static_assert(term_max == std::uint64_t{1} << 48 && log_index_max == std::uint64_t{1} << 48);
  if (hard_state_.term.value > term_max) return beyond("the term", hard_state_.term.value);
  if (hard_state_.commit.value > log_index_max) {
    return beyond("the commit index", hard_state_.commit.value);
  }
  if (last_index().value > log_index_max) return beyond("the last index", last_index().value);
  if (snapshot_ && snapshot_->meta.index.value > log_index_max) {
    return beyond("the snapshot index", snapshot_->meta.index.value);
  }
  if (snapshot_ && snapshot_->meta.term.value > term_max) {
    return beyond("the snapshot term", snapshot_->meta.term.value);
  }
  if (term_at(last_index()).value > term_max) {
    return beyond("the term of the last entry", term_at(last_index()).value);
  }
  return {};
}

Result<bool> FileStorage::replay_segment(const fs::path& file, std::uint64_t seq, bool newest) {
  std::optional<TailCut> cut;
  SegmentInfo info;
  info.seq = seq;
  {
    auto contents = disk_.read(file);
    if (!contents) return std::unexpected(contents.error());
    const std::string_view bytes = (*contents)->bytes();
    const std::uint64_t file_bytes = bytes.size();

    const auto header = wal::check_segment_header(bytes);
    if (!header) {
      // A segment's header is synced before any record goes after it, so a bad header
      // with nothing after it is a crash during creation; with records after it, damage.
      if (!newest || file_bytes > wal::segment_header_bytes) {
        return corrupt(file, 0, header.error().message);
      }
      notice(file.string() + ": removed a segment whose header was torn (" +
             header.error().message + ")");
      if (auto removed = disk_.remove(file); !removed) return std::unexpected(removed.error());
      if (auto synced = disk_.sync_directory(data_dir_); !synced) {
        return std::unexpected(synced.error());
      }
      tail_cut_ = TailCut{file, 0, file_bytes, header.error().message};
      return false;
    }

    info.format_version = *header;
    bool changes_log = false;  // an entry or truncate record came before
    std::size_t offset = wal::segment_header_bytes;
    while (offset < bytes.size()) {
      auto record = wal::parse_record(bytes, offset, options_.record_bytes_max);
      if (!record) {
        if (!newest) {
          return corrupt(file, offset,
                         record.error().message + " in a segment that is not the newest");
        }
        const auto scan = wal::scan_after_damage(bytes, offset + 1, options_.record_bytes_max);
        if (scan.outcome == wal::TailScan::Outcome::intact_record) {
          return corrupt(file, offset,
                         record.error().message + ", and an intact record follows at byte offset " +
                             std::to_string(scan.offset));
        }
        if (scan.outcome == wal::TailScan::Outcome::undecided) {
          return corrupt(file, offset,
                         record.error().message +
                             ", and the bytes after it are too costly to rule out intact records");
        }
        cut = TailCut{file, offset, file_bytes - offset, record.error().message};
        break;
      }
      if (record->type == wal::RecordType::log_start &&
          info.format_version == wal::first_format_version) {
        return corrupt(file, offset, "a log start record in a version-1 segment");
      }
      if (auto applied = apply_record(*record); !applied) {
        return corrupt(file, offset, applied.error().message);
      }
      // What compact() needs to know of this segment (see SegmentInfo).
      if (record->type == wal::RecordType::entry) {
        changes_log = true;
        info.max_index = std::max(info.max_index, last_index());
      } else if (record->type == wal::RecordType::truncate) {
        changes_log = true;
        const LogIndex kept = last_index();
        if (!info.min_truncate || kept < *info.min_truncate) info.min_truncate = kept;
      } else if (record->type == wal::RecordType::log_start) {
        // The record's own index, not where the log starts now: a log_start that the log
        // already reaches changes nothing, but still says where this segment picks up.
        const LogIndex index = wal::decode_log_start(record->payload).value().index;
        if (!changes_log && !info.start) info.start = index;
        info.max_index = std::max(info.max_index, index);
      }
      offset = record->end;
    }
  }

  if (cut) {
    auto segment = disk_.open(file, OpenMode::existing);
    if (!segment) return std::unexpected(segment.error());
    if (auto cut_off = (*segment)->truncate(cut->offset); !cut_off) {
      return std::unexpected(cut_off.error());
    }
    if (auto synced = (*segment)->sync_data(); !synced) return std::unexpected(synced.error());
    notice(file.string() + ": cut a torn record at byte offset " + std::to_string(cut->offset) +
           " (" + cut->reason + "); " + std::to_string(cut->bytes_cut) +
           " bytes removed from the end");
    tail_cut_ = std::move(cut);
  }
  segments_.push_back(info);
  return true;
}

Result<void> FileStorage::apply_record(const wal::Record& record) {
  switch (record.type) {
    case wal::RecordType::entry: {
      auto entry = wal::decode_entry(record.payload);
      if (!entry) return std::unexpected(entry.error());
      if (entry->index.value != last_index().value + 1) {
        return fail(code::storage_corrupt, "entry index " + std::to_string(entry->index.value) +
                                               " does not follow the last index " +
                                               std::to_string(last_index().value));
      }
      if (entry->term < term_at(last_index())) {
        return fail(code::storage_corrupt, "entry term " + std::to_string(entry->term.value) +
                                               " is below the term of the entry before it");
      }
      entries_.push_back(std::move(*entry));
      return {};
    }
    case wal::RecordType::hard_state: {
      auto state = wal::decode_hard_state(record.payload);
      if (!state) return std::unexpected(state.error());
      hard_state_ = *state;
      return {};
    }
    case wal::RecordType::truncate: {
      auto last_kept = wal::decode_truncate(record.payload);
      if (!last_kept) return std::unexpected(last_kept.error());
      const bool is_below_start = last_kept->value + 1 < first_index_.value;
      const bool snapshot_covers = snapshot_ && *last_kept <= snapshot_->meta.index;
      if ((is_below_start && !snapshot_covers) || *last_kept > last_index()) {
        return fail(
            code::storage_corrupt,
            "truncation to index " + std::to_string(last_kept->value) + " is outside the log");
      }
      if (is_below_start) {
        // It reaches into segments compaction removed (a crash between two removals can
        // leave such a segment first): what it cut there is in the snapshot anyway. The log
        // now continues after that index, whose term only the snapshot may tell;
        // reconcile_with_snapshot() drops what is below the snapshot if it does not.
        entries_.clear();
        first_index_ = LogIndex{last_kept->value + 1};
        is_prev_term_known_ = *last_kept == snapshot_->meta.index;
        prev_term_ = is_prev_term_known_ ? snapshot_->meta.term : Term{0};
        return {};
      }
      entries_.resize(last_kept->value + 1 - first_index_.value);
      return {};
    }
    case wal::RecordType::log_start: {
      auto start = wal::decode_log_start(record.payload);
      if (!start) return std::unexpected(start.error());
      if (start->index.value > log_index_max || start->term.value > term_max) {
        return fail(code::storage_corrupt,
                    "log start after index " + std::to_string(start->index.value) + " in term " +
                        std::to_string(start->term.value) + " is beyond the bound 2^48");
      }
      if (start->index == LogIndex{0} && start->term != Term{0}) {
        return fail(code::storage_corrupt, "log start at index 0 in term " +
                                               std::to_string(start->term.value) +
                                               " (index 0, before the log, has term 0)");
      }
      // The log already continues there (a segment opening where the one before ended):
      // nothing to do. Otherwise the log is replaced by an empty one after that entry.
      if (start->index == last_index() && start->term == term_at(last_index())) return {};
      entries_.clear();
      first_index_ = LogIndex{start->index.value + 1};
      prev_term_ = start->term;
      return {};
    }
  }
  return fail(code::storage_corrupt,
              "unknown record type " + std::to_string(static_cast<unsigned>(record.type)));
}

Result<void> FileStorage::open_segment_for_append(const fs::path& file) {
  auto segment = disk_.open(file, OpenMode::existing);
  if (!segment) return std::unexpected(segment.error());
  auto bytes = (*segment)->size();
  if (!bytes) return std::unexpected(bytes.error());
  // What replay read is durable before the node acts on it: a process that was killed (not
  // a power loss) may have left records in the page cache that were never synced.
  if (auto synced = (*segment)->sync_data(); !synced) return std::unexpected(synced.error());
  segment_ = std::move(*segment);
  segment_bytes_ = *bytes;
  segment_head_synced_ = true;
  return {};
}

Result<void> FileStorage::create_segment(std::uint64_t seq) {
  const fs::path file = segment_path(seq);
  auto segment = disk_.open(file, OpenMode::create_new);
  if (!segment) return std::unexpected(segment.error());
  // The header and the file's directory entry are durable before any record follows, which
  // is what lets recovery treat a bad header with nothing after it as a torn creation.
  if (auto written = (*segment)->write_at(0, wal::segment_header()); !written) {
    return std::unexpected(written.error());
  }
  if (auto synced = (*segment)->sync(); !synced) return std::unexpected(synced.error());
  if (auto synced = disk_.sync_directory(data_dir_); !synced) {
    return std::unexpected(synced.error());
  }
  segment_ = std::move(*segment);
  segment_seq_ = seq;
  segment_bytes_ = wal::segment_header_bytes;
  needs_sync_ = false;
  segment_head_synced_ = false;
  // The segment opens with the hard state and where the log starts, so that once the
  // segments before it are gone, it can be replayed on its own.
  const LogIndex last = last_index();
  wal::append_hard_state_record(buffer_, hard_state_);
  wal::append_log_start_record(buffer_, wal::LogStart{last, term_at(last)});
  segments_.push_back(SegmentInfo{.seq = seq,
                                  .format_version = wal::format_version,
                                  .start = last,
                                  .max_index = last,
                                  .min_truncate = std::nullopt});
  return {};
}

void FileStorage::roll_segment() {
  write_and_sync();  // the old segment is complete on disk before the new one holds anything
  if (auto closed = segment_->close(); !closed) stop_on(closed.error());
  segment_.reset();
  if (auto created = create_segment(segment_seq_ + 1); !created) stop_on(created.error());
}

void FileStorage::make_room(std::size_t record_bytes) {
  const std::uint64_t used = segment_bytes_ + buffer_.size();
  if (used > wal::segment_header_bytes && used + record_bytes > options_.segment_bytes_max) {
    roll_segment();
  }
}

void FileStorage::after_record() {
  if (buffer_.size() >= write_buffer_bytes) write_out();
}

void FileStorage::append_log_start_record(bool may_write) {
  if (may_write) make_room(log_start_record_bytes);
  const LogIndex last = last_index();
  wal::append_log_start_record(buffer_, wal::LogStart{last, term_at(last)});
  SegmentInfo& info = segments_.back();
  if (!info.start && info.max_index == LogIndex{0} && !info.min_truncate) info.start = last;
  info.max_index = std::max(info.max_index, last);
  segment_head_synced_ = false;
  if (may_write) after_record();
}

void FileStorage::write_out() {
  // A snapshot goes first: a log_start record in the buffer may rely on it.
  write_pending_snapshot();
  if (buffer_.empty()) return;
  if (auto written = segment_->write_at(segment_bytes_, buffer_); !written) {
    stop_on(written.error());
  }
  segment_bytes_ += buffer_.size();
  needs_sync_ = true;
  buffer_.clear();
  // One huge entry must not pin its size in memory for the life of the node.
  if (buffer_.capacity() > 4 * write_buffer_bytes) buffer_.shrink_to_fit();
}

void FileStorage::sync() {
  write_and_sync();
  remove_pending_segments();
}

void FileStorage::write_and_sync() {
  write_out();
  if (needs_sync_) {
    if (auto synced = segment_->sync_data(); !synced) stop_on(synced.error());
    needs_sync_ = false;
  }
  segment_head_synced_ = true;
}

void FileStorage::append(std::span<const Entry> entries) {
  if (entries.empty()) return;
  const LogIndex first = entries.front().index;
  AUCTION_ASSERT(first >= first_index_ && first.value <= last_index().value + 1,
                 "append must start within [first_index, last_index + 1]");
  Term previous_term = term_at(LogIndex{first.value - 1});
  for (std::size_t i = 0; i < entries.size(); ++i) {
    AUCTION_ASSERT(entries[i].index.value == first.value + i,
                   "appended indexes must be consecutive");
    AUCTION_ASSERT(entries[i].term >= previous_term, "appended terms must never decrease");
    AUCTION_ASSERT(entries[i].data.size() <= options_.record_bytes_max - wal::entry_fixed_bytes,
                   "entry data exceeds record_bytes_max");
    previous_term = entries[i].term;
  }

  if (first <= last_index()) {
    // A leader overwrites a conflicting suffix (§5.3): record the cut so replay makes it too.
    const LogIndex last_kept{first.value - 1};
    make_room(truncate_record_bytes);
    wal::append_truncate_record(buffer_, last_kept);
    SegmentInfo& info = segments_.back();
    if (!info.min_truncate || last_kept < *info.min_truncate) info.min_truncate = last_kept;
    after_record();
    entries_.resize(last_kept.value + 1 - first_index_.value);
  }
  for (const Entry& entry : entries) {
    make_room(wal::entry_record_bytes(entry));
    wal::append_entry_record(buffer_, entry);
    segments_.back().max_index = std::max(segments_.back().max_index, entry.index);
    after_record();
    entries_.push_back(entry);
  }
}

void FileStorage::set_hard_state(const HardState& state) {
  if (state == hard_state_) return;
  make_room(hard_state_record_bytes);
  wal::append_hard_state_record(buffer_, state);
  after_record();
  hard_state_ = state;
}

HardState FileStorage::hard_state() const { return hard_state_; }

LogIndex FileStorage::first_index() const { return first_index_; }

LogIndex FileStorage::last_index() const {
  return LogIndex{first_index_.value + entries_.size() - 1};
}

Term FileStorage::term_at(LogIndex index) const {
  if (index.value + 1 == first_index_.value) return prev_term_;
  return entries_[index.value - first_index_.value].term;
}

Result<Term> FileStorage::term(LogIndex index) const {
  if (index.value + 1 < first_index_.value) {
    return fail(code::compacted, "index " + std::to_string(index.value) + " was compacted");
  }
  if (index > last_index()) {
    return fail(code::unavailable, "index " + std::to_string(index.value) +
                                       " is past the last index " +
                                       std::to_string(last_index().value));
  }
  return term_at(index);
}

Result<std::vector<Entry>> FileStorage::entries(LogIndex lo, LogIndex hi,
                                                std::size_t bytes_max) const {
  if (lo < first_index_) {
    return fail(code::compacted, "index " + std::to_string(lo.value) + " was compacted");
  }
  if (lo > hi) {
    return fail(code::unavailable, "range [" + std::to_string(lo.value) + ", " +
                                       std::to_string(hi.value) + ") runs backwards");
  }
  if (hi.value > last_index().value + 1) {
    return fail(code::unavailable, "index " + std::to_string(hi.value - 1) +
                                       " is past the last index " +
                                       std::to_string(last_index().value));
  }
  std::vector<Entry> out;
  std::size_t bytes = 0;
  for (std::uint64_t i = lo.value; i < hi.value; ++i) {
    const Entry& entry = entries_[i - first_index_.value];
    bytes += entry.data.size();
    if (!out.empty() && bytes > bytes_max) break;
    out.push_back(entry);
  }
  return out;
}

SnapshotMeta FileStorage::snapshot_meta() const {
  return snapshot_ ? snapshot_->meta : SnapshotMeta{};
}

Result<std::shared_ptr<const Snapshot>> FileStorage::snapshot() const { return snapshot_; }

void FileStorage::save_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  AUCTION_ASSERT(snapshot != nullptr, "save_snapshot(null)");
  const SnapshotMeta meta = snapshot->meta;
  AUCTION_ASSERT(meta.index > snapshot_meta().index && meta.index.value + 1 >= first_index_.value &&
                     meta.index <= last_index() && term_at(meta.index) == meta.term,
                 "a saved snapshot must be newer and hold an entry of the log with its term");
  snapshot_to_write_ = snapshot;
  snapshot_ = std::move(snapshot);
}

void FileStorage::install_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  AUCTION_ASSERT(snapshot != nullptr, "install_snapshot(null)");
  AUCTION_ASSERT(snapshot->meta.index > snapshot_meta().index,
                 "an installed snapshot must be newer than the one held");
  // Pending before the log_start record is buffered, so whatever writes the buffer out
  // (a sync, a segment roll, a full buffer) writes the snapshot's file first.
  snapshot_to_write_ = snapshot;
  snapshot_ = std::move(snapshot);
  entries_.clear();
  first_index_ = LogIndex{snapshot_->meta.index.value + 1};
  prev_term_ = snapshot_->meta.term;
  // No segment roll here: a roll syncs, which would write the whole snapshot file while the
  // caller may hold readers off (GuardedStorage's lock). The segment may pass
  // segment_bytes_max by this one record; the next sync() writes the file, lock-free.
  append_log_start_record(/*may_write=*/false);
}

void FileStorage::compact(LogIndex through) {
  AUCTION_ASSERT(through.value + 1 >= first_index_.value && through <= snapshot_meta().index &&
                     through <= last_index(),
                 "compact() past the snapshot or the log");
  AUCTION_ASSERT(snapshot_to_write_ == nullptr, "compact() before the snapshot was synced");
  prev_term_ = term_at(through);
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(
                                                          through.value + 1 - first_index_.value));
  first_index_ = LogIndex{through.value + 1};
  remove_compacted_segments(through);
}

void FileStorage::remove_compacted_segments(LogIndex through) {
  // Until the current segment's opening records are durable, the older segments still hold
  // the hard state and the log a crash would have to go back to.
  if (!segment_head_synced_) return;
  // The oldest segments, never the current one, whose entries are all at or below `through`.
  std::size_t candidates = 0;
  while (candidates + 1 < segments_.size() && segments_[candidates].max_index <= through) {
    ++candidates;
  }
  // Removing the first `removed` segments leaves segments_[removed] first: replay then
  // starts at its opening log_start, so it must have one, at or below `through` (no entry
  // after the snapshot is lost), and no later truncate record may reach below it (it would
  // cut entries only the removed segments hold). The largest such count wins.
  std::size_t removed = 0;
  std::optional<LogIndex> lowest_truncate;  // over segments_[first_kept..]
  for (std::size_t first_kept = segments_.size() - 1; first_kept > 0; --first_kept) {
    const SegmentInfo& kept = segments_[first_kept];
    if (kept.min_truncate && (!lowest_truncate || *kept.min_truncate < *lowest_truncate)) {
      lowest_truncate = kept.min_truncate;
    }
    if (first_kept <= candidates && kept.start && *kept.start <= through &&
        (!lowest_truncate || *lowest_truncate >= *kept.start)) {
      removed = first_kept;
      break;
    }
  }
  // The files go at the next sync(): compact() runs where readers wait on it (the driver's
  // thread, under GuardedStorage's lock), sync() where they do not (the disk thread).
  for (std::size_t i = 0; i < removed; ++i) segments_to_remove_.push_back(segments_[i].seq);
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(removed));
}

void FileStorage::remove_pending_segments() {
  for (const std::uint64_t seq : segments_to_remove_) {
    if (auto gone = disk_.remove(segment_path(seq)); !gone) stop_on(gone.error());
    // One directory sync per segment, oldest first: the durability model lets a crash keep
    // any part of the unsynced name changes, and a newer removal kept with an older one
    // undone would leave a hole in the sequence, which recovery refuses.
    if (auto synced = disk_.sync_directory(data_dir_); !synced) stop_on(synced.error());
  }
  segments_to_remove_.clear();
}

void FileStorage::write_pending_snapshot() {
  if (!snapshot_to_write_) return;
  const std::shared_ptr<const Snapshot> snapshot = std::move(snapshot_to_write_);
  snapshot_to_write_.reset();
  // A wrong checksum would be written faithfully and then refused by every open: a bug
  // where the snapshot was made, caught here rather than at the next restart.
  AUCTION_ASSERT(crc32c(snapshot->data) == snapshot->checksum,
                 "a snapshot's checksum does not match its data");
  const fs::path tmp = data_dir_ / snapshot_tmp_name;
  const fs::path file = snapshot_path(snapshot->meta.index);
  {
    auto opened = disk_.open(tmp, OpenMode::create_or_truncate);
    if (!opened) stop_on(opened.error());
    DiskFile& out = **opened;
    const std::string header = wal::snapshot_header(*snapshot);
    if (auto written = out.write_at(0, header); !written) stop_on(written.error());
    if (auto written = out.write_at(header.size(), snapshot->data); !written) {
      stop_on(written.error());
    }
    if (auto synced = out.sync(); !synced) stop_on(synced.error());
    if (auto closed = out.close(); !closed) stop_on(closed.error());
  }
  // The file is whole and durable before its name appears: a snapshot-*.snap is never
  // partial, whatever the crash.
  if (auto renamed = disk_.rename(tmp, file); !renamed) stop_on(renamed.error());
  if (auto synced = disk_.sync_directory(data_dir_); !synced) stop_on(synced.error());
  bool removed_any = false;
  for (const fs::path& old : snapshot_files_) {
    if (old == file) continue;
    if (auto removed = disk_.remove(old); !removed) stop_on(removed.error());
    removed_any = true;
  }
  if (removed_any) {
    if (auto synced = disk_.sync_directory(data_dir_); !synced) stop_on(synced.error());
  }
  snapshot_files_ = {file};
}

}  // namespace auction::raft

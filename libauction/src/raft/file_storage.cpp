// FileStorage: the segmented write-ahead log (format and rules: auction/raft/file_storage.hpp).
//
// Two kinds of failure, never mixed: what open() meets on disk is reported as an Error value
// (the replica refuses to start with that message); a write or sync that fails once the
// storage is running goes to stop_on(), which never returns, because the caller may already
// have told peers that the data is safe. Every file operation goes through the Disk.
#include "auction/raft/file_storage.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "auction/base/assert.hpp"
#include "auction/base/posix_disk.hpp"
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

std::unexpected<Error> corrupt(const fs::path& file, std::uint64_t offset,
                               const std::string& reason) {
  return fail(code::storage_corrupt,
              file.string() + " at byte offset " + std::to_string(offset) + ": " + reason);
}

constexpr std::string_view segment_prefix = "log-";
constexpr std::string_view segment_suffix = ".wal";
constexpr std::size_t segment_seq_digits = 20;

std::optional<std::uint64_t> parse_segment_name(std::string_view name) {
  if (name.size() != segment_prefix.size() + segment_seq_digits + segment_suffix.size() ||
      !name.starts_with(segment_prefix) || !name.ends_with(segment_suffix)) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  for (const char c : name.substr(segment_prefix.size(), segment_seq_digits)) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (seq > (UINT64_MAX - digit) / 10) return std::nullopt;
    seq = seq * 10 + digit;
  }
  return seq;
}

}  // namespace

FileStorage::FileStorage(Disk& disk, fs::path data_dir, FileStorageOptions options,
                         std::unique_ptr<DirectoryLock> lock)
    : disk_(disk),
      data_dir_(std::move(data_dir)),
      options_(std::move(options)),
      lock_(std::move(lock)) {}

FileStorage::~FileStorage() {
  if (segment_) sync();
}  // then the segment closes, and the lock goes last: releasing it lets the next owner in

Result<std::unique_ptr<FileStorage>> FileStorage::open(fs::path data_dir,
                                                       FileStorageOptions options) {
  return open(posix_disk(), std::move(data_dir), std::move(options));
}

Result<std::unique_ptr<FileStorage>> FileStorage::open(Disk& disk, fs::path data_dir,
                                                       FileStorageOptions options) {
  AUCTION_ASSERT(options.record_bytes_max >= wal::hard_state_payload_bytes,
                 "record_bytes_max must hold a hard state record");
  AUCTION_ASSERT(options.segment_bytes_max > wal::segment_header_bytes + hard_state_record_bytes,
                 "segment_bytes_max must hold a header and a hard state record");

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
  std::fprintf(stderr, "file_storage: fatal: %s\n", failure.message.c_str());
  std::abort();
}

void FileStorage::notice(const std::string& line) const {
  if (options_.on_notice) {
    options_.on_notice(line);
  } else {
    std::fprintf(stderr, "file_storage: %s\n", line.c_str());
  }
}

fs::path FileStorage::segment_path(std::uint64_t seq) const {
  std::string digits = std::to_string(seq);
  digits.insert(0, segment_seq_digits - digits.size(), '0');
  return data_dir_ / (std::string(segment_prefix) + digits + std::string(segment_suffix));
}

Result<void> FileStorage::recover() {
  auto names = disk_.list(data_dir_);
  if (!names) return std::unexpected(names.error());
  std::vector<std::pair<std::uint64_t, fs::path>> segments;
  for (const std::string& name : *names) {
    if (const auto seq = parse_segment_name(name)) segments.emplace_back(*seq, data_dir_ / name);
  }
  std::sort(segments.begin(), segments.end());
  for (std::size_t i = 1; i < segments.size(); ++i) {
    if (segments[i].first != segments[i - 1].first + 1) {
      return fail(code::storage_corrupt, "segment " +
                                             segment_path(segments[i - 1].first + 1).string() +
                                             " is missing (the log has a hole before " +
                                             segments[i].second.string() + ")");
    }
  }

  std::optional<std::pair<std::uint64_t, fs::path>> last_kept;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    auto kept = replay_segment(segments[i].second, i + 1 == segments.size());
    if (!kept) return std::unexpected(kept.error());
    if (*kept) last_kept = segments[i];
  }

  if (auto bounded = check_bounds(); !bounded) return bounded;

  if (last_kept) {
    segment_seq_ = last_kept->first;
    return open_segment_for_append(last_kept->second);
  }
  // Only the newest segment can be removed, so here there was at most one.
  return create_segment(segments.empty() ? 1 : segments.back().first);
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
  if (term_at(last_index()).value > term_max) {
    return beyond("the term of the last entry", term_at(last_index()).value);
  }
  return {};
}

Result<bool> FileStorage::replay_segment(const fs::path& file, bool newest) {
  std::optional<TailCut> cut;
  {
    auto contents = disk_.read(file);
    if (!contents) return std::unexpected(contents.error());
    const std::string_view bytes = (*contents)->bytes();
    const std::uint64_t file_bytes = bytes.size();

    if (auto header = wal::check_segment_header(bytes); !header) {
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
      if (auto applied = apply_record(*record); !applied) {
        return corrupt(file, offset, applied.error().message);
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
      if (last_kept->value + 1 < first_index_.value || *last_kept > last_index()) {
        return fail(
            code::storage_corrupt,
            "truncation to index " + std::to_string(last_kept->value) + " is outside the log");
      }
      entries_.resize(last_kept->value + 1 - first_index_.value);
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
  segment_ = std::move(*segment);
  segment_bytes_ = *bytes;
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
  wal::append_hard_state_record(buffer_, hard_state_);
  return {};
}

void FileStorage::roll_segment() {
  sync();  // the old segment is complete on disk before the new one holds anything
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

void FileStorage::write_out() {
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
  write_out();
  if (!needs_sync_) return;
  if (auto synced = segment_->sync_data(); !synced) stop_on(synced.error());
  needs_sync_ = false;
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
    after_record();
    entries_.resize(last_kept.value + 1 - first_index_.value);
  }
  for (const Entry& entry : entries) {
    make_room(wal::entry_record_bytes(entry));
    wal::append_entry_record(buffer_, entry);
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

// Not yet: snapshots in a data directory.
SnapshotMeta FileStorage::snapshot_meta() const { return {}; }
Result<std::shared_ptr<const Snapshot>> FileStorage::snapshot() const { return nullptr; }
void FileStorage::save_snapshot(std::shared_ptr<const Snapshot>) {
  AUCTION_ASSERT(false, "FileStorage keeps no snapshots yet");
}
void FileStorage::install_snapshot(std::shared_ptr<const Snapshot>) {
  AUCTION_ASSERT(false, "FileStorage keeps no snapshots yet");
}
void FileStorage::compact(LogIndex) { AUCTION_ASSERT(false, "FileStorage keeps no snapshots yet"); }

}  // namespace auction::raft

// FileStorage: the segmented write-ahead log (format and rules: auction/raft/file_storage.hpp).
//
// Two kinds of failure, never mixed: what open() meets on disk is reported as an Error value
// (the replica refuses to start with that message); a write or sync that fails once the
// storage is running prints one line and aborts, because the caller may already have told
// peers that the data is safe.
#include "auction/raft/file_storage.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "auction/base/assert.hpp"
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

std::string os_error(int err) { return std::system_category().message(err); }

// The disk failed under a running node: nothing it wrote can be trusted to be there.
[[noreturn]] void die(const std::string& line) {
  std::fprintf(stderr, "file_storage: fatal: %s\n", line.c_str());
  std::abort();
}

[[noreturn]] void die(std::string_view what, const fs::path& file, std::uint64_t offset, int err) {
  die(std::string(what) + " failed on " + file.string() + " at byte offset " +
      std::to_string(offset) + ": " + os_error(err));
}

std::unexpected<Error> unavailable(const std::string& what, const fs::path& file, int err) {
  return fail(code::storage_unavailable, what + " " + file.string() + ": " + os_error(err));
}

std::unexpected<Error> corrupt(const fs::path& file, std::uint64_t offset,
                               const std::string& reason) {
  return fail(code::storage_corrupt,
              file.string() + " at byte offset " + std::to_string(offset) + ": " + reason);
}

// 0 on success, else the errno of the failing step.
int fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

// 0 on success, else errno, with `failed_at` set to the offset of the write that failed.
// Retries short writes and interruptions.
int write_all(int fd, std::string_view bytes, std::uint64_t offset, std::uint64_t* failed_at) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      *failed_at = offset + done;
      return errno;
    }
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// A read-only view of a whole file. Mapping, rather than reading into a buffer, means that
// a garbage file of any size costs no memory and no length field is ever used to allocate.
class MappedFile {
 public:
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }

  static Result<std::unique_ptr<MappedFile>> map(int fd, const fs::path& file, std::size_t size) {
    std::unique_ptr<MappedFile> mapped(new MappedFile);
    if (size == 0) return mapped;
    void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) return unavailable("cannot map", file, errno);
    mapped->data_ = data;
    mapped->size_ = size;
    return mapped;
  }

  std::string_view bytes() const {
    return data_ == nullptr ? std::string_view()
                            : std::string_view(static_cast<const char*>(data_), size_);
  }

 private:
  MappedFile() = default;
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

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

// Creates `dir` and its missing parents, syncing each new entry into its parent: otherwise a
// crash could lose the whole data directory after records in it were reported durable.
Result<void> create_directories_durably(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> missing;  // innermost first
  for (fs::path p = fs::absolute(dir, ec); !ec && p.has_relative_path(); p = p.parent_path()) {
    if (fs::exists(p, ec) || ec) break;
    missing.push_back(p);
  }
  if (ec) return unavailable("cannot reach data directory", dir, ec.value());
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (!fs::create_directory(*it, ec) && ec) {
      return unavailable("cannot create data directory", *it, ec.value());
    }
    if (const int err = fsync_directory(it->parent_path()); err != 0) {
      return unavailable("cannot sync", it->parent_path(), err);
    }
  }
  return {};
}

Result<int> lock_directory(const fs::path& data_dir) {
  const fs::path lock_file = data_dir / "LOCK";
  FileDescriptor fd(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return unavailable("cannot open", lock_file, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) return unavailable("cannot lock", lock_file, err);
    char holder[32] = {};
    const ssize_t n = ::pread(fd.get(), holder, sizeof holder - 1, 0);
    std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return fail(code::storage_locked, "data directory " + data_dir.string() +
                                      " is in use by another process" +
                                      (pid.empty() ? "" : " (pid " + pid + " in LOCK)"));
  }
  // The pid is for the operator reading the error above; the lock itself is the flock.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0) return unavailable("cannot write", lock_file, errno);
  std::uint64_t failed_at = 0;
  if (const int err = write_all(fd.get(), pid, 0, &failed_at); err != 0) {
    return unavailable("cannot write", lock_file, err);
  }
  return fd.release();
}

}  // namespace

FileStorage::FileStorage(fs::path data_dir, FileStorageOptions options, int lock_fd)
    : data_dir_(std::move(data_dir)), options_(options), lock_fd_(lock_fd) {}

FileStorage::~FileStorage() {
  if (segment_fd_ >= 0) {
    sync();
    ::close(segment_fd_);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Result<std::unique_ptr<FileStorage>> FileStorage::open(fs::path data_dir,
                                                       FileStorageOptions options) {
  AUCTION_ASSERT(options.record_bytes_max >= wal::hard_state_payload_bytes,
        "record_bytes_max must hold a hard state record");
  AUCTION_ASSERT(options.segment_bytes_max > wal::segment_header_bytes + hard_state_record_bytes,
        "segment_bytes_max must hold a header and a hard state record");

  if (auto created = create_directories_durably(data_dir); !created) {
    return std::unexpected(created.error());
  }
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    return unavailable("cannot use data directory", data_dir, ec ? ec.value() : ENOTDIR);
  }

  auto lock_fd = lock_directory(data_dir);
  if (!lock_fd) return std::unexpected(lock_fd.error());
  std::unique_ptr<FileStorage> storage(new FileStorage(std::move(data_dir), options, *lock_fd));
  if (auto recovered = storage->recover(); !recovered) return std::unexpected(recovered.error());
  return storage;
}

fs::path FileStorage::segment_path(std::uint64_t seq) const {
  std::string digits = std::to_string(seq);
  digits.insert(0, segment_seq_digits - digits.size(), '0');
  return data_dir_ / (std::string(segment_prefix) + digits + std::string(segment_suffix));
}

Result<void> FileStorage::recover() {
  std::vector<std::pair<std::uint64_t, fs::path>> segments;
  std::error_code ec;
  for (fs::directory_iterator it(data_dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (const auto seq = parse_segment_name(it->path().filename().string())) {
      segments.emplace_back(*seq, it->path());
    }
  }
  if (ec) return unavailable("cannot list data directory", data_dir_, ec.value());
  std::sort(segments.begin(), segments.end());
  for (std::size_t i = 1; i < segments.size(); ++i) {
    if (segments[i].first != segments[i - 1].first + 1) {
      return fail(code::storage_corrupt, "segment " + segment_path(segments[i - 1].first + 1).string() +
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

  if (last_kept) {
    segment_seq_ = last_kept->first;
    return open_segment_for_append(last_kept->second);
  }
  // Only the newest segment can be removed, so here there was at most one.
  return create_segment(segments.empty() ? 1 : segments.back().first);
}

Result<bool> FileStorage::replay_segment(const fs::path& file, bool newest) {
  FileDescriptor fd(::open(file.c_str(), (newest ? O_RDWR : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0) return unavailable("cannot open", file, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return unavailable("cannot stat", file, errno);
  const auto file_bytes = static_cast<std::uint64_t>(st.st_size);

  std::optional<TailCut> cut;
  {
    auto mapped = MappedFile::map(fd.get(), file, static_cast<std::size_t>(file_bytes));
    if (!mapped) return std::unexpected(mapped.error());
    const std::string_view bytes = (*mapped)->bytes();

    if (auto header = wal::check_segment_header(bytes); !header) {
      // A segment's header is synced before any record goes after it, so a bad header
      // with nothing after it is a crash during creation; with records after it, damage.
      if (!newest || file_bytes > wal::segment_header_bytes) {
        return corrupt(file, 0, header.error().message);
      }
      std::fprintf(stderr, "file_storage: %s: removed a segment whose header was torn (%s)\n",
                   file.c_str(), header.error().message.c_str());
      if (::unlink(file.c_str()) != 0) return unavailable("cannot remove", file, errno);
      if (const int err = fsync_directory(data_dir_); err != 0) {
        return unavailable("cannot sync", data_dir_, err);
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
    if (::ftruncate(fd.get(), static_cast<off_t>(cut->offset)) != 0) {
      return unavailable("cannot truncate", file, errno);
    }
    if (::fdatasync(fd.get()) != 0) return unavailable("cannot sync", file, errno);
    std::fprintf(stderr,
                 "file_storage: %s: cut a torn record at byte offset %llu (%s); %llu bytes "
                 "removed from the end\n",
                 file.c_str(), static_cast<unsigned long long>(cut->offset), cut->reason.c_str(),
                 static_cast<unsigned long long>(cut->bytes_cut));
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
        return fail(code::storage_corrupt, "truncation to index " + std::to_string(last_kept->value) +
                                           " is outside the log");
      }
      entries_.resize(last_kept->value + 1 - first_index_.value);
      return {};
    }
  }
  return fail(code::storage_corrupt,
              "unknown record type " + std::to_string(static_cast<unsigned>(record.type)));
}

Result<void> FileStorage::open_segment_for_append(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return unavailable("cannot open", file, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return unavailable("cannot stat", file, err);
  }
  segment_fd_ = fd;
  segment_file_ = file;
  segment_bytes_ = static_cast<std::uint64_t>(st.st_size);
  return {};
}

Result<void> FileStorage::create_segment(std::uint64_t seq) {
  const fs::path file = segment_path(seq);
  FileDescriptor fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return unavailable("cannot create", file, errno);
  std::uint64_t failed_at = 0;
  if (const int err = write_all(fd.get(), wal::segment_header(), 0, &failed_at); err != 0) {
    return unavailable("cannot write the header of", file, err);
  }
  // The header and the file's directory entry are durable before any record follows, which
  // is what lets recovery treat a bad header with nothing after it as a torn creation.
  if (::fsync(fd.get()) != 0) return unavailable("cannot sync", file, errno);
  if (const int err = fsync_directory(data_dir_); err != 0) {
    return unavailable("cannot sync", data_dir_, err);
  }
  segment_fd_ = fd.release();
  segment_seq_ = seq;
  segment_file_ = file;
  segment_bytes_ = wal::segment_header_bytes;
  needs_sync_ = false;
  wal::append_hard_state_record(buffer_, hard_state_);
  return {};
}

void FileStorage::roll_segment() {
  sync();  // the old segment is complete on disk before the new one holds anything
  if (::close(segment_fd_) != 0) die("close", segment_file_, segment_bytes_, errno);
  segment_fd_ = -1;
  if (auto created = create_segment(segment_seq_ + 1); !created) die(created.error().message);
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
  std::uint64_t failed_at = 0;
  if (const int err = write_all(segment_fd_, buffer_, segment_bytes_, &failed_at); err != 0) {
    die("write", segment_file_, failed_at, err);
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
  if (::fdatasync(segment_fd_) != 0) die("fdatasync", segment_file_, segment_bytes_, errno);
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
    return fail(code::unavailable, "index " + std::to_string(index.value) + " is past the last index " +
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
                                   " is past the last index " + std::to_string(last_index().value));
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

}  // namespace auction::raft

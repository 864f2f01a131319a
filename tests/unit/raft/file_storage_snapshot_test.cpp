// FileStorage snapshots and compaction: a snapshot saved or installed is durable after the
// next sync() and comes back whole after a reopen; compaction deletes exactly the segments
// no replay needs any more; a crash at any step leaves a directory that opens to a log
// consistent with its snapshot; a damaged snapshot file, or a log that does not reach its
// snapshot, is refused with storage_corrupt naming what is wrong, never half-loaded.
#include <functional>
#include <string_view>

#include "auction/base/posix_disk.hpp"
#include "file_storage_test_support.hpp"
#include "raft/crc32c.hpp"
#include "raft/file_storage_format.hpp"

using namespace auction::raft;
using namespace auction::test;

namespace {

// Entries of make_entries()'s default size, and segments that hold exactly four of them
// after their opening records (header, hard state, log_start): segment n (from 1) holds
// entries 4n-3 .. 4n and opens with a log_start naming 4n-4, as long as no hard state is
// written in between.
constexpr std::uint64_t entries_per_segment = 4;
const std::size_t entry_bytes = wal::entry_record_bytes(make_entries(1, 1, 1)[0]);
const FileStorageOptions four_per_segment{
    .segment_bytes_max = wal::segment_header_bytes + wal::record_header_bytes +
                         wal::hard_state_payload_bytes + wal::record_header_bytes +
                         wal::log_start_payload_bytes + entries_per_segment * entry_bytes,
    .record_bytes_max = 1 << 20};

// Entries 1..count: term 1 up to 10, then term 2.
std::vector<Entry> two_term_log(std::uint64_t count) {
  std::vector<Entry> out;
  for (std::uint64_t index = 1; index <= count; ++index) {
    out.push_back(make_entries(index, 1, index <= 10 ? 1 : 2)[0]);
  }
  return out;
}

// Appends `entries` one sync at a time.
void append_synced(FileStorage& storage, const std::vector<Entry>& entries) {
  for (const Entry& entry : entries) {
    storage.append({&entry, 1});
    storage.sync();
  }
}

std::string snapshot_name(std::uint64_t index) {
  std::string digits = std::to_string(index);
  return "snapshot-" + std::string(20 - digits.size(), '0') + digits + ".snap";
}

std::vector<fs::path> snapshot_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& item : fs::directory_iterator(dir)) {
    const std::string name = item.path().filename().string();
    if (name.starts_with("snapshot-") && name.ends_with(".snap")) out.push_back(item.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<const Snapshot> snapshot_at(std::uint64_t index, std::uint64_t term) {
  // Binary data, different for every index.
  std::string data = "state machine at " + std::to_string(index) + std::string("\0\xff", 2);
  data += std::string(100 + index, static_cast<char>(index));
  // The configuration as of the snapshot: three voters and a learner.
  Membership membership = voters_of({NodeId{1}, NodeId{2}, NodeId{3}});
  membership.members.push_back(
      Member{NodeId{4}, MemberRole::learner, "learner.example:7000", "learner.example:7100"});
  return make_snapshot(SnapshotMeta{LogIndex{index}, Term{term}, std::move(membership)},
                       std::move(data));
}

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}

// With four_per_segment: entries 1-9 of term 1 (segment 3 opens after entry 8), then a new
// leader's 6-12 of term 2, whose truncate record to 5, in segment 3, reaches into segment 2.
// Returns the log as it reads afterwards.
std::vector<Entry> write_overwritten_log(FileStorage& storage) {
  append_synced(storage, make_entries(1, 9, 1));
  append_synced(storage, make_entries(6, 7, 2));
  return all_entries(storage);
}

std::vector<Entry> entries_from(const std::vector<Entry>& log, std::uint64_t first) {
  return {log.begin() + static_cast<std::ptrdiff_t>(first - 1), log.end()};
}

// A segment file of `version` holding `records` (framed by the wal:: encoders).
std::string segment_bytes(std::uint32_t version, const std::string& records) {
  std::string out(wal::segment_magic);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((version >> (8 * i)) & 0xFFu));
  const std::uint32_t crc = crc32c(out);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFFu));
  return out + records;
}

std::string segment_name(std::uint64_t seq) {
  std::string digits = std::to_string(seq);
  return "log-" + std::string(20 - digits.size(), '0') + digits + ".wal";
}

// The machine's disk, which a test can kill like the process that uses it: from the kill
// on, every call that would change a file or a name does nothing and succeeds (its caller
// no longer exists), so the directory keeps exactly what was done before. Every call is
// also recorded (operation and file name), so a test can check the order of the writes.
class KillableDisk final : public auction::Disk {
 public:
  // Dies just before the first call for which `at(operation, path)` is true.
  void kill_at(std::function<bool(std::string_view, const fs::path&)> at) { at_ = std::move(at); }
  void kill() { dead_ = true; }
  const std::vector<std::string>& calls() const { return calls_; }

  // Whether the call goes ahead (false: the disk is dead, do nothing and succeed).
  bool goes_ahead(std::string_view operation, const fs::path& path) {
    if (!dead_ && at_ && at_(operation, path)) dead_ = true;
    if (!dead_) calls_.push_back(std::string(operation) + " " + path.filename().string());
    return !dead_;
  }

  auction::Result<void> create_data_directory(const fs::path& dir) override {
    return inner_.create_data_directory(dir);
  }
  auction::Result<std::unique_ptr<auction::DirectoryLock>> lock_directory(
      const fs::path& dir) override {
    return inner_.lock_directory(dir);
  }
  auction::Result<std::vector<std::string>> list(const fs::path& dir) override {
    return inner_.list(dir);
  }
  auction::Result<std::unique_ptr<auction::DiskFile>> open(const fs::path& file,
                                                           auction::OpenMode mode) override;
  auction::Result<std::unique_ptr<auction::FileContents>> read(const fs::path& file) override {
    return inner_.read(file);
  }
  auction::Result<void> rename(const fs::path& from, const fs::path& to) override {
    if (!goes_ahead("rename", to)) return {};
    return inner_.rename(from, to);
  }
  auction::Result<void> remove(const fs::path& file) override {
    if (!goes_ahead("remove", file)) return {};
    return inner_.remove(file);
  }
  auction::Result<void> sync_directory(const fs::path& dir) override {
    if (!goes_ahead("sync_directory", dir)) return {};
    return inner_.sync_directory(dir);
  }

 private:
  auction::PosixDisk& inner_ = auction::posix_disk();
  std::function<bool(std::string_view, const fs::path&)> at_;
  bool dead_ = false;
  std::vector<std::string> calls_;
};

class KillableFile final : public auction::DiskFile {
 public:
  KillableFile(KillableDisk& disk, fs::path path, std::unique_ptr<auction::DiskFile> inner)
      : disk_(disk), path_(std::move(path)), inner_(std::move(inner)) {}

  const fs::path& path() const override { return path_; }
  auction::Result<std::uint64_t> size() override {
    return inner_ ? inner_->size() : auction::Result<std::uint64_t>(0);
  }
  auction::Result<void> write_at(std::uint64_t offset, std::string_view bytes) override {
    if (!inner_ || !disk_.goes_ahead("write_at", path_)) return {};
    return inner_->write_at(offset, bytes);
  }
  auction::Result<void> truncate(std::uint64_t bytes) override {
    if (!inner_ || !disk_.goes_ahead("truncate", path_)) return {};
    return inner_->truncate(bytes);
  }
  auction::Result<void> sync_data() override {
    if (!inner_ || !disk_.goes_ahead("sync_data", path_)) return {};
    return inner_->sync_data();
  }
  auction::Result<void> sync() override {
    if (!inner_ || !disk_.goes_ahead("sync", path_)) return {};
    return inner_->sync();
  }
  auction::Result<void> close() override {
    return inner_ ? inner_->close() : auction::Result<void>{};
  }

 private:
  KillableDisk& disk_;
  fs::path path_;
  std::unique_ptr<auction::DiskFile> inner_;
};

auction::Result<std::unique_ptr<auction::DiskFile>> KillableDisk::open(const fs::path& file,
                                                                       auction::OpenMode mode) {
  std::unique_ptr<auction::DiskFile> inner;
  if (goes_ahead("open", file)) {
    auto opened = inner_.open(file, mode);
    if (!opened) return std::unexpected(opened.error());
    inner = std::move(*opened);
  }
  return std::make_unique<KillableFile>(*this, file, std::move(inner));
}

std::unique_ptr<FileStorage> open_ok_on(auction::Disk& disk, const fs::path& dir,
                                        FileStorageOptions options = {}) {
  auto opened = FileStorage::open(disk, dir, std::move(options));
  if (!opened) FAIL("open failed: " << opened.error().code << ": " << opened.error().message);
  return std::move(*opened);
}

bool is_wal(const fs::path& path) { return path.extension() == ".wal"; }

}  // namespace

TEST_CASE("raft: file storage reopens a compacted log with the same entries terms and snapshot",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  const std::vector<Entry> written = two_term_log(20);
  const HardState state{Term{2}, NodeId{1}, true, LogIndex{15}};
  const auto snapshot = snapshot_at(12, 2);
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    append_synced(*storage, written);
    storage->set_hard_state(state);
    storage->sync();
    const auto segments = segment_files(dir.path());
    REQUIRE(segments.size() == 6);  // 5 of entries, and one for the hard state that followed

    storage->save_snapshot(snapshot);
    // Readers see it at once; its file is written by the next sync().
    CHECK(storage->snapshot_meta() == snapshot->meta);
    CHECK(storage->snapshot().value() == snapshot);
    CHECK(snapshot_files(dir.path()).empty());
    CHECK(storage->first_index() == LogIndex{1});
    storage->sync();
    CHECK(snapshot_files(dir.path()) == std::vector{dir / snapshot_name(12)});

    storage->compact(LogIndex{12});
    CHECK(storage->first_index() == LogIndex{13});
    CHECK(storage->last_index() == LogIndex{20});
    CHECK(storage->term(LogIndex{12}).value() == Term{2});
    CHECK(storage->term(LogIndex{11}).error().code == "compacted");
    CHECK(storage->entries(LogIndex{12}, LogIndex{14}, SIZE_MAX).error().code == "compacted");
    CHECK(all_entries(*storage) == entries_from(written, 13));
    // The files go at the next sync(), which runs where no reader waits on the storage.
    CHECK(segment_files(dir.path()) == segments);
    storage->sync();
    // Segments 1-3 hold entries 1-12 only: gone; segment 4 opens after entry 12.
    CHECK(segment_files(dir.path()) == std::vector<fs::path>(segments.begin() + 3, segments.end()));
    for (std::size_t i = 0; i < 3; ++i) CHECK_FALSE(fs::exists(segments[i]));
  }
  for (int reopen = 0; reopen < 2; ++reopen) {
    auto storage = open_ok(dir.path(), four_per_segment);
    CHECK_FALSE(storage->tail_cut());
    CHECK(storage->first_index() == LogIndex{13});
    CHECK(storage->last_index() == LogIndex{20});
    CHECK(storage->term(LogIndex{12}).value() == Term{2});
    CHECK(storage->term(LogIndex{11}).error().code == "compacted");
    CHECK(all_entries(*storage) == entries_from(written, 13));
    CHECK(storage->hard_state() == state);
    CHECK(storage->snapshot_meta() == snapshot->meta);
    REQUIRE(storage->snapshot().value() != nullptr);
    CHECK(*storage->snapshot().value() == *snapshot);
  }
}

TEST_CASE("raft: file storage keeps the entries below its snapshot that a kept segment holds",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  const std::vector<Entry> written = two_term_log(20);
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    append_synced(*storage, written);
    storage->save_snapshot(snapshot_at(10, 1));
    storage->sync();
    storage->compact(LogIndex{10});
    storage->sync();  // the files go at a sync, not when the storage closes
    CHECK(storage->first_index() == LogIndex{11});
  }
  // Segment 3 holds entries 9-12 and stays; replay starts where it opens, after entry 8.
  CHECK(segment_files(dir.path()).size() == 3);
  auto storage = open_ok(dir.path(), four_per_segment);
  CHECK(storage->first_index() == LogIndex{9});
  CHECK(storage->term(LogIndex{8}).value() == Term{1});
  CHECK(all_entries(*storage) == entries_from(written, 9));
  CHECK(storage->snapshot_meta() == snapshot_at(10, 1)->meta);

  // A loaded snapshot is durable: compacting right after the open is allowed.
  storage->compact(LogIndex{10});
  storage->sync();
  CHECK(storage->first_index() == LogIndex{11});
  CHECK(segment_files(dir.path()).size() == 3);
  storage->save_snapshot(snapshot_at(16, 2));
  storage->sync();
  storage->compact(LogIndex{16});
  storage->sync();
  CHECK(segment_files(dir.path()).size() == 1);  // segments 3 and 4 (entries up to 16) gone
  storage.reset();
  auto reopened = open_ok(dir.path(), four_per_segment);
  CHECK(reopened->first_index() == LogIndex{17});
  CHECK(all_entries(*reopened) == entries_from(written, 17));
}

TEST_CASE("raft: file storage replaces the whole log with an installed snapshot",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  const HardState state{Term{3}, NodeId{2}, true, LogIndex{4}};
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  SECTION("a snapshot beyond the log") {
    index = 25;
    term = 3;
  }
  SECTION("a snapshot inside a log that disagrees with it") {
    index = 5;
    term = 3;
  }
  SECTION("a snapshot inside a log that agrees with it") {
    index = 5;
    term = 1;
  }
  const auto snapshot = snapshot_at(index, term);
  const std::vector<Entry> after = make_entries(index + 1, 2, 3);
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    append_synced(*storage, make_entries(1, 10, 1));
    storage->set_hard_state(state);
    storage->install_snapshot(snapshot);
    CHECK(storage->first_index() == LogIndex{index + 1});
    CHECK(storage->last_index() == LogIndex{index});
    CHECK(storage->term(LogIndex{index}).value() == Term{term});
    CHECK(storage->term(LogIndex{index - 1}).error().code == "compacted");
    CHECK(all_entries(*storage).empty());
    CHECK(storage->hard_state() == state);
    CHECK(storage->snapshot().value() == snapshot);
    storage->sync();
    CHECK(snapshot_files(dir.path()) == std::vector{dir / snapshot_name(index)});
  }
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    CHECK(storage->first_index() == LogIndex{index + 1});
    CHECK(storage->last_index() == LogIndex{index});
    CHECK(storage->term(LogIndex{index}).value() == Term{term});
    CHECK(storage->hard_state() == state);
    REQUIRE(storage->snapshot().value() != nullptr);
    CHECK(*storage->snapshot().value() == *snapshot);
    storage->append(after);
    storage->sync();
    // Every segment up to the install can go: the log restarts after the snapshot.
    storage->compact(LogIndex{index});
  }
  auto storage = open_ok(dir.path(), four_per_segment);
  CHECK(storage->first_index() == LogIndex{index + 1});
  CHECK(all_entries(*storage) == after);
  CHECK(storage->hard_state() == state);
  CHECK(*storage->snapshot().value() == *snapshot);
}

TEST_CASE("raft: a crash between save_snapshot and sync keeps the previous snapshot",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  KillableDisk disk;
  const std::vector<Entry> written = make_entries(1, 10, 1);
  const auto older = snapshot_at(4, 1);
  {
    auto storage = open_ok_on(disk, dir.path());
    append_synced(*storage, written);
    storage->save_snapshot(older);
    storage->sync();
    storage->save_snapshot(snapshot_at(8, 1));
    SECTION("before the sync") { disk.kill(); }
    SECTION("while the snapshot file is written") {
      disk.kill_at([](std::string_view operation, const fs::path& path) {
        return operation == "sync" && path.filename() == "snapshot.tmp";
      });
      storage->sync();
      CHECK(fs::exists(dir / "snapshot.tmp"));
    }
    SECTION("before the rename") {
      disk.kill_at(
          [](std::string_view operation, const fs::path&) { return operation == "rename"; });
      storage->sync();
      CHECK(fs::exists(dir / "snapshot.tmp"));
    }
  }  // the dying storage's last sync() reaches nothing
  CHECK(snapshot_files(dir.path()) == std::vector{dir / snapshot_name(4)});
  auto storage = open_ok(dir.path());
  CHECK_FALSE(fs::exists(dir / "snapshot.tmp"));
  CHECK(storage->snapshot_meta() == older->meta);
  CHECK(*storage->snapshot().value() == *older);
  CHECK(all_entries(*storage) == written);
}

TEST_CASE("raft: file storage removes an older snapshot file only once a newer one is durable",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  KillableDisk disk;
  auto storage = open_ok_on(disk, dir.path());
  append_synced(*storage, make_entries(1, 10, 1));
  storage->save_snapshot(snapshot_at(3, 1));
  storage->sync();
  CHECK(snapshot_files(dir.path()) == std::vector{dir / snapshot_name(3)});
  const auto calls_before = static_cast<std::ptrdiff_t>(disk.calls().size());
  storage->save_snapshot(snapshot_at(6, 1));
  storage->sync();
  CHECK(snapshot_files(dir.path()) == std::vector{dir / snapshot_name(6)});
  const std::vector<std::string> calls(disk.calls().begin() + calls_before, disk.calls().end());
  const auto at = [&calls](const std::string& call) {
    return std::find(calls.begin(), calls.end(), call);
  };
  // The new file is synced, renamed into place and its name synced, and only then is the
  // old one removed.
  const auto synced = at("sync snapshot.tmp");
  const auto renamed = at("rename " + snapshot_name(6));
  const auto removed = at("remove " + snapshot_name(3));
  REQUIRE(removed != calls.end());
  CHECK(synced < renamed);
  CHECK(renamed < removed);
  CHECK(std::find(renamed, removed, "sync_directory " + dir.path().filename().string()) != removed);
}

TEST_CASE("raft: file storage writes an installed snapshot before the log record that needs it",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  KillableDisk disk;
  auto storage = open_ok_on(disk, dir.path());
  append_synced(*storage, make_entries(1, 5, 1));
  const std::size_t calls_before = disk.calls().size();
  storage->install_snapshot(snapshot_at(30, 2));
  SECTION("at the sync") { storage->sync(); }
  SECTION("when a large batch fills the write buffer before any sync") {
    storage->append(make_entries(31, 3, 2, 600 << 10));  // 1.8 MiB
    CHECK(snapshot_files(dir.path()) == std::vector{dir / snapshot_name(30)});
  }
  const std::vector<std::string> calls(
      disk.calls().begin() + static_cast<std::ptrdiff_t>(calls_before), disk.calls().end());
  const auto first_wal_write =
      std::find_if(calls.begin(), calls.end(),
                   [](const std::string& call) { return call.starts_with("write_at log-"); });
  const auto renamed = std::find(calls.begin(), calls.end(), "rename " + snapshot_name(30));
  REQUIRE(first_wal_write != calls.end());
  REQUIRE(renamed < first_wal_write);
  CHECK(std::find_if(renamed, first_wal_write, [](const std::string& call) {
          return call.starts_with("sync_directory");
        }) != first_wal_write);
}

TEST_CASE("raft: file storage refuses a damaged snapshot file naming the file",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  std::string older_bytes;
  {
    auto storage = open_ok(dir.path());
    append_synced(*storage, make_entries(1, 10, 1));
    storage->save_snapshot(snapshot_at(3, 1));
    storage->sync();
    older_bytes = read_bytes(dir / snapshot_name(3));
    storage->save_snapshot(snapshot_at(6, 1));
    storage->sync();
    storage->compact(LogIndex{6});
  }
  // An intact older snapshot is there too: a damaged newest one is never replaced by it.
  write_bytes(dir / snapshot_name(3), older_bytes);
  fs::path file = dir / snapshot_name(6);
  const std::string pristine = read_bytes(file);
  const std::size_t header_bytes = wal::snapshot_header(*snapshot_at(6, 1)).size();
  REQUIRE(pristine.size() == header_bytes + snapshot_at(6, 1)->data.size());
  const std::string says = "but its header says " + std::to_string(header_bytes) + " + ";
  std::string damaged = pristine;
  std::string reason;
  SECTION("a flipped data byte") {
    damaged[header_bytes + 40] ^= 0x10;
    reason = "snapshot data checksum mismatch";
  }
  SECTION("a flipped byte in the index") {
    damaged[13] ^= 0x01;
    reason = "snapshot header checksum mismatch";
  }
  SECTION("a flipped byte in the magic") {
    damaged[0] = 'X';
    reason = "bad magic";
  }
  SECTION("a file cut short in its data") {
    damaged.pop_back();
    reason = says;
  }
  SECTION("a file cut short in its header") {
    damaged.resize(20);
    reason = "header is incomplete";
  }
  SECTION("bytes after its data") {
    damaged += "x";
    reason = says;
  }
  SECTION("a flipped byte in the configuration") {
    damaged[50] ^= 0x01;
    reason = "snapshot header checksum mismatch";
  }
  SECTION("a configuration that does not decode, under a checksum that matches") {
    damaged[44] = 9;  // the configuration's version
    const std::uint32_t crc = crc32c(std::string_view(damaged).substr(0, header_bytes - 4));
    for (int i = 0; i < 4; ++i) {
      damaged[header_bytes - 4 + static_cast<std::size_t>(i)] =
          static_cast<char>((crc >> (8 * i)) & 0xFFu);
    }
    reason = "unknown configuration version 9";
  }
  SECTION("an unknown format version") {
    damaged[8] = 3;
    reason = "unsupported snapshot format version 3";
  }
  SECTION("a name that is not its index") {
    fs::remove(file);
    file = dir / snapshot_name(7);
    reason = "holds the snapshot at index 6";
  }
  write_bytes(file, damaged);
  auto opened = FileStorage::open(dir.path());
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == "storage_corrupt");
  CHECK_THAT(opened.error().message, Catch::Contains(file.string()));
  CHECK_THAT(opened.error().message, Catch::Contains(reason));
  CHECK(read_bytes(file) == damaged);  // refusing changed nothing
}

TEST_CASE(
    "raft: file storage keeps a snapshot's configuration, and reads a file of format 1 that "
    "records none",
    "[raft][file_storage][snapshot]") {
  TempDir dir;
  const auto snapshot = snapshot_at(6, 1);
  {
    auto storage = open_ok(dir.path());
    append_synced(*storage, make_entries(1, 10, 1));
    storage->save_snapshot(snapshot);
    storage->sync();
    storage->compact(LogIndex{6});
  }
  {
    auto storage = open_ok(dir.path());
    CHECK(storage->snapshot_meta() == snapshot->meta);
    CHECK(storage->snapshot_meta().membership.find(NodeId{4})->raft_address ==
          "learner.example:7000");
  }
  // The same snapshot as an older build wrote it: no configuration in the header.
  std::string v1(wal::snapshot_magic);
  put_le(v1, 1, 4);
  put_le(v1, 6, 8);
  put_le(v1, 1, 8);
  put_le(v1, snapshot->data.size(), 8);
  put_le(v1, snapshot->checksum, 4);
  put_le(v1, crc32c(v1), 4);
  write_bytes(dir / snapshot_name(6), v1 + snapshot->data);
  auto storage = open_ok(dir.path());
  CHECK(storage->snapshot_meta() == SnapshotMeta{LogIndex{6}, Term{1}});
  CHECK(storage->snapshot_meta().membership.empty());
  CHECK(storage->snapshot().value()->data == snapshot->data);
}

TEST_CASE("raft: file storage removes a leftover snapshot.tmp on open",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  const auto snapshot = snapshot_at(5, 1);
  {
    auto storage = open_ok(dir.path());
    append_synced(*storage, make_entries(1, 8, 1));
    storage->save_snapshot(snapshot);
    storage->sync();
  }
  write_bytes(dir / "snapshot.tmp", "PPAPDSNP half a snapshot");
  auto storage = open_ok(dir.path());
  CHECK_FALSE(fs::exists(dir / "snapshot.tmp"));
  CHECK(*storage->snapshot().value() == *snapshot);
  CHECK(all_entries(*storage) == make_entries(1, 8, 1));
}

TEST_CASE("raft: file storage refuses a log whose start is not covered by its snapshot",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  std::string older_bytes;
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    append_synced(*storage, two_term_log(20));
    storage->save_snapshot(snapshot_at(8, 1));
    storage->sync();
    older_bytes = read_bytes(dir / snapshot_name(8));
    storage->save_snapshot(snapshot_at(12, 2));
    storage->sync();
    storage->compact(LogIndex{12});
    storage->sync();  // the log on disk now starts after 12
  }
  fs::remove(dir / snapshot_name(12));
  std::string expected;
  SECTION("an older snapshot: the entries between are missing") {
    write_bytes(dir / snapshot_name(8), older_bytes);
    expected = "ends at index 8: the entries between are missing";
  }
  SECTION("no snapshot at all") { expected = "there is no snapshot"; }
  auto opened = FileStorage::open(dir.path(), four_per_segment);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == "storage_corrupt");
  CHECK_THAT(opened.error().message, Catch::Contains("the log starts after index 12"));
  CHECK_THAT(opened.error().message, Catch::Contains(expected));
}

TEST_CASE("raft: file storage discards a log that ends before or disagrees with its snapshot",
          "[raft][file_storage][snapshot]") {
  // A crash after an installed snapshot's file was durable and before the log_start record
  // that discards the log was: the snapshot wins at the next open.
  TempDir dir;
  std::uint64_t index = 0;
  SECTION("a log that ends before the snapshot") { index = 10; }
  SECTION("a log whose term at the snapshot index differs") { index = 3; }
  const auto snapshot = snapshot_at(index, 2);
  {
    KillableDisk disk;
    auto storage = open_ok_on(disk, dir.path());
    append_synced(*storage, make_entries(1, 5, 1));
    disk.kill_at([](std::string_view operation, const fs::path& path) {
      return operation == "write_at" && is_wal(path);
    });
    storage->install_snapshot(snapshot);
    storage->sync();
  }
  REQUIRE(snapshot_files(dir.path()) == std::vector{dir / snapshot_name(index)});
  {
    auto storage = open_ok(dir.path());
    CHECK(storage->first_index() == LogIndex{index + 1});
    CHECK(storage->last_index() == LogIndex{index});
    CHECK(storage->term(LogIndex{index}).value() == Term{2});
    CHECK(*storage->snapshot().value() == *snapshot);
    storage->append(make_entries(index + 1, 1, 2));
  }
  auto storage = open_ok(dir.path());
  CHECK(storage->first_index() == LogIndex{index + 1});
  CHECK(all_entries(*storage) == make_entries(index + 1, 1, 2));
}

TEST_CASE("raft: segments compaction picked are removed at a sync and kept by a close",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  const std::vector<Entry> written = two_term_log(20);
  std::vector<fs::path> segments;
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    append_synced(*storage, written);
    segments = segment_files(dir.path());
    storage->save_snapshot(snapshot_at(12, 2));
    storage->sync();
    storage->compact(LogIndex{12});
  }  // closed before any sync: the picked segments stay, and replay handles them
  CHECK(segment_files(dir.path()) == segments);
  auto storage = open_ok(dir.path(), four_per_segment);
  CHECK(all_entries(*storage) == entries_from(written, 1));
  storage->compact(LogIndex{12});
  storage->sync();
  CHECK(segment_files(dir.path()) == std::vector<fs::path>(segments.begin() + 3, segments.end()));
  CHECK(all_entries(*storage) == entries_from(written, 13));
}

TEST_CASE("raft: compaction keeps a segment that a later truncate record reaches into",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  std::vector<Entry> log;
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    log = write_overwritten_log(*storage);
    REQUIRE(log.size() == 12);
    const auto segments = segment_files(dir.path());
    storage->save_snapshot(snapshot_at(8, 2));
    storage->sync();
    storage->compact(LogIndex{8});
    storage->sync();
    // Segments 1 and 2 hold entries up to 8 only, but without segment 2 the truncate to 5
    // would cut entries no remaining segment holds: only segment 1 goes.
    CHECK(segment_files(dir.path()) == std::vector<fs::path>(segments.begin() + 1, segments.end()));
  }
  auto storage = open_ok(dir.path(), four_per_segment);
  CHECK(storage->first_index() == LogIndex{5});
  CHECK(all_entries(*storage) == entries_from(log, 5));
  CHECK(storage->snapshot_meta() == snapshot_at(8, 2)->meta);
}

TEST_CASE("raft: a crash between two segment removals leaves a log that opens after its snapshot",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  std::vector<Entry> log;
  std::vector<fs::path> segments;
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    log = write_overwritten_log(*storage);
    segments = segment_files(dir.path());
    storage->save_snapshot(snapshot_at(12, 2));
    storage->sync();
    storage->compact(LogIndex{12});  // picks segments 1 to 3; closed before the sync
  }
  // The crash kept the first two removals and not the third: segment 3, whose truncate
  // reaches into the removed segment 2, is now the first.
  fs::remove(segments[0]);
  fs::remove(segments[1]);
  auto storage = open_ok(dir.path(), four_per_segment);
  CHECK(storage->snapshot_meta() == snapshot_at(12, 2)->meta);
  CHECK(storage->first_index() == LogIndex{13});
  CHECK(all_entries(*storage) == entries_from(log, 13));
  CHECK(storage->term(LogIndex{12}).value() == Term{2});
}

TEST_CASE("raft: compaction after a reopen still keeps a segment a later truncate reaches into",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  std::vector<Entry> log;
  std::vector<fs::path> segments;
  {
    auto storage = open_ok(dir.path(), four_per_segment);
    log = write_overwritten_log(*storage);
    segments = segment_files(dir.path());
  }
  {
    // What compaction knows of each segment now comes from replay: where each segment
    // picks up is its opening log_start's index, not where the log begins.
    auto storage = open_ok(dir.path(), four_per_segment);
    storage->save_snapshot(snapshot_at(8, 2));
    storage->sync();
    storage->compact(LogIndex{8});
    storage->sync();
    CHECK(segment_files(dir.path()).front() == segments[1]);
  }
  auto storage = open_ok(dir.path(), four_per_segment);
  CHECK(all_entries(*storage) == entries_from(log, 5));
}

TEST_CASE("raft: compaction removes no segment before the newest one's opening records are synced",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  auto storage = open_ok(dir.path(), four_per_segment);
  append_synced(*storage, make_entries(1, 8, 1));
  storage->save_snapshot(snapshot_at(4, 1));
  storage->sync();
  storage->append(make_entries(9, 8, 1));  // rolls two segments; the newest is not synced
  const auto segments = segment_files(dir.path());
  storage->compact(LogIndex{4});
  CHECK(storage->first_index() == LogIndex{5});
  CHECK(segment_files(dir.path()) == segments);
  storage->sync();
  storage->compact(LogIndex{4});
  storage->sync();
  CHECK(segment_files(dir.path()) == std::vector<fs::path>(segments.begin() + 1, segments.end()));
}

TEST_CASE("raft: compacting before the snapshot was synced is a bug that aborts",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  const auto outcome = run_in_child([&dir] {
    auto storage = FileStorage::open(dir.path());
    if (!storage) ::_exit(3);
    (*storage)->append(make_entries(1, 4, 1));
    (*storage)->save_snapshot(snapshot_at(2, 1));
    (*storage)->compact(LogIndex{2});
  });
  CHECK(outcome.aborted);
  CHECK_THAT(outcome.stderr_text, Catch::Contains("compact() before the snapshot was synced"));
}

TEST_CASE("raft: file storage opens version-1 segments and continues in a new segment",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  std::string records;
  wal::append_hard_state_record(records, HardState{Term{1}, NodeId{1}, true, LogIndex{0}});
  for (const Entry& entry : make_entries(1, 3, 1)) wal::append_entry_record(records, entry);
  wal::append_truncate_record(records, LogIndex{2});
  wal::append_entry_record(records, make_entries(3, 1, 2)[0]);
  const std::string version_1 = segment_bytes(1, records);
  std::vector<Entry> expected = make_entries(1, 2, 1);
  expected.push_back(make_entries(3, 1, 2)[0]);

  write_bytes(dir / segment_name(1), version_1);
  {
    auto storage = open_ok(dir.path());
    CHECK(all_entries(*storage) == expected);
    CHECK(storage->hard_state() == HardState{Term{1}, NodeId{1}, true, LogIndex{0}});
    // New records go to a new segment of the current version; the old one is left as it was.
    CHECK(segment_files(dir.path()) == std::vector{dir / segment_name(1), dir / segment_name(2)});
    CHECK(read_bytes(dir / segment_name(1)) == version_1);
    CHECK(read_bytes(dir / segment_name(2)).substr(0, 16) == wal::segment_header());
    const auto more = make_entries(4, 2, 2);
    expected.insert(expected.end(), more.begin(), more.end());
    storage->append(more);
    storage->sync();
    storage->save_snapshot(snapshot_at(3, 2));
    storage->sync();
    storage->compact(LogIndex{3});
    storage->sync();
  }
  CHECK(segment_files(dir.path()) == std::vector{dir / segment_name(2)});
  auto storage = open_ok(dir.path());
  CHECK(storage->first_index() == LogIndex{4});
  CHECK(all_entries(*storage) == entries_from(expected, 4));
}

TEST_CASE("raft: file storage refuses log start records that break the replay rules",
          "[raft][file_storage][snapshot]") {
  TempDir dir;
  std::string records;
  wal::append_hard_state_record(records, HardState{});
  std::uint32_t version = wal::format_version;
  std::string reason;
  SECTION("an index beyond the bound") {
    wal::append_log_start_record(records, {LogIndex{log_index_max + 1}, Term{1}});
    reason = "beyond the bound 2^48";
  }
  SECTION("a term beyond the bound") {
    wal::append_log_start_record(records, {LogIndex{4}, Term{term_max + 1}});
    reason = "beyond the bound 2^48";
  }
  SECTION("index 0 with a term") {
    wal::append_log_start_record(records, {LogIndex{0}, Term{3}});
    reason = "index 0";
  }
  SECTION("an entry that does not follow it") {
    wal::append_log_start_record(records, {LogIndex{0}, Term{0}});
    wal::append_entry_record(records, make_entry(1, 2, "x"));
    reason = "entry index 2 does not follow the last index 0";
  }
  SECTION("a truncate before it") {
    wal::append_entry_record(records, make_entry(1, 1, "x"));
    wal::append_entry_record(records, make_entry(1, 2, "y"));
    wal::append_log_start_record(records, {LogIndex{1}, Term{1}});
    wal::append_truncate_record(records, LogIndex{0});
    reason = "truncation to index 0 is outside the log";
  }
  SECTION("an entry whose term is below the one it names") {
    wal::append_log_start_record(records, {LogIndex{0}, Term{0}});
    wal::append_entry_record(records, make_entry(3, 1, "x"));
    wal::append_log_start_record(records, {LogIndex{1}, Term{4}});  // replaces the log
    wal::append_entry_record(records, make_entry(3, 2, "y"));
    reason = "below the term of the entry before it";
  }
  SECTION("in a version-1 segment") {
    wal::append_log_start_record(records, {LogIndex{0}, Term{0}});
    version = 1;
    reason = "a log start record in a version-1 segment";
  }
  SECTION("a log that starts later with no snapshot") {
    wal::append_log_start_record(records, {LogIndex{4}, Term{1}});
    wal::append_entry_record(records, make_entry(1, 5, "x"));
    reason = "there is no snapshot: the entries up to it are missing";
  }
  // A well-formed record after the bad one, so that it is not taken for a torn tail.
  wal::append_hard_state_record(records, HardState{});
  write_bytes(dir / segment_name(1), segment_bytes(version, records));
  auto opened = FileStorage::open(dir.path());
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == "storage_corrupt");
  CHECK_THAT(opened.error().message, Catch::Contains(reason));
}

TEST_CASE("raft: file storage replays a log start record that replaces the log",
          "[raft][file_storage][snapshot]") {
  // The records an install leaves, written by hand with the snapshot file beside them.
  TempDir dir;
  std::string records;
  wal::append_hard_state_record(records, HardState{Term{2}, NodeId{3}, true, LogIndex{1}});
  wal::append_log_start_record(records, {LogIndex{0}, Term{0}});  // a no-op: the log is empty
  for (const Entry& entry : make_entries(1, 3, 1)) wal::append_entry_record(records, entry);
  wal::append_log_start_record(records, {LogIndex{3}, Term{1}});  // a no-op: the log ends there
  wal::append_log_start_record(records, {LogIndex{9}, Term{2}});  // the install
  for (const Entry& entry : make_entries(10, 2, 2)) wal::append_entry_record(records, entry);
  write_bytes(dir / segment_name(1), segment_bytes(wal::format_version, records));
  const auto snapshot = snapshot_at(9, 2);
  write_bytes(dir / snapshot_name(9), wal::snapshot_header(*snapshot) + snapshot->data);

  auto storage = open_ok(dir.path());
  CHECK(storage->first_index() == LogIndex{10});
  CHECK(storage->term(LogIndex{9}).value() == Term{2});
  CHECK(all_entries(*storage) == make_entries(10, 2, 2));
  CHECK(storage->hard_state() == HardState{Term{2}, NodeId{3}, true, LogIndex{1}});
  CHECK(*storage->snapshot().value() == *snapshot);
}

TEST_CASE("raft: file storage writes the documented example segment and snapshot byte for byte",
          "[raft][file_storage][snapshot]") {
  // The hex dumps in docs/raft-storage.md ("Example").
  const auto from_hex = [](std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
  };
  TempDir dir;
  {
    auto storage = open_ok(dir.path());
    storage->set_hard_state(HardState{Term{2}, NodeId{3}, true, LogIndex{0}});
    storage->append(std::vector{make_entry(2, 1, "hi")});
    storage->sync();
  }
  CHECK(read_bytes(dir / segment_name(1)) ==
        from_hex("505041504457414c02000000ad9f74a6"
                 "19000000c39b68550200000000000000000000000000000000000000000000000000"
                 "10000000ccb982640400000000000000000000000000000000"
                 "1900000050be121d0202000000000000000300000000000000010000000000000000"
                 "13000000a59838190102000000000000000100000000000000006869"));
  TempDir snapshot_dir;
  {
    auto storage = open_ok(snapshot_dir.path());
    storage->append(make_entries(1, 3, 2));
    storage->save_snapshot(
        make_snapshot(SnapshotMeta{LogIndex{3}, Term{2}, voters_of({NodeId{1}})}, "state"));
    storage->sync();
  }
  CHECK(read_bytes(snapshot_dir / snapshot_name(3)) ==
        from_hex("5050415044534e50020000000300000000000000020000000000000005000000"
                 "00000000df68db660d0000000101010000000000000001000056912e96"
                 "7374617465"));
}

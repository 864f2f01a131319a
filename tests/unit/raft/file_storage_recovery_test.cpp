// FileStorage recovery: a torn tail is cut and everything before it kept; damage anywhere
// else refuses to open with storage_corrupt naming the file and offset; garbage never
// crashes the reader and never yields an entry that was not written.
#include <random>

#include "file_storage_test_support.hpp"
#include "raft/crc32c.hpp"
#include "raft/file_storage_format.hpp"

using namespace auction::raft;
using namespace auction::test;

namespace {

// A closed data directory with one segment, and what each record boundary in it means.
struct WrittenLog {
  TempDir dir;
  fs::path segment;
  std::string bytes;                    // the segment as written
  std::vector<std::size_t> ends;        // offset just past each record, in order
  std::vector<std::size_t> entry_ends;  // ends[] of entry records only, in log order
  std::vector<Entry> entries;           // the log as written
  std::vector<std::pair<std::size_t, HardState>> hard_states;  // (record end, state)

  // The log and hard state a file cut at `size` must recover.
  std::vector<Entry> entries_within(std::size_t size) const {
    std::vector<Entry> out;
    for (std::size_t i = 0; i < entries.size() && entry_ends[i] <= size; ++i) {
      out.push_back(entries[i]);
    }
    return out;
  }
  HardState hard_state_within(std::size_t size) const {
    HardState state;
    for (const auto& [end, written] : hard_states) {
      if (end <= size) state = written;
    }
    return state;
  }
  std::size_t last_end_within(std::size_t size) const {
    std::size_t last = wal::segment_header_bytes;
    for (const std::size_t end : ends) {
      if (end <= size) last = end;
    }
    return last;
  }
};

// Entries of several sizes, hard states between them, synced in a few batches; no
// overwrites, so that every intact prefix of the file is a prefix of the log.
std::unique_ptr<WrittenLog> write_log() {
  auto log = std::make_unique<WrittenLog>();
  {
    auto storage = open_ok(log->dir.path());
    storage->set_hard_state(HardState{Term{1}, NodeId{2}, true, LogIndex{0}});
    storage->append(std::vector{make_entry(1, 1, "", EntryType::noop)});
    storage->append(make_entries(2, 3, 1, 1));
    storage->sync();
    storage->append(make_entries(5, 2, 1, 40));
    storage->set_hard_state(HardState{Term{2}, NodeId{3}, true, LogIndex{5}});
    storage->sync();
    storage->append(make_entries(7, 3, 2, 7));
    storage->set_hard_state(HardState{Term{2}, NodeId{3}, true, LogIndex{8}});
    storage->append(make_entries(10, 1, 2, 25));
    storage->sync();
  }
  const auto files = segment_files(log->dir.path());
  REQUIRE(files.size() == 1);
  log->segment = files[0];
  log->bytes = read_bytes(log->segment);
  for (std::size_t offset = wal::segment_header_bytes; offset < log->bytes.size();) {
    auto record = wal::parse_record(log->bytes, offset, 1 << 20);
    REQUIRE(record);
    if (record->type == wal::RecordType::entry) {
      log->entries.push_back(wal::decode_entry(record->payload).value());
      log->entry_ends.push_back(record->end);
    } else if (record->type == wal::RecordType::hard_state) {
      log->hard_states.emplace_back(record->end, wal::decode_hard_state(record->payload).value());
    }
    log->ends.push_back(record->end);
    offset = record->end;
  }
  REQUIRE(log->entries.size() == 10);
  return log;
}

// A fresh copy of `log`'s directory with its segment replaced by `segment_bytes`.
std::unique_ptr<TempDir> copy_with_segment(const WrittenLog& log,
                                           const std::string& segment_bytes) {
  auto copy = std::make_unique<TempDir>();
  write_bytes(copy->path() / log.segment.filename(), segment_bytes);
  return copy;
}

}  // namespace

TEST_CASE("raft: file storage cuts a torn tail at every length and keeps all before it",
          "[raft][file_storage]") {
  const auto log = write_log();
  for (std::size_t size = 0; size < log->bytes.size(); ++size) {
    INFO("segment cut to " << size << " of " << log->bytes.size() << " bytes");
    const auto copy = copy_with_segment(*log, log->bytes.substr(0, size));
    const fs::path segment = copy->path() / log->segment.filename();
    auto storage = open_ok(copy->path());

    CHECK(all_entries(*storage) == log->entries_within(size));
    CHECK(storage->hard_state() == log->hard_state_within(size));
    if (size < wal::segment_header_bytes) {
      // The crash came before the header was durable: the segment is gone and a new one
      // takes its place.
      REQUIRE(storage->tail_cut());
      CHECK(storage->tail_cut()->offset == 0);
      continue;
    }
    const std::size_t kept = log->last_end_within(size);
    CHECK(fs::file_size(segment) == kept);
    if (kept == size) {
      CHECK_FALSE(storage->tail_cut());
    } else {
      REQUIRE(storage->tail_cut());
      CHECK(storage->tail_cut()->file == segment);
      CHECK(storage->tail_cut()->offset == kept);
      CHECK(storage->tail_cut()->bytes_cut == size - kept);
    }
    // The cut file takes new appends and replays cleanly.
    const LogIndex next{storage->last_index().value + 1};
    storage->append(std::vector{make_entry(9, next.value, "new")});
    storage->sync();
    storage.reset();
    auto reopened = open_ok(copy->path());
    CHECK_FALSE(reopened->tail_cut());
    CHECK(reopened->last_index() == next);
  }
}

TEST_CASE("raft: file storage logs the torn tail it cuts in one line naming file and offset",
          "[raft][file_storage]") {
  const auto log = write_log();
  const std::size_t size = log->ends[4] + 3;
  const auto copy = copy_with_segment(*log, log->bytes.substr(0, size));
  StderrCapture captured;
  auto storage = open_ok(copy->path());
  const std::string text = captured.text();
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  CHECK_THAT(text, Catch::Contains((copy->path() / log->segment.filename()).string()));
  CHECK_THAT(text, Catch::Contains("byte offset " + std::to_string(log->ends[4])));
}

TEST_CASE("raft: file storage cuts off a last record with a flipped byte", "[raft][file_storage]") {
  const auto log = write_log();
  const std::size_t start = log->ends[log->ends.size() - 2];
  for (std::size_t at = start; at < log->bytes.size(); ++at) {
    INFO("byte " << at << " flipped");
    std::string damaged = log->bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    const auto copy = copy_with_segment(*log, damaged);
    auto storage = open_ok(copy->path());
    REQUIRE(storage->tail_cut());
    CHECK(storage->tail_cut()->offset == start);
    CHECK(all_entries(*storage) == log->entries_within(start));
  }
}

TEST_CASE("raft: file storage refuses a damaged record followed by intact ones",
          "[raft][file_storage]") {
  const auto log = write_log();
  // Every record but the last, damaged at its length, checksum, type and payload bytes.
  std::size_t start = wal::segment_header_bytes;
  for (std::size_t r = 0; r + 1 < log->ends.size(); ++r) {
    const std::size_t end = log->ends[r];
    for (const std::size_t at : {start, start + 5, start + 8, end - 1}) {
      INFO("record at " << start << ", byte " << at << " flipped");
      std::string damaged = log->bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
      const auto copy = copy_with_segment(*log, damaged);
      auto opened = FileStorage::open(copy->path());
      REQUIRE_FALSE(opened);
      CHECK(opened.error().code == "storage_corrupt");
      CHECK_THAT(opened.error().message, Catch::Contains(log->segment.filename().string()));
      CHECK_THAT(opened.error().message, Catch::Contains("byte offset " + std::to_string(start)));
      // Refusing changed nothing on disk.
      CHECK(read_bytes(copy->path() / log->segment.filename()) == damaged);
    }
    start = end;
  }
}

TEST_CASE("raft: file storage refuses damage in a segment that is not the newest",
          "[raft][file_storage]") {
  TempDir dir;
  const FileStorageOptions options{.segment_bytes_max = 200, .record_bytes_max = 1 << 20};
  {
    auto storage = open_ok(dir.path(), options);
    for (std::uint64_t i = 1; i <= 20; ++i) {
      storage->append(make_entries(i, 1, 1, 30));
      storage->sync();
    }
  }
  const auto files = segment_files(dir.path());
  REQUIRE(files.size() >= 4);
  const fs::path older = files[1];
  const std::string pristine = read_bytes(older);

  SECTION("a flipped byte in its last record") {
    std::string damaged = pristine;
    damaged.back() = static_cast<char>(damaged.back() ^ 0x40);
    write_bytes(older, damaged);
  }
  SECTION("a torn last record") { write_bytes(older, pristine.substr(0, pristine.size() - 3)); }
  SECTION("a damaged header") {
    std::string damaged = pristine;
    damaged[2] = 'x';
    write_bytes(older, damaged);
  }
  auto opened = FileStorage::open(dir.path(), options);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == "storage_corrupt");
  CHECK_THAT(opened.error().message, Catch::Contains(older.filename().string()));
  CHECK_THAT(opened.error().message, Catch::Contains("byte offset"));
}

TEST_CASE("raft: file storage refuses a log with a missing segment", "[raft][file_storage]") {
  TempDir dir;
  const FileStorageOptions options{.segment_bytes_max = 200, .record_bytes_max = 1 << 20};
  {
    auto storage = open_ok(dir.path(), options);
    storage->append(make_entries(1, 20, 1, 30));
  }
  const auto files = segment_files(dir.path());
  REQUIRE(files.size() >= 3);
  fs::remove(files[1]);
  auto opened = FileStorage::open(dir.path(), options);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == "storage_corrupt");
  CHECK_THAT(opened.error().message, Catch::Contains(files[1].filename().string()));
}

TEST_CASE("raft: file storage refuses a record longer than the configured maximum",
          "[raft][file_storage]") {
  TempDir dir;
  {
    auto storage = open_ok(dir.path());
    storage->append(make_entries(1, 1, 1, 5000));
    storage->append(make_entries(2, 1, 1, 10));
  }
  // Reopened with a smaller bound, the long record is damage followed by an intact record.
  auto opened =
      FileStorage::open(dir.path(), {.segment_bytes_max = 1 << 20, .record_bytes_max = 1000});
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == "storage_corrupt");
  CHECK_THAT(opened.error().message, Catch::Contains("exceeds the maximum 1000"));
}

TEST_CASE("raft: file storage survives random garbage without crashing or inventing entries",
          "[raft][file_storage]") {
  const auto log = write_log();
  std::mt19937_64 random(20261126);
  auto random_bytes = [&random](std::size_t n) {
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(random());
    return out;
  };
  const std::string header = log->bytes.substr(0, wal::segment_header_bytes);
  int refused = 0;
  int opened_count = 0;

  for (int round = 0; round < 300; ++round) {
    INFO("round " << round);
    std::string segment;
    switch (round % 4) {
      case 0:  // a segment file of pure garbage
        segment = random_bytes(random() % 3000);
        break;
      case 1:  // a valid header followed by garbage
        segment = header + random_bytes(random() % 3000);
        break;
      case 2: {  // the real log with a few bytes overwritten at random
        segment = log->bytes;
        for (int n = 1 + static_cast<int>(random() % 3); n > 0; --n) {
          segment[random() % segment.size()] = static_cast<char>(random());
        }
        break;
      }
      default:  // the real log, cut short, with garbage after it
        segment = log->bytes.substr(0, random() % log->bytes.size()) + random_bytes(random() % 200);
        break;
    }
    const auto copy = copy_with_segment(*log, segment);
    auto opened = FileStorage::open(copy->path());
    if (!opened) {
      CHECK(opened.error().code == "storage_corrupt");
      ++refused;
      continue;
    }
    ++opened_count;
    const auto recovered = all_entries(**opened);
    REQUIRE(recovered.size() <= log->entries.size());
    for (std::size_t i = 0; i < recovered.size(); ++i) CHECK(recovered[i] == log->entries[i]);
    const HardState state = (*opened)->hard_state();
    const bool written =
        state == HardState{} || std::any_of(log->hard_states.begin(), log->hard_states.end(),
                                            [&state](const auto& h) { return h.second == state; });
    CHECK(written);
  }
  // Both outcomes occur: a reader that refused everything would pass the checks above.
  CHECK(refused > 0);
  CHECK(opened_count > 0);
}

TEST_CASE("raft: file storage cuts zeros after the last record (a size change without its data)",
          "[raft][file_storage]") {
  const auto log = write_log();
  const auto copy = copy_with_segment(*log, log->bytes + std::string(4096, '\0'));
  auto storage = open_ok(copy->path());
  REQUIRE(storage->tail_cut());
  CHECK(storage->tail_cut()->offset == log->bytes.size());
  CHECK(storage->tail_cut()->bytes_cut == 4096);
  CHECK(all_entries(*storage) == log->entries);
  CHECK(storage->hard_state() == log->hard_states.back().second);
}

TEST_CASE("raft: file storage removes a newest segment whose creation a crash interrupted",
          "[raft][file_storage]") {
  TempDir dir;
  const FileStorageOptions options{.segment_bytes_max = 200, .record_bytes_max = 1 << 20};
  std::vector<Entry> written;
  {
    auto storage = open_ok(dir.path(), options);
    written = make_entries(1, 12, 1, 30);
    storage->append(written);
  }
  auto files = segment_files(dir.path());
  REQUIRE(files.size() >= 3);
  // The crash leaves a newer segment with part of its header, and nothing after it.
  const fs::path newest = files.back();
  const std::string seq = std::to_string(std::stoull(newest.filename().string().substr(4, 20)) + 1);
  const std::string next_name = "log-" + std::string(20 - seq.size(), '0') + seq + ".wal";
  write_bytes(dir / next_name, read_bytes(newest).substr(0, 7));
  {
    auto storage = open_ok(dir.path(), options);
    REQUIRE(storage->tail_cut());
    CHECK(storage->tail_cut()->file == dir / next_name);
    CHECK_FALSE(fs::exists(dir / next_name));
    CHECK(all_entries(*storage) == written);
    written.push_back(make_entry(2, 13, "after the crash"));
    storage->append(std::span(written).last(1));
  }
  auto storage = open_ok(dir.path(), options);
  CHECK_FALSE(storage->tail_cut());
  CHECK(all_entries(*storage) == written);
}

TEST_CASE("raft: file storage bounds the search for intact records after damage",
          "[raft][file_storage]") {
  // Every offset of this garbage claims an entry record of 0x01010101 bytes.
  const std::string header = wal::segment_header();
  const std::string garbage(0x01010101 / 64, '\x01');
  SECTION("within the budget an intact record after the damage is found") {
    std::string file = header + "torn" + garbage.substr(0, 1000);
    const std::size_t intact_at = file.size();
    wal::append_truncate_record(file, LogIndex{0});
    const auto scan = wal::scan_after_damage(file, header.size(), 1 << 30);
    CHECK(scan.outcome == wal::TailScan::Outcome::intact_record);
    CHECK(scan.offset == intact_at);
  }
  SECTION("nothing intact after the damage") {
    const auto scan = wal::scan_after_damage(header + garbage, header.size(), 1 << 30);
    CHECK(scan.outcome == wal::TailScan::Outcome::nothing_intact);
  }
  SECTION("past the budget the answer is undecided, never 'nothing intact'") {
    const std::string file = header + std::string(0x01010101 + 1000, '\x01');
    const auto scan = wal::scan_after_damage(file, header.size(), 1 << 30, 1 << 20);
    CHECK(scan.outcome == wal::TailScan::Outcome::undecided);
  }
}

TEST_CASE("raft: file storage refuses an intact record of unknown type, even at the tail",
          "[raft][file_storage]") {
  const auto log = write_log();
  // A well-framed record of type 9, as a newer format might write it.
  std::string record;
  wal::append_truncate_record(record, LogIndex{0});
  record[8] = 9;
  std::uint32_t crc = crc32c(std::string_view(record).substr(0, 4));
  crc = crc32c(std::string_view(record).substr(8), crc);
  for (int i = 0; i < 4; ++i) record[4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFFu);

  const auto copy = copy_with_segment(*log, log->bytes + record);
  auto opened = FileStorage::open(copy->path());
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == "storage_corrupt");
  CHECK_THAT(opened.error().message, Catch::Contains("unknown record type 9"));
  CHECK_THAT(opened.error().message,
             Catch::Contains("byte offset " + std::to_string(log->bytes.size())));
}

TEST_CASE("raft: file storage refuses a config entry that holds no configuration, naming the entry",
          "[raft][file_storage]") {
  TempDir dir;
  {
    auto storage = FileStorage::open(dir.path());
    REQUIRE(storage.has_value());
    const Entry bad{Term{1}, LogIndex{1}, EntryType::config, "not a configuration"};
    (*storage)->append(std::span<const Entry>(&bad, 1));
    (*storage)->sync();
  }
  auto reopened = FileStorage::open(dir.path());
  REQUIRE_FALSE(reopened.has_value());
  CHECK(reopened.error().code == "storage_corrupt");
  CHECK_THAT(reopened.error().message, Catch::Contains("config entry 1"));
}

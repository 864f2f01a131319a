// FileStorage as a LogStorage: what is written comes back after a reopen, overwrites and
// segment rolls replay exactly, reads honour their limits and errors, the directory lock
// holds, and an unusable directory or a failed write is reported as it must be.
#include <sys/resource.h>

#include <csignal>
#include <thread>

#include "auction/raft/membership.hpp"
#include "file_storage_test_support.hpp"
#include "raft/file_storage_format.hpp"

using namespace auction::raft;
using namespace auction::test;

TEST_CASE("raft: file storage returns the same log and hard state after a reopen",
          "[raft][file_storage]") {
  TempDir dir;
  const HardState state{Term{3}, NodeId{2}, true, LogIndex{4}};
  std::vector<Entry> written = {
      make_entry(1, 1, "", EntryType::noop),
      make_entry(1, 2, std::string("binary\0data\xff", 12)),
      make_entry(2, 3, "", EntryType::noop),
      make_entry(3, 4, std::string(5000, 'x')),
      make_entry(3, 5, encode_membership(voters_of({NodeId{1}, NodeId{2}})), EntryType::config),
  };
  {
    auto storage = open_ok(dir.path());
    CHECK(storage->first_index() == LogIndex{1});
    CHECK(storage->last_index() == LogIndex{0});
    CHECK(storage->hard_state() == HardState{});
    storage->append(std::span(written).first(2));
    storage->set_hard_state(HardState{Term{1}, NodeId{1}, true, LogIndex{0}});
    storage->append(std::span(written).subspan(2));
    storage->set_hard_state(state);
    storage->sync();
  }
  auto storage = open_ok(dir.path());
  CHECK_FALSE(storage->tail_cut());
  CHECK(storage->hard_state() == state);
  CHECK(storage->first_index() == LogIndex{1});
  CHECK(storage->last_index() == LogIndex{5});
  CHECK(all_entries(*storage) == written);
  CHECK(storage->term(LogIndex{0}).value() == Term{0});
  CHECK(storage->term(LogIndex{4}).value() == Term{3});
}

TEST_CASE("raft: file storage replays an overwritten conflicting suffix as overwritten (§5.3)",
          "[raft][file_storage]") {
  TempDir dir;
  // Small segments, so that a cut also reaches back into older segments.
  const FileStorageOptions options{.segment_bytes_max = 200, .record_bytes_max = 1 << 20};
  std::vector<Entry> expected;
  {
    auto storage = open_ok(dir.path(), options);
    storage->append(make_entries(1, 10, 1));
    storage->sync();
    storage->append(make_entries(6, 3, 2));  // cuts 6..10 of term 1
    storage->sync();
    storage->append(make_entries(8, 4, 3));  // cuts 8 of term 2
    storage->append(make_entries(2, 1, 4));  // cuts back to 1 within one unsynced batch
    storage->append(make_entries(3, 2, 4));
    storage->sync();
    expected = all_entries(*storage);
  }
  REQUIRE(expected.size() == 4);
  CHECK(expected[0] == make_entries(1, 1, 1)[0]);
  CHECK(expected[3] == make_entries(4, 1, 4)[0]);
  CHECK(segment_files(dir.path()).size() > 2);
  {
    auto storage = open_ok(dir.path(), options);
    CHECK(all_entries(*storage) == expected);
    storage->append(make_entries(1, 2, 5));  // a cut back to nothing
    storage->sync();
  }
  auto storage = open_ok(dir.path(), options);
  CHECK(all_entries(*storage) == make_entries(1, 2, 5));
}

TEST_CASE("raft: file storage rolls segments at the configured size and replays them all",
          "[raft][file_storage]") {
  TempDir dir;
  const FileStorageOptions options{.segment_bytes_max = 300, .record_bytes_max = 1 << 20};
  std::vector<Entry> written;
  const HardState state{Term{7}, NodeId{1}, false, LogIndex{40}};
  {
    auto storage = open_ok(dir.path(), options);
    for (std::uint64_t first = 1; first <= 60; first += 6) {
      auto batch = make_entries(first, 6, 7, 20);
      storage->append(batch);
      storage->sync();
      written.insert(written.end(), batch.begin(), batch.end());
    }
    storage->set_hard_state(state);
    // An entry larger than a segment gets a segment to itself.
    written.push_back(make_entry(7, 61, std::string(1000, 'b')));
    storage->append(std::span(written).last(1));
    written.push_back(make_entry(7, 62, "after"));
    storage->append(std::span(written).last(1));
    storage->sync();
  }
  const auto files = segment_files(dir.path());
  REQUIRE(files.size() > 5);
  for (const auto& file : files) {
    const auto bytes = fs::file_size(file);
    INFO(file << " has " << bytes << " bytes");
    CHECK((bytes <= options.segment_bytes_max ||
           read_bytes(file).find(std::string(1000, 'b')) != std::string::npos));
  }
  {
    auto storage = open_ok(dir.path(), options);
    CHECK(all_entries(*storage) == written);
    CHECK(storage->hard_state() == state);
    written.push_back(make_entry(8, 63, "after reopen"));
    storage->append(std::span(written).last(1));
    storage->sync();
  }
  auto storage = open_ok(dir.path(), options);
  CHECK(all_entries(*storage) == written);
  CHECK(storage->hard_state() == state);
}

TEST_CASE("raft: file storage reads honour the byte limit and report unavailable indexes",
          "[raft][file_storage]") {
  TempDir dir;
  auto storage = open_ok(dir.path());
  storage->append(make_entries(1, 5, 1, 10));

  CHECK(storage->entries(LogIndex{1}, LogIndex{6}, 25).value().size() == 2);
  CHECK(storage->entries(LogIndex{1}, LogIndex{6}, 30).value().size() == 3);
  CHECK(storage->entries(LogIndex{2}, LogIndex{6}, 0).value().size() == 1);  // always one
  CHECK(storage->entries(LogIndex{3}, LogIndex{3}, 100).value().empty());
  CHECK(storage->entries(LogIndex{2}, LogIndex{4}, 100).value() == make_entries(2, 2, 1, 10));
  CHECK(storage->entries(LogIndex{1}, LogIndex{7}, 100).error().code == "unavailable");
  CHECK(storage->entries(LogIndex{0}, LogIndex{2}, 100).error().code == "compacted");
  CHECK(storage->entries(LogIndex{3}, LogIndex{2}, 100).error().code == "unavailable");
  CHECK(storage->term(LogIndex{5}).value() == Term{1});
  CHECK(storage->term(LogIndex{6}).error().code == "unavailable");
}

TEST_CASE("raft: file storage can be driven from another thread while its owner waits",
          "[raft][file_storage]") {
  TempDir dir;
  auto storage = open_ok(dir.path());
  storage->append(make_entries(1, 3, 1));
  std::thread io([&storage] {
    storage->append(make_entries(4, 3, 1));
    storage->set_hard_state(HardState{Term{1}, NodeId{1}, true, LogIndex{6}});
    storage->sync();
  });
  io.join();  // the hand-over back to this thread
  CHECK(storage->last_index() == LogIndex{6});
  storage.reset();
  auto reopened = open_ok(dir.path());
  CHECK(all_entries(*reopened) == make_entries(1, 6, 1));
  CHECK(reopened->hard_state().commit == LogIndex{6});
}

TEST_CASE("raft: file storage refuses a data directory that another owner holds",
          "[raft][file_storage]") {
  TempDir dir;
  auto first = open_ok(dir.path());
  auto second = FileStorage::open(dir.path());
  REQUIRE_FALSE(second);
  CHECK(second.error().code == "storage_locked");
  CHECK_THAT(second.error().message, Catch::Contains(dir.path().string()));
  CHECK_THAT(second.error().message, Catch::Contains("pid " + std::to_string(::getpid())));

  // Another process is refused the same way.
  const auto child = run_in_child([&dir] {
    auto opened = FileStorage::open(dir.path());
    ::_exit(!opened && opened.error().code == "storage_locked" ? 42 : 1);
  });
  CHECK(child.exit_code == 42);

  first.reset();
  CHECK(FileStorage::open(dir.path()));
}

TEST_CASE("raft: file storage refuses a data directory whose term is beyond the bound",
          "[raft][file_storage]") {
  // What a replica of an older version wrote after adopting a forged term of 2^62: it could
  // never campaign again, so it must not start.
  TempDir at_bound;
  TempDir beyond;
  TempDir beyond_in_log;
  {
    open_ok(at_bound.path())->set_hard_state(HardState{Term{term_max}, NodeId{1}, true, {}});
    open_ok(beyond.path())
        ->set_hard_state(HardState{Term{std::uint64_t{1} << 62}, NodeId{1}, true, {}});
    auto storage = open_ok(beyond_in_log.path());
    const std::vector<Entry> entries = {make_entry(1, 1, "a"), make_entry(term_max + 1, 2, "b")};
    storage->append(entries);
  }  // each storage syncs as it closes

  auto reopened = open_ok(at_bound.path());
  CHECK(reopened->hard_state().term == Term{term_max});

  auto refused = FileStorage::open(beyond.path());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "storage_corrupt");
  CHECK_THAT(refused.error().message, Catch::Contains(beyond.path().string()));
  CHECK_THAT(refused.error().message,
             Catch::Contains("the term 4611686018427387904 is beyond the bound 2^48"));

  auto refused_log = FileStorage::open(beyond_in_log.path());
  REQUIRE_FALSE(refused_log);
  CHECK(refused_log.error().code == "storage_corrupt");
  CHECK_THAT(refused_log.error().message,
             Catch::Contains("the term of the last entry 281474976710657 is beyond the bound"));
}

TEST_CASE("raft: file storage reports an unusable data directory as storage_unavailable",
          "[raft][file_storage]") {
  TempDir dir;
  write_bytes(dir / "plain-file", "not a directory");

  auto under_file = FileStorage::open(dir / "plain-file" / "data");
  REQUIRE_FALSE(under_file);
  CHECK(under_file.error().code == "storage_unavailable");
  CHECK_THAT(under_file.error().message, Catch::Contains("plain-file/data"));
  CHECK_THAT(under_file.error().message, Catch::Contains("Not a directory"));

  // A directory that exists but where nothing can be created, even by root.
  auto unwritable = FileStorage::open("/proc/self");
  REQUIRE_FALSE(unwritable);
  CHECK(unwritable.error().code == "storage_unavailable");
  CHECK_THAT(unwritable.error().message, Catch::Contains("/proc/self/LOCK"));

  auto is_file = FileStorage::open(dir / "plain-file");
  REQUIRE_FALSE(is_file);
  CHECK(is_file.error().code == "storage_unavailable");
  CHECK_THAT(is_file.error().message, Catch::Contains("plain-file"));
}

TEST_CASE("raft: file storage creates a missing data directory and its parents",
          "[raft][file_storage]") {
  TempDir dir;
  const fs::path data_dir = dir / "a" / "b" / "data";
  {
    auto storage = open_ok(data_dir);
    storage->append(make_entries(1, 1, 1));
  }
  CHECK(fs::is_directory(data_dir));
  CHECK(all_entries(*open_ok(data_dir)) == make_entries(1, 1, 1));
}

TEST_CASE("raft: a failed write aborts with one line naming the file, offset and OS error",
          "[raft][file_storage]") {
  TempDir dir;
  const auto outcome = run_in_child([&dir] {
    // Writes past 4 KiB fail with EFBIG instead of raising SIGXFSZ.
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    auto storage = FileStorage::open(dir.path());
    if (!storage) ::_exit(3);
    (*storage)->append(make_entries(1, 1, 1, 10000));
    (*storage)->sync();
  });
  CHECK(outcome.aborted);
  CHECK_THAT(outcome.stderr_text, Catch::Contains("fatal"));
  CHECK_THAT(outcome.stderr_text, Catch::Contains("log-00000000000000000001.wal"));
  CHECK_THAT(outcome.stderr_text, Catch::Contains("at byte offset 4096"));
  CHECK_THAT(outcome.stderr_text, Catch::Contains("File too large"));
}

TEST_CASE("raft: appending a gap in the log is a bug that aborts", "[raft][file_storage]") {
  TempDir dir;
  const auto outcome = run_in_child([&dir] {
    auto storage = FileStorage::open(dir.path());
    if (!storage) ::_exit(3);
    (*storage)->append(make_entries(1, 2, 1));
    (*storage)->append(make_entries(4, 1, 1));
  });
  CHECK(outcome.aborted);
  CHECK_THAT(outcome.stderr_text, Catch::Contains("append must start within"));
}

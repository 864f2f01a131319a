// Fuzz target: FileStorage recovery, i.e. what a replica does with whatever a crash, a bad
// disk or a bug left in its data directory (format and rules: docs/raft-storage.md).
//
// Each input gets a fresh data directory (under /dev/shm when it exists, so the fsyncs cost
// nothing), removed afterwards. The last byte of the input picks one of two shapes; the
// control values come from the end of the input, the bytes from its front:
//   raw:         the input's bytes are one segment file, or two (split at a chosen offset);
//                there is no snapshot file, so a log_start record that makes the log start
//                after index 0 must be refused (the entries before it are missing);
//   structured:  FileStorage itself writes a log of input-derived operations (entries of
//                every type, overwritten suffixes, hard states, syncs, small segments), then
//                the input's remaining bytes damage one segment: appended after its end,
//                written over it at an offset, or after cutting it short at an offset.
// Then FileStorage::open() runs on the directory. What must hold:
//   - it returns a storage or the error "storage_corrupt" with a message; never a crash or
//     a hang;
//   - every entry and the hard state it recovers are framed by an intact record (their exact
//     record bytes, checksum included, are in the files as they were before the open); in
//     the structured shape, each was written by FileStorage, or its record lies in the
//     damaged bytes (a forged record, checksum and all);
//   - in the structured shape, undamaged files recover exactly what was written; bytes
//     appended after the newest segment that recovery cuts off lose nothing written; a
//     newest segment cut short opens (unless entry data forges a record inside the cut
//     record's span: a documented limit) to the state after some prefix of the records;
//   - a directory that opened opens again to the same log and hard state, with nothing more
//     to cut (recovery leaves clean files behind).
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "auction/raft/file_storage.hpp"
#include "auction/raft/membership.hpp"
#include "fuzz_check.hpp"
#include "raft/file_storage_format.hpp"

namespace {

namespace fs = std::filesystem;
using auction::raft::Entry;
using auction::raft::EntryType;
using auction::raft::FileStorage;
using auction::raft::FileStorageOptions;
using auction::raft::HardState;
using auction::raft::LogIndex;
using auction::raft::Term;

constexpr std::size_t operations_max = 40;
constexpr std::size_t entry_data_bytes_max = 31;

// The log and hard state after one record: recovery of a file cut short must land on one.
struct LogState {
  std::vector<Entry> entries;
  HardState hard_state;
};

// A byte range of one segment file that the input's bytes replaced.
struct Damage {
  std::size_t segment = 0;  // position in the sorted segment list
  std::size_t begin = 0;
  std::size_t end = 0;
};

fs::path fresh_directory() {
  std::error_code ec;
  const fs::path base =
      fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  const fs::path dir = base / ("wal_recovery_fuzz-" + std::to_string(::getpid()));
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  FUZZ_CHECK(!ec, "cannot create the scratch directory");
  return dir / "data";
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  FUZZ_CHECK(out.good(), "cannot write a segment file");
}

fs::path segment_file(const fs::path& dir, std::uint64_t seq) {
  std::string digits = std::to_string(seq);
  digits.insert(0, 20 - digits.size(), '0');
  return dir / ("log-" + digits + ".wal");
}

std::vector<fs::path> segment_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& item : fs::directory_iterator(dir)) {
    if (item.path().extension() == ".wal") files.push_back(item.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string entry_record(const Entry& entry) {
  std::string out;
  auction::raft::wal::append_entry_record(out, entry);
  return out;
}

std::string hard_state_record(const HardState& state) {
  std::string out;
  auction::raft::wal::append_hard_state_record(out, state);
  return out;
}

std::vector<Entry> read_log(const FileStorage& storage) {
  // No input has a snapshot file: a log that starts later is refused, never opened.
  FUZZ_CHECK(storage.first_index() == LogIndex{1}, "first_index moved without snapshots");
  auto entries =
      storage.entries(storage.first_index(), LogIndex{storage.last_index().value + 1}, SIZE_MAX);
  FUZZ_CHECK(entries.has_value(), "the recovered log cannot be read");
  for (std::size_t i = 0; i < entries->size(); ++i) {
    FUZZ_CHECK((*entries)[i].index.value == i + 1, "recovered indexes are not consecutive");
    FUZZ_CHECK(i == 0 || (*entries)[i - 1].term <= (*entries)[i].term, "recovered terms fall");
    auto term = storage.term((*entries)[i].index);
    FUZZ_CHECK(term.has_value() && *term == (*entries)[i].term, "term() disagrees with entries()");
  }
  return std::move(*entries);
}

// Whether `record` occurs in some file of `files` (at a range overlapping `damage`, if given).
bool is_framed_in(const std::vector<std::string>& files, const std::string& record,
                  const Damage* damage) {
  for (std::size_t f = 0; f < files.size(); ++f) {
    for (std::size_t at = files[f].find(record); at != std::string::npos;
         at = files[f].find(record, at + 1)) {
      if (damage == nullptr) return true;
      if (f == damage->segment && at < damage->end && at + record.size() > damage->begin) {
        return true;
      }
    }
  }
  return false;
}

auction::Result<std::unique_ptr<FileStorage>> open_checked(const fs::path& dir,
                                                           const FileStorageOptions& options) {
  auto storage = FileStorage::open(dir, options);
  if (!storage) {
    FUZZ_CHECK(storage.error().code == "storage_corrupt", "open failed with an unexpected code");
    FUZZ_CHECK(!storage.error().message.empty(), "open failed without a message");
  }
  return storage;
}

// A directory that opened must open again to the same state, with nothing left to cut.
void check_reopen(const fs::path& dir, const FileStorageOptions& options,
                  const std::vector<Entry>& log, const HardState& hard_state) {
  auto again = FileStorage::open(dir, options);
  FUZZ_CHECK(again.has_value(), "a directory that opened once does not open again");
  FUZZ_CHECK(!(*again)->tail_cut().has_value(), "recovery left something to cut");
  FUZZ_CHECK(read_log(**again) == log, "the second open recovered another log");
  FUZZ_CHECK((*again)->hard_state() == hard_state, "the second open recovered another hard state");
}

FileStorageOptions choose_options(FuzzedDataProvider& input) {
  FileStorageOptions options;
  // Above 75: a segment holds its header, hard state and log_start (FileStorage::open()).
  options.segment_bytes_max = 76 + input.ConsumeIntegralInRange<std::uint64_t>(0, 400);
  if (input.ConsumeBool()) {
    // Small enough that garbage lengths meet the limit, large enough for every entry here.
    options.record_bytes_max =
        static_cast<std::uint32_t>(auction::raft::wal::entry_fixed_bytes + entry_data_bytes_max +
                                   input.ConsumeIntegralInRange<std::uint32_t>(0, 64));
  }
  return options;
}

void fuzz_raw(FuzzedDataProvider& input, const fs::path& dir) {
  const FileStorageOptions options = choose_options(input);
  const bool two_segments = input.ConsumeBool();
  const std::size_t split = input.ConsumeIntegral<std::uint16_t>();
  const std::string bytes = input.ConsumeRemainingBytesAsString();
  std::vector<std::string> files;
  if (two_segments) {
    files = {bytes.substr(0, std::min(split, bytes.size())),
             bytes.substr(std::min(split, bytes.size()))};
  } else {
    files = {bytes};
  }
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all);  // a data dir must be private
  for (std::size_t i = 0; i < files.size(); ++i) write_file(segment_file(dir, i + 1), files[i]);

  auto storage = open_checked(dir, options);
  if (!storage) return;
  const auto log = read_log(**storage);
  for (const auto& entry : log) {
    FUZZ_CHECK(is_framed_in(files, entry_record(entry), nullptr),
               "a recovered entry is not framed by an intact record");
  }
  const HardState hard_state = (*storage)->hard_state();
  FUZZ_CHECK(
      hard_state == HardState{} || is_framed_in(files, hard_state_record(hard_state), nullptr),
      "the recovered hard state is not framed by an intact record");
  storage->reset();
  check_reopen(dir, options, log, hard_state);
}

void fuzz_structured(FuzzedDataProvider& input, const fs::path& dir) {
  const FileStorageOptions options = choose_options(input);

  // Write a log through FileStorage, keeping the state after every record it writes.
  std::vector<LogState> history{LogState{}};
  std::vector<Entry> written;  // every entry ever appended, overwritten ones included
  std::vector<HardState> hard_states{HardState{}};
  {
    auto storage = FileStorage::open(dir, options);
    FUZZ_CHECK(storage.has_value(), "a fresh directory does not open");
    FileStorage& log = **storage;
    const std::size_t operations = input.ConsumeIntegralInRange<std::size_t>(0, operations_max);
    for (std::size_t op = 0; op < operations; ++op) {
      const auto choice = input.ConsumeIntegralInRange<unsigned>(0, 9);
      LogState state = history.back();
      const std::uint64_t last = state.entries.size();
      if (choice <= 6) {
        // A new entry, or (choice 6, when there is a log) one that overwrites a suffix.
        std::uint64_t index = last + 1;
        if (choice == 6 && last > 0)
          index = 1 + input.ConsumeIntegralInRange<std::uint64_t>(0, last - 1);
        const Term previous = index == 1 ? Term{0} : state.entries[index - 2].term;
        Entry entry{Term{previous.value + input.ConsumeIntegralInRange<std::uint64_t>(0, 2)},
                    LogIndex{index},
                    static_cast<EntryType>(input.ConsumeIntegralInRange<int>(0, 2)),
                    input.ConsumeRandomLengthString(entry_data_bytes_max)};
        if (entry.type == EntryType::config) {
          // The core's entries: a config entry always holds a configuration (one that does
          // not is refused as storage_corrupt, like any other damage).
          entry.data = auction::raft::encode_membership(
              auction::raft::voters_of({auction::raft::NodeId{1 + entry.data.size() % 5}}));
        }
        log.append({&entry, 1});
        if (index <= last) {
          state.entries.resize(index - 1);
          history.push_back(state);  // the truncate record
        }
        state.entries.push_back(entry);
        written.push_back(entry);
      } else if (choice == 7) {
        HardState hs{Term{input.ConsumeIntegral<std::uint8_t>()},
                     auction::raft::NodeId{input.ConsumeIntegralInRange<std::uint64_t>(0, 5)},
                     input.ConsumeBool(),
                     LogIndex{input.ConsumeIntegralInRange<std::uint64_t>(0, last)}};
        log.set_hard_state(hs);
        state.hard_state = hs;
        hard_states.push_back(hs);
      } else {
        log.sync();
        continue;
      }
      history.push_back(std::move(state));
    }
    log.sync();
  }
  const LogState& expected = history.back();

  // Damage one segment with the input's remaining bytes.
  const auto segments = segment_files(dir);
  FUZZ_CHECK(!segments.empty(), "FileStorage wrote no segment");
  Damage damage{input.ConsumeIntegralInRange<std::size_t>(0, segments.size() - 1), 0, 0};
  const bool newest = damage.segment + 1 == segments.size();
  const auto kind = input.ConsumeIntegralInRange<int>(0, 3);  // none, append, overwrite, cut
  const std::string original = read_file(segments[damage.segment]);
  std::string file = original;
  const std::size_t at = input.ConsumeIntegralInRange<std::size_t>(0, file.size());
  const std::size_t original_bytes = original.size();
  const std::string bytes = input.ConsumeRemainingBytesAsString();
  if (kind == 1) {
    damage = {damage.segment, file.size(), file.size() + bytes.size()};
    file += bytes;
  } else if (kind == 2) {
    damage = {damage.segment, at, at + bytes.size()};
    file.replace(at, std::min(bytes.size(), file.size() - at), bytes);
  } else if (kind == 3) {
    damage = {damage.segment, at, at + bytes.size()};
    file.resize(at);
    file += bytes;
  }
  const bool untouched = file == original;
  if (!untouched) write_file(segments[damage.segment], file);
  std::vector<std::string> files;
  for (const auto& segment : segments) files.push_back(read_file(segment));

  auto storage = open_checked(dir, options);
  if (untouched) FUZZ_CHECK(storage.has_value(), "an undamaged log does not open");
  if (kind == 3 && newest && bytes.empty() && !storage) {
    // The one documented way a cut can fail to open: entry data that itself holds a
    // well-formed record, left inside the cut record's span, reads as an intact record.
    FUZZ_CHECK(storage.error().message.find("intact record follows") != std::string::npos,
               "a newest segment cut short does not open");
  }
  if (!storage) return;

  const auto log = read_log(**storage);
  const HardState hard_state = (*storage)->hard_state();
  for (const auto& entry : log) {
    FUZZ_CHECK(is_framed_in(files, entry_record(entry), nullptr),
               "a recovered entry is not framed by an intact record");
    FUZZ_CHECK(std::find(written.begin(), written.end(), entry) != written.end() ||
                   is_framed_in(files, entry_record(entry), &damage),
               "recovery returned an entry that was never written");
  }
  FUZZ_CHECK(std::find(hard_states.begin(), hard_states.end(), hard_state) != hard_states.end() ||
                 is_framed_in(files, hard_state_record(hard_state), &damage),
             "recovery returned a hard state that was never written");
  if (untouched) {
    FUZZ_CHECK(log == expected.entries && hard_state == expected.hard_state,
               "an undamaged log recovered differently");
    FUZZ_CHECK(!(*storage)->tail_cut().has_value(), "an undamaged log had something cut");
  }
  if (kind == 1 && newest && (*storage)->tail_cut() &&
      (*storage)->tail_cut()->offset == original_bytes) {
    FUZZ_CHECK(log == expected.entries && hard_state == expected.hard_state,
               "cutting appended garbage lost written records");
  }
  if (kind == 3 && newest && bytes.empty()) {
    const bool is_prefix_state = std::any_of(
        history.begin(), history.end(),
        [&](const LogState& s) { return s.entries == log && s.hard_state == hard_state; });
    FUZZ_CHECK(is_prefix_state, "a segment cut short recovered a state that never was");
  }
  storage->reset();
  check_reopen(dir, options, log, hard_state);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const fs::path dir = fresh_directory();
  if (input.ConsumeBool()) {
    fuzz_structured(input, dir);
  } else {
    fuzz_raw(input, dir);
  }
  std::error_code ec;
  fs::remove_all(dir.parent_path(), ec);
  return 0;
}

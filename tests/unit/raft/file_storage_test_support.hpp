// Helpers shared by the FileStorage tests: unique temp directories that clean up after
// themselves, entry builders, file surgery, and running a piece of code in a child process
// to observe an abort.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "auction/raft/file_storage.hpp"

namespace auction::test {
using namespace auction::raft;

namespace fs = std::filesystem;

// A fresh directory under the system temp directory, removed (with its contents) at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    path_ =
        fs::temp_directory_path() / ("ppapd-wal-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(counter++) + "-" + std::to_string(random()));
    fs::create_directories(path_);
    fs::permissions(path_, fs::perms::owner_all);  // used as a data dir, which must be private
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline Entry make_entry(std::uint64_t term, std::uint64_t index, std::string data,
                        EntryType type = EntryType::normal) {
  return Entry{Term{term}, LogIndex{index}, type, std::move(data)};
}

// `count` entries from `first` in `term`, each with data of `data_bytes` bytes that differ
// from entry to entry.
inline std::vector<Entry> make_entries(std::uint64_t first, std::size_t count, std::uint64_t term,
                                       std::size_t data_bytes = 12) {
  std::vector<Entry> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string data(data_bytes, '\0');
    for (std::size_t j = 0; j < data_bytes; ++j) {
      data[j] = static_cast<char>((first + i) * 31 + j * 7 + term);
    }
    out.push_back(make_entry(term, first + i, std::move(data)));
  }
  return out;
}

inline std::unique_ptr<FileStorage> open_ok(const fs::path& dir, FileStorageOptions options = {}) {
  auto opened = FileStorage::open(dir, options);
  if (!opened) FAIL("open failed: " << opened.error().code << ": " << opened.error().message);
  return std::move(*opened);
}

inline std::vector<Entry> all_entries(const LogStorage& storage) {
  if (storage.last_index() < storage.first_index()) return {};
  auto got =
      storage.entries(storage.first_index(), LogIndex{storage.last_index().value + 1}, SIZE_MAX);
  REQUIRE(got);
  return *got;
}

inline std::vector<fs::path> segment_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& item : fs::directory_iterator(dir)) {
    const std::string name = item.path().filename().string();
    if (name.starts_with("log-") && name.ends_with(".wal")) out.push_back(item.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Copies every file of `from` (a closed data directory) into the empty directory `to`.
inline void copy_files(const fs::path& from, const fs::path& to) {
  for (const auto& item : fs::directory_iterator(from)) {
    fs::copy_file(item.path(), to / item.path().filename(), fs::copy_options::overwrite_existing);
  }
}

// What became of a child process that ran a piece of code.
struct ChildOutcome {
  bool aborted = false;  // killed by SIGABRT
  int exit_code = -1;    // when it exited instead
  std::string stderr_text;
};

// Runs `body` in a forked child with stderr sent to a file, and reports how it ended. The
// child exits 0 if `body` returns.
inline ChildOutcome run_in_child(const std::function<void()>& body) {
  TempDir dir;
  const fs::path err_file = dir / "stderr";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The test framework's own SIGABRT handler would report the expected abort as a failure.
    std::signal(SIGABRT, SIG_DFL);
    const int fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) ::_exit(100);
    body();
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  ChildOutcome outcome;
  outcome.aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  outcome.stderr_text = read_bytes(err_file);
  return outcome;
}

// Captures what this process writes to stderr between construction and text().
class StderrCapture {
 public:
  StderrCapture() : file_(dir_ / "stderr") {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrCapture() { restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  std::string text() {
    restore();
    return read_bytes(file_);
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }

  TempDir dir_;
  fs::path file_;
  int saved_ = -1;
};

}  // namespace auction::test

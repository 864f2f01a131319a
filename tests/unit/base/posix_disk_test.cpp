// PosixDisk: what it creates is private to the user that runs it, and it refuses a data
// directory that someone else can write (a local user who could write the write-ahead log or
// the seller's journal could decide what a replica or a seller believes).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "auction/base/error_codes.hpp"
#include "auction/base/posix_disk.hpp"

using namespace auction;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp directory, removed with its contents at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("ppapd-disk-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    fs::create_directory(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("base: the directories and files the disk creates are private to their user",
          "[base][disk]") {
  const ScratchDir scratch;
  PosixDisk disk;
  const fs::path dir = scratch.path() / "outer" / "data";
  REQUIRE(disk.create_data_directory(dir).has_value());
  CHECK(mode_of(scratch.path() / "outer") == 0700);
  CHECK(mode_of(dir) == 0700);

  auto lock = disk.lock_directory(dir);
  REQUIRE(lock.has_value());
  CHECK(mode_of(dir / "LOCK") == 0600);
  for (const auto mode : {OpenMode::create_new, OpenMode::create_or_truncate}) {
    const fs::path file = dir / (mode == OpenMode::create_new ? "new" : "truncated");
    REQUIRE(disk.open(file, mode).has_value());
    CHECK(mode_of(file) == 0600);
  }
}

TEST_CASE("base: a data directory that other users can write is refused and left as it was",
          "[base][disk]") {
  const ScratchDir scratch;
  PosixDisk disk;
  const fs::path dir = scratch.path() / "data";
  fs::create_directory(dir);
  std::ofstream(dir / "kept") << "what was there";
  const unsigned mode = GENERATE(0777u, 0770u, 0722u, 0702u, 01777u);
  REQUIRE(::chmod(dir.c_str(), mode) == 0);

  const auto opened = disk.create_data_directory(dir);
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().code == code::storage_unsafe);
  CHECK_THAT(opened.error().message, Catch::Contains(dir.string()) &&
                                         Catch::Contains("other users can write") &&
                                         Catch::Contains("chmod 700"));
  CHECK(mode_of(dir) == mode);
  CHECK(fs::exists(dir / "kept"));
  CHECK_FALSE(fs::exists(dir / "LOCK"));
}

TEST_CASE("base: a private data directory made by someone else's tools is accepted",
          "[base][disk]") {
  const ScratchDir scratch;
  PosixDisk disk;
  const fs::path dir = scratch.path() / "data";
  fs::create_directory(dir);
  const unsigned mode = GENERATE(0700u, 0750u, 0755u);
  REQUIRE(::chmod(dir.c_str(), mode) == 0);
  CHECK(disk.create_data_directory(dir).has_value());
  CHECK(mode_of(dir) == mode);
}

TEST_CASE("base: a data directory that belongs to another user is refused", "[base][disk]") {
  if (::geteuid() != 0) return;  // only root can give a directory to another user
  const ScratchDir scratch;
  PosixDisk disk;
  const fs::path dir = scratch.path() / "data";
  fs::create_directory(dir);
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  REQUIRE(::chown(dir.c_str(), 65534, 65534) == 0);
  const auto opened = disk.create_data_directory(dir);
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().code == code::storage_unsafe);
  CHECK_THAT(opened.error().message, Catch::Contains("belongs to another user"));
}

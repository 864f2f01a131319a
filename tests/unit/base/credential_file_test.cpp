// Credential files: the reader refuses what is not a plain file of the right size and, for
// a private file, one that others can read; the writer puts a whole private file in place
// and never replaces one.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/credential_file.hpp"
#include "unit/raft/file_storage_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using auction::read_credential_file;
using auction::Readers;
using auction::write_new_private_file;
using auction::test::TempDir;
namespace code = auction::code;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("base: a credential file is read whole, within its bound", "[base][credentials]") {
  TempDir dir;
  const fs::path file = dir / "ca.crt";
  std::ofstream(file) << "0123456789";
  CHECK(read_credential_file(file).value() == "0123456789");
  CHECK(read_credential_file(file, Readers::anyone, "it", 10).value() == "0123456789");
  const auto too_large = read_credential_file(file, Readers::anyone, "it", 9);
  REQUIRE_FALSE(too_large.has_value());
  CHECK(too_large.error().code == code::credentials_invalid);
  CHECK_THAT(too_large.error().message, Catch::Contains("larger than 9 bytes"));
}

TEST_CASE("base: a FIFO or a directory where a credential file should be is refused at once",
          "[base][credentials]") {
  TempDir dir;
  const fs::path fifo = dir / "key";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const fs::path& path : {fifo, dir.path()}) {
    const auto read = read_credential_file(path, Readers::owner_only, "the key");
    REQUIRE_FALSE(read.has_value());
    CHECK_THAT(read.error().message, Catch::Contains("not a regular file"));
  }
}

TEST_CASE("base: a private credential file that others can read is refused",
          "[base][credentials]") {
  TempDir dir;
  const fs::path file = dir / "secret";
  std::ofstream(file) << "secret";
  REQUIRE(::chmod(file.c_str(), 0600) == 0);
  CHECK(read_credential_file(file, Readers::owner_only, "the key").value() == "secret");
  for (const unsigned mode : {0640u, 0604u, 0620u, 0400u | 0004u}) {
    REQUIRE(::chmod(file.c_str(), mode) == 0);
    const auto read = read_credential_file(file, Readers::owner_only, "the key");
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().code == code::credentials_invalid);
    CHECK_THAT(read.error().message,
               Catch::Contains("other users can read the key") && Catch::Contains("chmod 600"));
  }
  CHECK(read_credential_file(file, Readers::anyone).value() == "secret");
}

TEST_CASE("base: a new private file is put in place whole, mode 0600, and never replaces one",
          "[base][credentials]") {
  TempDir dir;
  const fs::path file = dir / "replica-1.key";
  REQUIRE(write_new_private_file(file, "first").has_value());
  CHECK(mode_of(file) == 0600);
  CHECK(read_credential_file(file).value() == "first");
  const auto again = write_new_private_file(file, "second");
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == code::credentials_exist);
  CHECK(read_credential_file(file).value() == "first");
  // Only the file: no temporary name is left behind, after success or refusal.
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

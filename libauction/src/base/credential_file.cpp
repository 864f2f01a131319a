// Credential files (see credential_file.hpp): one reader that checks ownership and mode on
// the file it reads, and one writer that never leaves half a file or replaces one.
#include "base/credential_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "auction/base/posix_disk.hpp"
#include "base/file_descriptor.hpp"

namespace auction {
namespace {

namespace fs = std::filesystem;

std::unexpected<Error> invalid(const std::string& message) {
  return fail(code::credentials_invalid, message);
}

std::string os_error(int err) { return std::system_category().message(err); }

// A private file must be its owner's alone, as ssh insists for its keys.
Result<void> check_owner_only(const struct stat& st, const fs::path& path, std::string_view what) {
  if (st.st_uid != ::geteuid()) {
    return invalid(path.string() + " belongs to another user (uid " + std::to_string(st.st_uid) +
                   "); " + std::string(what) + " must be your own");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return invalid(path.string() + " has mode " + mode + ": other users can read " +
                   std::string(what) + "; make it private (chmod 600 " + path.string() + ")");
  }
  return {};
}

// A name beside `path` that no one else uses: ".<name>.<pid>-<n>.tmp".
fs::path temporary_name_for(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() / ("." + path.filename().string() + "." + std::to_string(::getpid()) +
                               "-" + std::to_string(counter++) + ".tmp");
}

// Writes `content` to the new file `file` (mode 0600) and syncs it.
Result<void> write_synced(const fs::path& file, std::string_view content) {
  auto opened = posix_disk().open(file, OpenMode::create_new);
  if (!opened) return std::unexpected(opened.error());
  DiskFile& out = **opened;
  if (auto ok = out.write_at(0, content); !ok) return ok;
  if (auto ok = out.sync(); !ok) return ok;
  return out.close();
}

}  // namespace

Result<std::string> read_credential_file(const fs::path& path, Readers readers,
                                         std::string_view what, std::size_t bytes_max) {
  // O_NONBLOCK: opening a FIFO put where a file should be must not hang.
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (file.get() < 0) return invalid("cannot read " + path.string() + ": " + os_error(errno));
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) {
    return invalid("cannot read " + path.string() + ": " + os_error(errno));
  }
  if (!S_ISREG(st.st_mode)) return invalid(path.string() + " is not a regular file");
  if (readers == Readers::owner_only) {
    if (auto ok = check_owner_only(st, path, what); !ok) return std::unexpected(ok.error());
  }
  const auto too_large = [&] {
    return invalid(path.string() + " is larger than " + std::to_string(bytes_max) + " bytes");
  };
  if (static_cast<std::uint64_t>(st.st_size) > bytes_max) return too_large();

  // Read to the end rather than to st_size: the file may have grown since the fstat.
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return invalid("cannot read " + path.string() + ": " + os_error(errno));
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > bytes_max) return too_large();
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

Result<void> write_new_private_file(const fs::path& path, std::string_view content) {
  if (is_present(path)) return fail(code::credentials_exist, path.string() + " exists");
  const fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path temporary = temporary_name_for(path.has_parent_path() ? path : "." / path);

  auto written = write_synced(temporary, content);
  int link_error = 0;
  if (written && ::link(temporary.c_str(), path.c_str()) != 0) link_error = errno;
  // The temporary name goes in every case: on success `path` names the file now.
  (void)posix_disk().remove(temporary);
  if (!written) return written;
  if (link_error == EEXIST) return fail(code::credentials_exist, path.string() + " exists");
  if (link_error != 0) {
    return fail(code::storage_unavailable,
                "cannot create " + path.string() + ": " + os_error(link_error));
  }
  return posix_disk().sync_directory(directory);
}

bool is_present(const fs::path& path) {
  std::error_code ec;
  return fs::symlink_status(path, ec).type() != fs::file_type::not_found;
}

}  // namespace auction

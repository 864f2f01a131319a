// PosixDisk (see auction/base/posix_disk.hpp): the durable-file helpers of the write-ahead
// log and the seller's journal, in one place.
#include "auction/base/posix_disk.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

#include "base/file_descriptor.hpp"

namespace auction {
namespace {

namespace fs = std::filesystem;

std::string os_error(int err) { return std::system_category().message(err); }

std::unexpected<Error> unavailable(const std::string& what, const fs::path& path, int err) {
  return fail(code::storage_unavailable, what + " " + path.string() + ": " + os_error(err));
}

std::unexpected<Error> failed_on(const std::string& call, const fs::path& path, int err) {
  return fail(code::storage_unavailable,
              call + " failed on " + path.string() + ": " + os_error(err));
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

// 0 on success, else the errno of the failing step.
int fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

class PosixFile final : public DiskFile {
 public:
  PosixFile(fs::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  const fs::path& path() const override { return path_; }

  Result<std::uint64_t> size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return unavailable("cannot stat", path_, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

  Result<void> write_at(std::uint64_t offset, std::string_view bytes) override {
    std::uint64_t failed_at = 0;
    if (const int err = write_all(fd_, bytes, offset, &failed_at); err != 0) {
      return fail(code::storage_unavailable, "write failed on " + path_.string() +
                                                 " at byte offset " + std::to_string(failed_at) +
                                                 ": " + os_error(err));
    }
    return {};
  }

  Result<void> truncate(std::uint64_t bytes) override {
    if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
      return unavailable("cannot truncate", path_, errno);
    }
    return {};
  }

  Result<void> sync_data() override {
    if (::fdatasync(fd_) != 0) return failed_on("fdatasync", path_, errno);
    return {};
  }

  Result<void> sync() override {
    if (::fsync(fd_) != 0) return failed_on("fsync", path_, errno);
    return {};
  }

  Result<void> close() override {
    // The descriptor is gone whatever close() says (retrying could close another's).
    if (::close(std::exchange(fd_, -1)) != 0) return failed_on("close", path_, errno);
    return {};
  }

 private:
  fs::path path_;
  int fd_;
};

// A read-only mapping of a whole file. Mapping, rather than reading into a buffer, means
// that a garbage file of any size costs no memory.
class MappedContents final : public FileContents {
 public:
  MappedContents(void* data, std::size_t size) : data_(data), size_(size) {}
  ~MappedContents() override {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  MappedContents(const MappedContents&) = delete;
  MappedContents& operator=(const MappedContents&) = delete;

  std::string_view bytes() const override {
    return data_ == nullptr ? std::string_view()
                            : std::string_view(static_cast<const char*>(data_), size_);
  }

 private:
  void* data_;
  std::size_t size_;
};

class PosixLock final : public DirectoryLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override { ::close(fd_); }  // releases the flock
  PosixLock(const PosixLock&) = delete;
  PosixLock& operator=(const PosixLock&) = delete;

 private:
  int fd_;
};

}  // namespace

Result<void> PosixDisk::create_data_directory(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> missing;  // innermost first
  for (fs::path p = fs::absolute(dir, ec); !ec && p.has_relative_path(); p = p.parent_path()) {
    if (fs::exists(p, ec) || ec) break;
    missing.push_back(p);
  }
  if (ec) return unavailable("cannot reach data directory", dir, ec.value());
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    // Private from the start: no moment in which another user could put a file in it.
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return unavailable("cannot create data directory", *it, errno);
    }
    if (const int err = fsync_directory(it->parent_path()); err != 0) {
      return unavailable("cannot sync", it->parent_path(), err);
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return unavailable("cannot use data directory", dir, errno);
  if (!S_ISDIR(st.st_mode)) return unavailable("cannot use data directory", dir, ENOTDIR);
  if (st.st_uid != ::geteuid()) {
    return fail(code::storage_unsafe,
                "data directory " + dir.string() + " belongs to another user (uid " +
                    std::to_string(st.st_uid) + "); use a directory of your own");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(code::storage_unsafe,
                "data directory " + dir.string() + " has mode " + mode +
                    ": other users can write it; make it private (chmod 700 " + dir.string() + ")");
  }
  return {};
}

Result<std::unique_ptr<DirectoryLock>> PosixDisk::lock_directory(const fs::path& dir) {
  const fs::path lock_file = dir / "LOCK";
  FileDescriptor fd(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) return unavailable("cannot open", lock_file, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) return unavailable("cannot lock", lock_file, err);
    char holder[32] = {};
    const ssize_t n = ::pread(fd.get(), holder, sizeof holder - 1, 0);
    std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return fail(code::storage_locked, "data directory " + dir.string() +
                                          " is in use by another process" +
                                          (pid.empty() ? "" : " (pid " + pid + " in LOCK)"));
  }
  // The pid is for the person reading the error above; the lock itself is the flock.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0) return unavailable("cannot write", lock_file, errno);
  std::uint64_t failed_at = 0;
  if (const int err = write_all(fd.get(), pid, 0, &failed_at); err != 0) {
    return unavailable("cannot write", lock_file, err);
  }
  return std::make_unique<PosixLock>(fd.release());
}

Result<std::vector<std::string>> PosixDisk::list(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return unavailable("cannot list data directory", dir, ec.value());
  return names;
}

Result<std::unique_ptr<DiskFile>> PosixDisk::open(const fs::path& file, OpenMode mode) {
  int flags = O_RDWR | O_CLOEXEC;
  if (mode == OpenMode::create_new) flags |= O_CREAT | O_EXCL;
  if (mode == OpenMode::create_or_truncate) flags |= O_CREAT | O_TRUNC;
  const int fd = ::open(file.c_str(), flags, 0600);
  if (fd < 0) {
    return unavailable(mode == OpenMode::existing ? "cannot open" : "cannot create", file, errno);
  }
  return std::make_unique<PosixFile>(file, fd);
}

Result<std::unique_ptr<FileContents>> PosixDisk::read(const fs::path& file) {
  FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return unavailable("cannot open", file, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return unavailable("cannot stat", file, errno);
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) return std::make_unique<MappedContents>(nullptr, 0);
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data == MAP_FAILED) return unavailable("cannot map", file, errno);
  return std::make_unique<MappedContents>(data, size);
}

Result<void> PosixDisk::rename(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return unavailable("cannot rename " + from.string() + " to", to, errno);
  }
  return {};
}

Result<void> PosixDisk::remove(const fs::path& file) {
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
    return unavailable("cannot remove", file, errno);
  }
  return {};
}

Result<void> PosixDisk::sync_directory(const fs::path& dir) {
  if (const int err = fsync_directory(dir); err != 0) return unavailable("cannot sync", dir, err);
  return {};
}

PosixDisk& posix_disk() {
  static PosixDisk disk;
  return disk;
}

}  // namespace auction

// PosixDisk: the Disk (disk.hpp) of the machine, over POSIX calls: pwrite, fdatasync, fsync
// of the file and of its directory, an flock()ed LOCK file, read-only mmap for reading.
//
// Base layer. What raft::FileStorage and the seller's journal use unless given another disk.
// Every call retries interruptions (EINTR) and short writes; nothing is cached or buffered
// here, so a call that returns has handed its work to the kernel, and a sync that returns has
// made it durable as far as the OS can tell.
// Threading: holds no state; any thread. Never: reports a failed call as done.
#pragma once

#include "auction/base/disk.hpp"

namespace auction {

class PosixDisk final : public Disk {
 public:
  Result<void> create_data_directory(const std::filesystem::path& dir) override;
  Result<std::unique_ptr<DirectoryLock>> lock_directory(const std::filesystem::path& dir) override;
  Result<std::vector<std::string>> list(const std::filesystem::path& dir) override;
  Result<std::unique_ptr<DiskFile>> open(const std::filesystem::path& file, OpenMode mode) override;
  Result<std::unique_ptr<FileContents>> read(const std::filesystem::path& file) override;
  Result<void> rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Result<void> remove(const std::filesystem::path& file) override;
  Result<void> sync_directory(const std::filesystem::path& dir) override;
};

// The one PosixDisk of the process (it is stateless; this only gives it a lifetime that
// outlasts every owner of a file).
PosixDisk& posix_disk();

}  // namespace auction

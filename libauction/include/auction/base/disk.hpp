// Disk: the durable-file operations of the write-ahead log and the seller's journal, as one
// interface, so that the code which must never lose data can also be run on a disk that
// fails on purpose (the simulator's, tests/sim/sim_disk.hpp).
//
// Base layer, below every layer that keeps files. PosixDisk (posix_disk.hpp) is the real
// one; an owner that is given no disk uses it.
//
// The durability model every implementation keeps, and every caller may rely on and no
// more:
//   - What is written (write_at, truncate) can be read back at once, but survives a crash
//     only once sync_data() or sync() on that file has returned. Until then a crash may keep
//     none of it, all of it, or an earlier part of it: writes to one file reach the disk in
//     the order they were made, and the last one may reach it only in part (a torn write),
//     possibly as zeros (the size arrived, the data did not).
//   - Creating, renaming or removing a name survives a crash only once sync_directory() of
//     the directory holding it has returned; until then a crash may undo it (and a file
//     whose name is undone is gone, however well its data was synced).
//   - A call that fails may have done any part of its work. A failed sync_data()/sync()
//     means the data may or may not be on disk, now or later: retrying cannot tell, so the
//     owner must stop and recover from what the disk holds (the write-ahead log aborts).
// Errors are values: code::storage_unavailable (code::storage_locked for a lock someone
// else holds), with a message that names the path, the byte offset where one applies, and
// the OS error.
//
// Threading: a Disk may be used from any thread (PosixDisk holds no state); a DiskFile has
// one owner at a time. Never: hides a failed write or sync, or reports one done that was not.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auction/base/error.hpp"

namespace auction {

// How Disk::open() treats the name it is given.
enum class OpenMode : std::uint8_t {
  existing,            // a file that exists, for reading and writing
  create_new,          // a file that does not exist yet (fails if the name exists)
  create_or_truncate,  // a new file, or an existing one emptied
};

// An open file. Closing it (close() or the destructor) syncs nothing.
class DiskFile {
 public:
  virtual ~DiskFile() = default;

  virtual const std::filesystem::path& path() const = 0;

  // The file's size now (including what is not synced yet).
  virtual Result<std::uint64_t> size() = 0;

  // Writes all of `bytes` at `offset` (a gap before it reads as zeros). Not durable until
  // synced. Error message: "write failed on <file> at byte offset <where it failed>: <os>".
  virtual Result<void> write_at(std::uint64_t offset, std::string_view bytes) = 0;

  // Cuts (or extends with zeros) the file to `bytes`. Not durable until synced.
  virtual Result<void> truncate(std::uint64_t bytes) = 0;

  // fdatasync: the file's data and size as written so far survive a crash once it returns.
  virtual Result<void> sync_data() = 0;

  // fsync: sync_data() and every other attribute of the file.
  virtual Result<void> sync() = 0;

  // Closes the file, reporting what closing it reported; after it, only the destructor.
  virtual Result<void> close() = 0;
};

// The bytes of a whole file as read; valid while this object lives.
class FileContents {
 public:
  virtual ~FileContents() = default;
  virtual std::string_view bytes() const = 0;
};

// An exclusive lock on a data directory; released when destroyed (or when the process ends,
// however it ends, so a crash never leaves a stale lock).
class DirectoryLock {
 public:
  virtual ~DirectoryLock() = default;
};

class Disk {
 public:
  virtual ~Disk() = default;

  // Makes sure `dir` is a directory, creating it and any missing parents, each new one
  // made durable in its parent before this returns (otherwise a crash could lose the whole
  // directory after files in it were reported durable).
  virtual Result<void> create_data_directory(const std::filesystem::path& dir) = 0;

  // Takes the exclusive lock of `dir` (a file `dir`/LOCK, created if missing and never
  // removed, holding the owner's pid for the error message of the next one who tries).
  // Errors: storage_locked "data directory <dir> is in use by another process (pid <pid> in
  // LOCK)" when anyone holds it, this process included; storage_unavailable otherwise.
  virtual Result<std::unique_ptr<DirectoryLock>> lock_directory(
      const std::filesystem::path& dir) = 0;

  // The names of the entries in `dir` (not "." or ".."), in no particular order.
  virtual Result<std::vector<std::string>> list(const std::filesystem::path& dir) = 0;

  virtual Result<std::unique_ptr<DiskFile>> open(const std::filesystem::path& file,
                                                 OpenMode mode) = 0;

  // The whole file as it reads now. A file of any size costs no memory beyond what the
  // implementation must copy (PosixDisk maps it read-only, so none).
  virtual Result<std::unique_ptr<FileContents>> read(const std::filesystem::path& file) = 0;

  // Renames `from` over `to`, atomically (a reader sees the old file or the new one).
  // Durable once the directory is synced.
  virtual Result<void> rename(const std::filesystem::path& from,
                              const std::filesystem::path& to) = 0;

  // Removes the name `file`; a name that does not exist is not an error. Durable once the
  // directory is synced.
  virtual Result<void> remove(const std::filesystem::path& file) = 0;

  // fsync of the directory: the names created, renamed and removed in it so far survive a
  // crash once it returns.
  virtual Result<void> sync_directory(const std::filesystem::path& dir) = 0;
};

}  // namespace auction

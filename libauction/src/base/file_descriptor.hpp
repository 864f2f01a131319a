// FileDescriptor: an open POSIX file descriptor that is closed on every way out of the
// scope that owns it. Private to libauction: PosixDisk, the credential files, the identity
// layer's terminal prompt and the console's LineReader and script file use it.
//
// Base layer. One owner at a time (not copyable). Never: closes a descriptor it released.
#pragma once

#include <unistd.h>

#include <utility>

namespace auction {

class FileDescriptor {
 public:
  // Takes `fd` (a negative value, as a failed open() returns, owns nothing).
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  // Hands the descriptor to the caller, who closes it from now on.
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace auction

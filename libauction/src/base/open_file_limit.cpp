// The open-file limit; see auction/base/open_file_limit.hpp.
#include "auction/base/open_file_limit.hpp"

#include <sys/resource.h>

#include <fstream>

namespace auction {

namespace {

// The kernel's own cap on any process's descriptors (fs.nr_open), or 0 when unreadable.
std::uint64_t kernel_cap() {
  std::ifstream file("/proc/sys/fs/nr_open");
  std::uint64_t cap = 0;
  if (!(file >> cap)) return 0;
  return cap;
}

std::uint64_t as_count(rlim_t value) {
  return value == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(value);
}

}  // namespace

OpenFileLimit open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  return {as_count(limit.rlim_cur), as_count(limit.rlim_max)};
}

OpenFileLimit raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  rlim_t target = limit.rlim_max;
  if (target == RLIM_INFINITY) {
    const std::uint64_t cap = kernel_cap();
    if (cap != 0) target = static_cast<rlim_t>(cap);
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
    rlimit raised = limit;
    raised.rlim_cur = target;
    ::setrlimit(RLIMIT_NOFILE, &raised);  // on failure the limit stays as it was
  }
  return open_file_limit();
}

std::string open_file_limit_warning(const OpenFileLimit& limit, std::uint64_t needed,
                                    std::string_view what) {
  // 0: the limit could not be read, so nothing is known to be short.
  if (limit.soft == 0 || limit.soft >= needed) return {};
  const std::string whose =
      limit.soft == limit.hard
          ? "its hard limit"
          : "its hard limit is " + std::to_string(limit.hard) + ", and raising it there failed";
  return "warning: this process may hold only " + std::to_string(limit.soft) +
         " open files and connections (" + whose + "), and " + std::string(what) + " needs " +
         std::to_string(needed) +
         ": raise the hard limit (ulimit -Hn as root, LimitNOFILE= for a systemd service, "
         "nofile in /etc/security/limits.conf)";
}

std::string open_file_limit_hint() {
  const OpenFileLimit limit = open_file_limit();
  return "this process may hold " + std::to_string(limit.soft) +
         " open files and connections; raise the hard limit (ulimit -Hn, LimitNOFILE=) to "
         "hold more";
}

}  // namespace auction

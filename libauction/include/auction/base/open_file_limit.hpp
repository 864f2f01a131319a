// The open-file limit: how many descriptors (files and sockets alike) a process may hold.
//
// A seller with thousands of buyers holds a connection to each, and a replica one per client;
// the usual soft limit (1,024) is far below that, while the hard limit the system grants is
// usually far above. So every program raises its soft limit to the hard one at start, and
// says in one line when even the hard limit is below what it needs, and what to do.
// Base layer. Threading: any thread. Never: lowers a limit, or fails (a limit it cannot read
// or raise is reported as it stands).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace auction {

struct OpenFileLimit {
  std::uint64_t soft = 0;  // in force now
  std::uint64_t hard = 0;  // what the soft limit may be raised to
};

// The limit as it stands.
OpenFileLimit open_file_limit();

// Raises the soft limit to the hard one (to the kernel's fs.nr_open when the hard one is
// unlimited); returns the limit now in force.
OpenFileLimit raise_open_file_limit();

// "" when `limit.soft` is at least `needed`; otherwise a warning line saying that this
// process may hold only so many open files, that `what` (e.g. "an auction of 10,000 buyers")
// needs `needed`, and how to raise it.
std::string open_file_limit_warning(const OpenFileLimit& limit, std::uint64_t needed,
                                    std::string_view what);

// What an accept or connect that failed for want of descriptors (EMFILE, ENFILE) adds to its
// error: the limit in force and how to raise it.
std::string open_file_limit_hint();

}  // namespace auction

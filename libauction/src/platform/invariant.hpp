// Always-on invariant checks for the platform layer (private header).
//
// A failed invariant is a bug in this replica, never a peer's fault: peers' mistakes are
// error values. It prints file, line and message and aborts, in every build type (unlike
// assert, which NDEBUG removes): a replica with corrupt state must stop, not guess.
#pragma once

#include <cstdio>
#include <cstdlib>

#define AUCTION_PLATFORM_INVARIANT(cond, msg)                                     \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: invariant failed: %s (%s)\n", __FILE__,        \
                   __LINE__, msg, #cond);                                         \
      std::abort();                                                               \
    }                                                                             \
  } while (false)

// RAFT_CHECK: the raft layer's always-on assertion for bugs (broken invariants).
//
// Private to libauction/src/raft. Unlike assert(), it survives NDEBUG: a Raft node whose
// invariants are broken must stop rather than risk acknowledging what it does not hold.
// It prints file, line and message to stderr and aborts. Never use it for anything a peer
// or a client controls; those are validated and answered with error values.
#pragma once

#include <cstdio>
#include <cstdlib>

#define RAFT_CHECK(cond, msg)                                                           \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: raft invariant broken: %s (%s)\n", __FILE__, __LINE__, \
                   (msg), #cond);                                                       \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)

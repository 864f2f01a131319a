// Always-on assertions for the chaos test code.
//
// A broken invariant in the checker means its verdicts cannot be trusted, so it aborts with
// file, line and message instead of carrying on. Unlike `assert`, NDEBUG does not remove it.
// Bugs only; expected outcomes (a malformed history file) are Result values.
// Threading: usable from any thread. Never: use it for what a file or a peer can cause.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CHAOS_ASSERT(condition, message)                                                      \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, message, \
                   #condition);                                                               \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

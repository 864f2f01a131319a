// MARKET_ASSERT: the market layer's always-on assertion for bugs (never for expected
// outcomes). NDEBUG does not remove it: a broken invariant aborts with file, line and
// message, because an auction carrying on with corrupt state could name two winners.
// Private to src/market/. Safe from any thread; never returns when the condition is false.
#pragma once

#include <cstdio>
#include <cstdlib>

#define MARKET_ASSERT(condition, message)                                                \
  do {                                                                                   \
    if (!(condition)) [[unlikely]] {                                                     \
      std::fprintf(stderr, "%s:%d: assertion failed: %s (%s)\n", __FILE__, __LINE__,     \
                   #condition, (message));                                               \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

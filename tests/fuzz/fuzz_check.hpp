// FUZZ_CHECK: what a fuzz target asserts about the code under test.
//
// Shared by the targets in tests/fuzz/ (never by the library). A failed check prints the
// file, line, condition and a message, then aborts, so libFuzzer records the input as a
// crash and saves it for replay. Always on, whatever the build type.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, msg)                                                                \
  do {                                                                                       \
    if (!(cond)) [[unlikely]] {                                                              \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s (%s)\n", __FILE__, __LINE__, (msg), \
                   #cond);                                                                   \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

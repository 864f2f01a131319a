// AUCTION_ASSERT: the always-on assertion for bugs (never for expected outcomes).
//
// Unlike assert(), NDEBUG does not remove it: a broken invariant aborts with file, line and
// message in every build, because carrying on with corrupt state is worse than stopping.
// Safe from any thread; it never returns when the condition is false.
#pragma once

namespace auction::detail {
[[noreturn]] void assertion_failed(const char* file, int line, const char* condition,
                                   const char* message) noexcept;
}  // namespace auction::detail

#define AUCTION_ASSERT(condition, message)                                            \
  do {                                                                                \
    if (!(condition)) [[unlikely]]                                                    \
      ::auction::detail::assertion_failed(__FILE__, __LINE__, #condition, (message)); \
  } while (false)

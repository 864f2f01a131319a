// log_escaped: see auction/wire/spawn.hpp.
#include "wire/spawn.hpp"

#include <cstdio>

namespace auction::wire {

void log_escaped(const char* what, std::exception_ptr escaped) noexcept {
  if (!escaped) return;
  try {
    std::rethrow_exception(escaped);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: escaped exception: %s\n", what, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: escaped a non-standard exception\n", what);
  }
}

}  // namespace auction::wire

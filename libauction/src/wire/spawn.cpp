// log_escaped: see auction/wire/spawn.hpp.
#include "wire/spawn.hpp"

#include <string>

#include "auction/base/log.hpp"

namespace auction::wire {

void log_escaped(const char* what, std::exception_ptr escaped) noexcept {
  if (!escaped) return;
  try {
    std::rethrow_exception(escaped);
  } catch (const std::exception& e) {
    log_line(what, std::string("escaped exception: ") + e.what());
  } catch (...) {
    log_line(what, "escaped a non-standard exception");
  }
}

}  // namespace auction::wire

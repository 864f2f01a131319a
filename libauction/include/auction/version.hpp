// The library's version, for embedders and for `--version` of the executables.
#pragma once
#include <string_view>

namespace auction {
std::string_view version();
}  // namespace auction

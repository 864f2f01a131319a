#include "auction/version.hpp"

namespace auction {
std::string_view version() { return "0.1.0"; }
}  // namespace auction

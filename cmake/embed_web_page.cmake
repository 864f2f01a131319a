# Writes OUTPUT, a C++ file that defines auction::console::detail::web_page() as the bytes of
# INPUT (the consoles' web page), so the programs serve it without reading a file at run time.
# Run by the build (libauction/CMakeLists.txt) whenever INPUT changes.
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from src/console/web/page.html by cmake/embed_web_page.cmake: do not edit.
#include <string_view>

namespace auction::console::detail {
namespace {
constexpr char page[] = {${bytes}};
}  // namespace

std::string_view web_page() { return {page, sizeof page}; }

}  // namespace auction::console::detail
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")

// Proves that an installed libauction can be found, compiled against and linked: it calls
// into the library through a public header whose API returns std::expected, so it compiles
// only if the exported target carries the language level it needs.
#include <iostream>

#include "auction/base/endpoint.hpp"
#include "auction/version.hpp"

int main() {
  const auto endpoint = auction::parse_endpoint("127.0.0.1:7001");
  std::cout << "libauction " << auction::version() << "\n";
  return auction::version().empty() || !endpoint || endpoint->port != 7001 ? 1 : 0;
}

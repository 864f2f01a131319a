// Proves that an installed libauction can be found, compiled against and linked.
#include <iostream>

#include "auction/version.hpp"

int main() {
  std::cout << "libauction " << auction::version() << "\n";
  return auction::version().empty() ? 1 : 0;
}

// Proves that an installed libauction can be found, compiled against and linked: it calls
// into the library through a public header whose API returns std::expected, so it compiles
// only if the exported target carries the language level it needs, and signs and verifies
// with a user's key, so it links only if the exported target brings libsodium along.
#include <iostream>

#include "auction/base/endpoint.hpp"
#include "auction/identity/signing.hpp"
#include "auction/version.hpp"

int main() {
  const auto endpoint = auction::parse_endpoint("127.0.0.1:7001");
  std::cout << "libauction " << auction::version() << "\n";
  namespace identity = auction::identity;
  const auto keys = identity::generate_key_pair();
  const identity::SigningContext context{.purpose = identity::SigningPurpose::ack,
                                         .scope = "package-test"};
  const bool verified =
      identity::verify(keys.public_key(), context, "hello", identity::sign(keys, context, "hello"));
  return auction::version().empty() || !endpoint || endpoint->port != 7001 || !verified ? 1 : 0;
}

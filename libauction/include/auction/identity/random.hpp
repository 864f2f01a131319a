// Fresh randomness for challenges and nonces: libsodium's randombytes, from the operating
// system's generator.
//
// Identity layer, on base. Safe from any thread.
// Never: used inside the pure layers (the Raft core, the state machine, the auction rules),
// which draw no random number of their own.
#pragma once

#include <cstddef>
#include <string>

namespace auction::identity {

// `bytes` random bytes as lowercase hex (2 * bytes digits).
std::string random_hex(std::size_t bytes);

}  // namespace auction::identity

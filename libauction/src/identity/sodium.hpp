// libsodium for the identity layer: the one place it is initialised, and a buffer for
// secrets that wipes itself. Private to src/identity/ (no public header names libsodium, so
// an embedder compiles without its headers).
//
// Threading: ensure_sodium() may be called from any thread, any number of times.
// Never: lets a secret outlive its WipedBytes in memory this code owns.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace auction::identity {

// Runs sodium_init() the first time it is called (a function-local static, so concurrent
// first calls wait for the one that runs it). Every function of this layer that calls into
// libsodium calls this first. Aborts if libsodium cannot start (no usable randomness).
void ensure_sodium();

// N bytes for a secret (a derived key, a seed), zeroed with sodium_memzero when destroyed,
// so the compiler cannot drop the wipe. Neither copyable nor movable: a secret stays where
// it was made.
template <std::size_t N>
class WipedBytes {
 public:
  WipedBytes() = default;
  ~WipedBytes() { sodium_memzero(bytes_.data(), bytes_.size()); }
  WipedBytes(const WipedBytes&) = delete;
  WipedBytes& operator=(const WipedBytes&) = delete;

  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }
  std::array<std::uint8_t, N>& array() { return bytes_; }
  const std::array<std::uint8_t, N>& array() const { return bytes_; }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

// Zeroes `text` (a passphrase, the contents of a passphrase file) and empties it.
inline void wipe(std::string& text) {
  sodium_memzero(text.data(), text.size());
  text.clear();
}

}  // namespace auction::identity

// SimRandom: the one seeded generator behind every random choice of a simulation run.
//
// Part of the deterministic Raft simulator (tests/sim). splitmix64, because its output is
// fixed by the seed on every platform (the standard distributions are not), so a seed
// printed by a failing run replays the same run anywhere.
// Threading: none; one generator per run, used from the simulator's thread.
// Never: reads a clock or any other source of entropy.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace auction::test {

// splitmix64's finalizer: also the mixing step of the simulator's content hashes.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Folds `value` into the running hash `h` (order matters: hash chains depend on it).
constexpr std::uint64_t hash_combine(std::uint64_t h, std::uint64_t value) {
  return mix64(h ^ (value + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

class SimRandom {
 public:
  explicit SimRandom(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }

  // Uniform in [0, n); 0 when n == 0. The modulo bias is irrelevant at these sizes.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

  // Uniform in [lo, hi]. Precondition: lo <= hi.
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }

  // True with probability p (p <= 0: never, p >= 1: always).
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

  // One of the given values, uniformly.
  template <class T>
  T pick(std::initializer_list<T> values) {
    return *(values.begin() + below(values.size()));
  }

 private:
  std::uint64_t state_;
};

}  // namespace auction::test

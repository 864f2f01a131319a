// LatencySamples: see latency.hpp.
#include "latency.hpp"

#include <algorithm>
#include <cmath>

namespace auction::bench {

void LatencySamples::merge(const LatencySamples& other) {
  nanos_.insert(nanos_.end(), other.nanos_.begin(), other.nanos_.end());
}

LatencySummary LatencySamples::summary() const {
  if (nanos_.empty()) return {};
  std::vector<std::int64_t> sorted = nanos_;
  std::sort(sorted.begin(), sorted.end());
  const auto at = [&sorted](double fraction) {
    // Nearest rank: the smallest sample with at least `fraction` of the samples <= it.
    const auto rank =
        static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
    const std::size_t index = rank == 0 ? 0 : rank - 1;
    return static_cast<double>(sorted[std::min(index, sorted.size() - 1)]) / 1e6;
  };
  return LatencySummary{at(0.50), at(0.90), at(0.99), at(0.999),
                        static_cast<double>(sorted.back()) / 1e6};
}

}  // namespace auction::bench

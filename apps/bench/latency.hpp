// LatencySamples: every operation's latency in one measured window, and its percentiles.
//
// Keeps every sample (a few million at most for a bench run) so the percentiles are exact,
// not estimated from buckets. Plain data; one owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace auction::bench {

struct LatencySummary {
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

class LatencySamples {
 public:
  void add(std::chrono::nanoseconds latency) { nanos_.push_back(latency.count()); }
  void merge(const LatencySamples& other);
  std::size_t size() const { return nanos_.size(); }
  // Exact percentiles (nearest rank); all zero when there is no sample.
  LatencySummary summary() const;

 private:
  std::vector<std::int64_t> nanos_;
};

}  // namespace auction::bench

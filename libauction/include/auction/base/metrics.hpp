// Metrics: latency histograms that any thread may feed, and the Prometheus text format
// (version 0.0.4) that a replica serves at /metrics (docs/operations.md, "Watching the
// replicas").
//
// Pure: no clock is read here (durations come in as values), no I/O. A Histogram is safe to
// observe from several threads while another takes its snapshot (relaxed atomics: a
// snapshot may miss an observation in flight, never tear a count). MetricsText builds one
// scrape's text on one thread.
// Never: writes a sample that breaks the text format (names are checked by the caller's
// tests; label values and help texts are escaped here).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auction::metrics {

// A histogram of durations with fixed buckets, as Prometheus keeps them: each bucket counts
// the observations at most its upper bound.
class Histogram {
 public:
  // Precondition: `upper_bounds` ascending, not empty.
  explicit Histogram(std::vector<std::chrono::microseconds> upper_bounds);

  void observe(std::chrono::microseconds duration);

  // What the histogram held at one moment, in the text format's terms.
  struct Snapshot {
    std::vector<double> upper_bounds_seconds;
    std::vector<std::uint64_t> cumulative_counts;  // one per bound: observations <= it
    std::uint64_t count = 0;                       // all observations (the +Inf bucket)
    double sum_seconds = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<std::chrono::microseconds> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, +Inf last
  std::atomic<std::uint64_t> sum_us_{0};
};

// The buckets for request and disk latencies: 50 us to 10 s, about three per decade.
std::vector<std::chrono::microseconds> latency_buckets();

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// One scrape in the Prometheus text format. Samples of one metric must be added one after
// the other: the # HELP and # TYPE lines are written before the first of each name.
class MetricsText {
 public:
  void counter(std::string_view name, std::string_view help, double value, Labels labels = {});
  void gauge(std::string_view name, std::string_view help, double value, Labels labels = {});
  void histogram(std::string_view name, std::string_view help, const Histogram::Snapshot& h);

  const std::string& text() const { return text_; }

 private:
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, Labels labels, double value,
              std::pair<std::string_view, std::string_view> extra_label = {});

  std::string text_;
  std::string last_family_;
};

// A value as the text format writes it: integers without a fraction, "+Inf", "NaN".
std::string format_value(double value);

// A label value escaped for the text format: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace auction::metrics

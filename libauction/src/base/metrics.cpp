// Histograms and the Prometheus text format; see auction/base/metrics.hpp. Pure.
#include "auction/base/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "auction/base/assert.hpp"

namespace auction::metrics {

Histogram::Histogram(std::vector<std::chrono::microseconds> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds_.size() + 1)) {
  AUCTION_ASSERT(
      !upper_bounds_.empty() && std::is_sorted(upper_bounds_.begin(), upper_bounds_.end()),
      "histogram bounds ascending");
}

void Histogram::observe(std::chrono::microseconds duration) {
  const auto us = std::max<std::int64_t>(0, duration.count());
  const auto bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), std::chrono::microseconds(us)) -
      upper_bounds_.begin();
  counts_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.upper_bounds_seconds.push_back(static_cast<double>(upper_bounds_[i].count()) / 1e6);
    s.cumulative_counts.push_back(running);
  }
  s.count = running + counts_[upper_bounds_.size()].load(std::memory_order_relaxed);
  s.sum_seconds = static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

std::vector<std::chrono::microseconds> latency_buckets() {
  using std::chrono::microseconds;
  return {microseconds(50),        microseconds(100),       microseconds(250),
          microseconds(500),       microseconds(1'000),     microseconds(2'500),
          microseconds(5'000),     microseconds(10'000),    microseconds(25'000),
          microseconds(50'000),    microseconds(100'000),   microseconds(250'000),
          microseconds(500'000),   microseconds(1'000'000), microseconds(2'500'000),
          microseconds(10'000'000)};
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  // Plain decimals where they stay short ("0.0005", not "5e-04"), exponents beyond.
  const bool plain = std::fabs(value) >= 1e-6 && std::fabs(value) < 1e15;
  char buffer[64];
  const auto [end, ec] =
      plain ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
            : std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

namespace {

// `text` with backslashes and newlines escaped, and double quotes too when `quotes`: the
// text format's rule for label values (quotes) and for help texts (no quotes).
std::string escaped(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view help) { return escaped(help, false); }

}  // namespace

std::string escape_label_value(std::string_view value) { return escaped(value, true); }

void MetricsText::family(std::string_view name, std::string_view help, std::string_view type) {
  if (name == last_family_) return;
  last_family_ = name;
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  text_ += escape_help(help);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void MetricsText::sample(std::string_view name, Labels labels, double value,
                         std::pair<std::string_view, std::string_view> extra_label) {
  text_ += name;
  bool first = true;
  const auto add = [&](std::string_view key, std::string_view label_value) {
    text_ += first ? '{' : ',';
    first = false;
    text_ += key;
    text_ += "=\"";
    text_ += escape_label_value(label_value);
    text_ += '"';
  };
  for (const auto& [key, label_value] : labels) add(key, label_value);
  if (!extra_label.first.empty()) add(extra_label.first, extra_label.second);
  if (!first) text_ += '}';
  text_ += ' ';
  text_ += format_value(value);
  text_ += '\n';
}

void MetricsText::counter(std::string_view name, std::string_view help, double value,
                          Labels labels) {
  family(name, help, "counter");
  sample(name, labels, value);
}

void MetricsText::gauge(std::string_view name, std::string_view help, double value, Labels labels) {
  family(name, help, "gauge");
  sample(name, labels, value);
}

void MetricsText::histogram(std::string_view name, std::string_view help,
                            const Histogram::Snapshot& h) {
  family(name, help, "histogram");
  const std::string base(name);
  const std::string bucket = base + "_bucket";
  for (std::size_t i = 0; i < h.upper_bounds_seconds.size(); ++i) {
    // A bound is written as a float ("1.0", not "1"), as the client libraries write it, so
    // a series keeps one name whichever wrote it.
    std::string bound = format_value(h.upper_bounds_seconds[i]);
    if (bound.find_first_of(".e") == std::string::npos) bound += ".0";
    sample(bucket, {}, static_cast<double>(h.cumulative_counts[i]), {"le", bound});
  }
  sample(bucket, {}, static_cast<double>(h.count), {"le", "+Inf"});
  sample(base + "_sum", {}, h.sum_seconds);
  sample(base + "_count", {}, static_cast<double>(h.count));
}

}  // namespace auction::metrics

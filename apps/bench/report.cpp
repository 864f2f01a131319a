// Report: see report.hpp.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace auction::bench {

using nlohmann::ordered_json;

void add_latency(ordered_json& row, const LatencySummary& latency, const std::string& prefix) {
  const auto rounded = [](double ms) { return std::round(ms * 1000.0) / 1000.0; };
  row[prefix + "p50_ms"] = rounded(latency.p50_ms);
  row[prefix + "p90_ms"] = rounded(latency.p90_ms);
  row[prefix + "p99_ms"] = rounded(latency.p99_ms);
  row[prefix + "p999_ms"] = rounded(latency.p999_ms);
  row[prefix + "max_ms"] = rounded(latency.max_ms);
}

void Report::add(ordered_json row) {
  if (as_json_) {
    std::printf("%s\n", row.dump().c_str());
    std::fflush(stdout);
    return;
  }
  rows_.push_back(std::move(row));
}

void Report::note(const std::string& line) const {
  std::fprintf(as_json_ ? stderr : stdout, "%s\n", line.c_str());
  std::fflush(as_json_ ? stderr : stdout);
}

namespace {

std::string cell(const ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    char text[64];
    const double v = value.get<double>();
    std::snprintf(text, sizeof text, v >= 100 ? "%.0f" : v >= 1 ? "%.2f" : "%.3f", v);
    return text;
  }
  return value.dump();
}

void print_table(const std::vector<ordered_json>& rows) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : rows.front().items()) keys.push_back(key);
  std::vector<std::size_t> widths;
  for (const std::string& key : keys) {
    std::size_t width = key.size();
    for (const ordered_json& row : rows) {
      if (row.contains(key)) width = std::max(width, cell(row[key]).size());
    }
    widths.push_back(width);
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::printf("%*s%s", static_cast<int>(widths[i]), keys[i].c_str(),
                i + 1 < keys.size() ? "  " : "\n");
  }
  for (const ordered_json& row : rows) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::string text = row.contains(keys[i]) ? cell(row[keys[i]]) : "-";
      std::printf("%*s%s", static_cast<int>(widths[i]), text.c_str(),
                  i + 1 < keys.size() ? "  " : "\n");
    }
  }
}

}  // namespace

void Report::flush() {
  // Rows of one kind (the same keys) share a table; a new kind starts a new one.
  std::vector<ordered_json> group;
  const auto same_keys = [](const ordered_json& a, const ordered_json& b) {
    if (a.size() != b.size()) return false;
    auto i = a.items().begin();
    for (const auto& item : b.items()) {
      if (i.key() != item.key()) return false;
      ++i;
    }
    return true;
  };
  for (ordered_json& row : rows_) {
    if (!group.empty() && !same_keys(group.front(), row)) {
      print_table(group);
      std::printf("\n");
      group.clear();
    }
    group.push_back(std::move(row));
  }
  if (!group.empty()) print_table(group);
  rows_.clear();
  std::fflush(stdout);
}

}  // namespace auction::bench

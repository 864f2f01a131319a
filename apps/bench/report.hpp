// Report: how bench prints its results, as a readable table or as JSON lines.
//
// Each result is one flat JSON object (string, number or boolean values); a table groups
// the rows of one kind under one header made of their keys, in insertion order.
// Never: prints a number it did not measure (a field that was not measured is left out).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latency.hpp"

namespace auction::bench {

// The latency fields every load result carries: p50_ms, p90_ms, p99_ms, p999_ms, max_ms.
void add_latency(nlohmann::ordered_json& row, const LatencySummary& latency,
                 const std::string& prefix = "");

class Report {
 public:
  explicit Report(bool as_json) : as_json_(as_json) {}
  // Prints `row` at once as JSON (one line), or keeps it for the table printed by flush().
  void add(nlohmann::ordered_json row);
  // A line of context for a human reader (to stderr with --json, so stdout stays JSON).
  void note(const std::string& line) const;
  // Prints the rows kept so far as a table (nothing in JSON mode).
  void flush();

 private:
  bool as_json_;
  std::vector<nlohmann::ordered_json> rows_;
};

}  // namespace auction::bench

// LoadReport: what every closed-loop mode (platform, etcd) shares around run_closed_loop():
// its command-line options (client counts, workloads, window) and the row it reports for
// each load, key for key the same, so that the two systems' rows pair up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "closed_loop.hpp"
#include "platform_load.hpp"
#include "report.hpp"

namespace auction::bench {

struct LoadOptions {
  std::vector<std::size_t> clients{1, 8, 32};
  std::vector<std::string> workloads{"write", "fetch"};
  std::int64_t warmup_ms = 1000;
  std::int64_t duration_ms = 5000;

  LoadWindow window() const;
};

// Adds --clients, --workload (described by `workloads_help`), --warmup-ms, --duration-ms.
void add_load_options(CLI::App& command, LoadOptions& options, const std::string& workloads_help);

// The workloads named in `options`, or the first name that is not one.
Result<std::vector<Workload>> parse_workloads(const LoadOptions& options);

// Reports one load: its row (bench, workload, clients, seconds, ops, ops_per_s, errors,
// latencies, server_cpu_s when measured, generator_cpu_s, new_terms), and a note when it
// changed leadership or had errors.
void report_load(Report& report, const std::string& bench, Workload workload,
                 std::size_t clients, const LoadOutcome& outcome, std::uint64_t term_before,
                 std::uint64_t term_after);

}  // namespace auction::bench

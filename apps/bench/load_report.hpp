// LoadReport: what every closed-loop mode (platform, etcd) shares around run_closed_loop():
// its command-line options (client counts, workloads, window), the sweep over workloads and
// client counts, and the row it reports for each load, key for key the same, so that the two
// systems' rows pair up.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>

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
void report_load(Report& report, const std::string& bench, Workload workload, std::size_t clients,
                 const LoadOutcome& outcome, std::uint64_t term_before, std::uint64_t term_after);

// One load's clients, for a workload and a client count.
using MakeLoad =
    std::function<std::vector<std::unique_ptr<LoadClient>>(Workload workload, std::size_t clients)>;
// The servers' raft term now (0 when it cannot be read).
using ReadTerm = std::function<std::uint64_t()>;

// Runs one closed-loop load on `io` for every workload at every client count of `options`,
// reports each (report_load; the term is read after every load, since leadership should hold
// through one: any new term is an election it caused), flushes the report, and returns the
// exit code: 1 when a load completed no operation ("bench <bench>: a load completed no
// operation" on stderr), else 0.
int run_loads(Report& report, const std::string& bench, boost::asio::io_context& io,
              const LoadOptions& options, const std::vector<Workload>& workloads,
              const MakeLoad& make_load, const CpuMeter& server_cpu, const ReadTerm& read_term,
              std::uint64_t term_before);

}  // namespace auction::bench

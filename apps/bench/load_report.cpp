// LoadReport: see load_report.hpp.
#include "load_report.hpp"

#include <cmath>
#include <cstdio>

namespace auction::bench {

namespace {
double round_to(double value, double step) { return std::round(value / step) * step; }
}  // namespace

LoadWindow LoadOptions::window() const {
  return LoadWindow{std::chrono::milliseconds(warmup_ms), std::chrono::milliseconds(duration_ms)};
}

void add_load_options(CLI::App& command, LoadOptions& options, const std::string& workloads_help) {
  command.add_option("--clients", options.clients, "client counts to run, e.g. 1,8,32,128")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  command.add_option("--workload", options.workloads, workloads_help)
      ->delimiter(',')
      ->capture_default_str();
  command.add_option("--warmup-ms", options.warmup_ms, "warm-up before each measured window")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
  command.add_option("--duration-ms", options.duration_ms, "each measured window")
      ->check(CLI::Range(100, 3'600'000))
      ->capture_default_str();
}

Result<std::vector<Workload>> parse_workloads(const LoadOptions& options) {
  std::vector<Workload> workloads;
  for (const std::string& name : options.workloads) {
    auto workload = parse_workload(name);
    if (!workload) return std::unexpected(workload.error());
    workloads.push_back(*workload);
  }
  return workloads;
}

void report_load(Report& report, const std::string& bench, Workload workload, std::size_t clients,
                 const LoadOutcome& outcome, std::uint64_t term_before, std::uint64_t term_after) {
  nlohmann::ordered_json row;
  row["bench"] = bench;
  row["workload"] = to_string(workload);
  row["clients"] = clients;
  row["seconds"] = outcome.seconds;
  row["ops"] = outcome.ops;
  row["ops_per_s"] = round_to(static_cast<double>(outcome.ops) / outcome.seconds, 1);
  row["errors"] = outcome.errors;
  add_latency(row, outcome.latency.summary());
  if (outcome.server_cpu_seconds) row["server_cpu_s"] = round_to(*outcome.server_cpu_seconds, 0.01);
  row["generator_cpu_s"] = round_to(outcome.generator_cpu_seconds, 0.01);
  row["new_terms"] = term_after >= term_before ? term_after - term_before : 0;
  report.add(std::move(row));
  const std::string what = to_string(workload) + " at " + std::to_string(clients) + " clients";
  if (term_after != term_before) {
    report.note("  leadership changed during " + what + ": term " + std::to_string(term_before) +
                " -> " + std::to_string(term_after));
  }
  if (outcome.errors > 0) {
    std::string codes;
    for (const auto& [code, count] : outcome.error_codes) {
      codes += " " + code + " x" + std::to_string(count);
    }
    report.note("  " + what + " had errors:" + codes + " (first: " + outcome.first_error + ")");
  }
}

int run_loads(Report& report, const std::string& bench, boost::asio::io_context& io,
              const LoadOptions& options, const std::vector<Workload>& workloads,
              const MakeLoad& make_load, const CpuMeter& server_cpu, const ReadTerm& read_term,
              std::uint64_t term_before) {
  int exit_code = 0;
  for (const Workload workload : workloads) {
    for (const std::size_t clients : options.clients) {
      auto load = make_load(workload, clients);
      LoadOutcome outcome = run_closed_loop(io, load, options.window(), server_cpu);
      load.clear();
      io.restart();
      io.poll();  // the clients' connections close
      const std::uint64_t term_after = read_term();
      report_load(report, bench, workload, clients, outcome, term_before, term_after);
      term_before = term_after;
      if (outcome.ops == 0) exit_code = 1;
    }
  }
  report.flush();
  if (exit_code != 0) {
    std::fprintf(stderr, "bench %s: a load completed no operation\n", bench.c_str());
  }
  return exit_code;
}

}  // namespace auction::bench

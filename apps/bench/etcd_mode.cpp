// `bench etcd`: `bench platform`'s closed-loop loads against an etcd cluster, through its
// JSON gateway (see etcd_load.hpp), so PPAPD's numbers have a well-known yardstick.
//
// Same options, same load model (run_closed_loop) and the same result rows as `bench
// platform`, with "bench":"etcd", so a script can pair the two modes' rows by workload and
// client count. etcd runs elsewhere (bench/compare-etcd.sh starts a cluster); --server-pids
// names its members for the CPU column.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cpu_usage.hpp"
#include "etcd_load.hpp"
#include "load_report.hpp"
#include "modes.hpp"
#include "report.hpp"

namespace auction::bench {

namespace {

struct EtcdOptions {
  std::vector<std::string> endpoints;
  std::vector<pid_t> server_pids;
  LoadOptions load;
  std::int64_t timeout_ms = 5000;
};

int run_etcd(const EtcdOptions& options, const CommonOptions& common) {
  Report report(common.json);
  auto workloads = parse_workloads(options.load);
  if (workloads) {
    for (const Workload workload : *workloads) {
      if (is_etcd_workload(workload)) continue;
      workloads =
          fail(code::invalid_argument, "etcd runs the write, fetch and lookup workloads, not '" +
                                           to_string(workload) + "'");
      break;
    }
  }
  if (!workloads) {
    std::fprintf(stderr, "bench etcd: %s\n", workloads.error().message.c_str());
    return 2;
  }
  auto endpoints = resolve_etcd_endpoints(options.endpoints);
  if (!endpoints) {
    std::fprintf(stderr, "bench etcd: %s\n", endpoints.error().message.c_str());
    return 2;
  }
  const std::chrono::milliseconds call_timeout(options.timeout_ms);
  boost::asio::io_context io(1);
  auto fixture = set_up_etcd(io, *endpoints, call_timeout);
  if (!fixture) {
    std::fprintf(stderr, "bench etcd: setting up: %s: %s\n", fixture.error().code.c_str(),
                 fixture.error().message.c_str());
    return 1;
  }
  report.note("etcd " + fixture->server_version + " at " + fixture->server_endpoint);
  CpuMeter server_cpu;
  if (!options.server_pids.empty()) {
    server_cpu = [pids = options.server_pids] { return processes_cpu_seconds(pids); };
  }
  return run_loads(
      report, "etcd", io, options.load, *workloads,
      [&](Workload workload, std::size_t clients) {
        return make_etcd_clients(io, *endpoints, call_timeout, *fixture, workload, clients);
      },
      server_cpu,
      [&]() -> std::uint64_t {
        const auto term = etcd_raft_term(io, *endpoints, call_timeout);
        return term ? *term : 0;
      },
      fixture->raft_term);
}

}  // namespace

void add_etcd_command(CLI::App& app, const CommonOptions& common, int& exit_code) {
  auto [command, options] = add_mode<EtcdOptions>(
      app, "etcd", "the platform mode's loads against an etcd cluster's JSON gateway", common,
      exit_code, run_etcd);
  command
      ->add_option("--endpoints", options->endpoints,
                   "etcd client endpoints host:port,...; the first is used, the next "
                   "ones when a connection fails")
      ->delimiter(',')
      ->required();
  command
      ->add_option("--server-pids", options->server_pids,
                   "pids of the etcd members, to report their CPU time")
      ->delimiter(',');
  add_load_options(*command, options->load,
                   "workloads to run: write (puts of 100-byte values), fetch (a linearizable "
                   "range of 100 keys), lookup (a linearizable one-key range)");
  command
      ->add_option("--timeout-ms", options->timeout_ms,
                   "deadline of each call (connect, send and receive)")
      ->check(CLI::Range(10, 600'000))
      ->capture_default_str();
}

}  // namespace auction::bench

// `bench platform`: closed-loop loads against a PPAPD cluster (see platform_load.hpp).
//
// For every workload and every client count: a warm-up, then a measured window; one result
// row each with ops/s, latency percentiles, errors, and the CPU seconds the replicas and
// this generator used inside the window (a generator near 1 CPU-second per second is the
// bottleneck, not the cluster).
#include <algorithm>
#include <cmath>

#include "cluster_target.hpp"
#include "modes.hpp"
#include "platform_load.hpp"
#include "report.hpp"

namespace auction::bench {

namespace {

struct PlatformOptions {
  ClusterTargetOptions target;
  std::vector<std::size_t> clients{1, 8, 32};
  std::vector<std::string> workloads{"write", "fetch"};
  std::int64_t warmup_ms = 1000;
  std::int64_t duration_ms = 5000;
  std::size_t auctions = 100;
  std::size_t description_bytes = 100;
};

double round_to(double value, double step) { return std::round(value / step) * step; }

int run_platform(const PlatformOptions& options, const CommonOptions& common) {
  Report report(common.json);
  std::vector<Workload> workloads;
  for (const std::string& name : options.workloads) {
    auto workload = parse_workload(name);
    if (!workload) {
      std::fprintf(stderr, "bench platform: %s\n", workload.error().message.c_str());
      return 2;
    }
    workloads.push_back(*workload);
  }
  auto target = ClusterTarget::open(options.target);
  if (!target) {
    std::fprintf(stderr, "bench platform: %s\n", target.error().message.c_str());
    return 1;
  }
  const auto client_options = platform::client_options_from((*target)->config());
  const std::size_t most_clients = *std::max_element(options.clients.begin(), options.clients.end());
  boost::asio::io_context io(1);
  auto fixture = set_up_platform(io, client_options, std::max(options.auctions, most_clients),
                                 options.description_bytes);
  if (!fixture) {
    std::fprintf(stderr, "bench platform: setting up: %s: %s\n", fixture.error().code.c_str(),
                 fixture.error().message.c_str());
    return 1;
  }
  auto leadership = wait_for_leader((*target)->config(), std::chrono::seconds(10), 1);
  if (!leadership) {
    std::fprintf(stderr, "bench platform: %s\n", leadership.error().message.c_str());
    return 1;
  }
  const platform::ReplicaAddress& at = *(*target)->config().find(leadership->leader);
  const ReadTarget reads{at.host, at.client_port};
  std::uint64_t term_before = leadership->term;
  int exit_code = 0;
  for (const Workload workload : workloads) {
    for (const std::size_t clients : options.clients) {
      auto load = make_platform_clients(io, client_options, *fixture, reads, workload, clients);
      LoadOutcome outcome = run_closed_loop(
          io, load,
          LoadWindow{std::chrono::milliseconds(options.warmup_ms),
                     std::chrono::milliseconds(options.duration_ms)},
          (*target)->cpu_meter());
      load.clear();
      io.restart();
      io.poll();  // the clients' connections close
      // Leadership must hold through a load: any new term is an election it caused.
      const auto after = wait_for_leader((*target)->config(), std::chrono::seconds(10), 1);
      const std::uint64_t term_after = after ? after->term : 0;
      nlohmann::ordered_json row;
      row["bench"] = "platform";
      row["workload"] = to_string(workload);
      row["clients"] = clients;
      row["seconds"] = outcome.seconds;
      row["ops"] = outcome.ops;
      row["ops_per_s"] = round_to(static_cast<double>(outcome.ops) / outcome.seconds, 1);
      row["errors"] = outcome.errors;
      add_latency(row, outcome.latency.summary());
      if (outcome.server_cpu_seconds) {
        row["server_cpu_s"] = round_to(*outcome.server_cpu_seconds, 0.01);
      }
      row["generator_cpu_s"] = round_to(outcome.generator_cpu_seconds, 0.01);
      row["new_terms"] = term_after >= term_before ? term_after - term_before : 0;
      report.add(std::move(row));
      if (term_after != term_before) {
        report.note("  leadership changed during " + to_string(workload) + " at " +
                    std::to_string(clients) + " clients: term " + std::to_string(term_before) +
                    " -> " + std::to_string(term_after));
      }
      term_before = term_after;
      if (outcome.ops == 0) exit_code = 1;
      if (outcome.errors > 0) {
        std::string codes;
        for (const auto& [code, count] : outcome.error_codes) {
          codes += " " + code + " x" + std::to_string(count);
        }
        report.note("  " + to_string(workload) + " at " + std::to_string(clients) +
                    " clients had errors:" + codes + " (first: " + outcome.first_error + ")");
      }
    }
  }
  report.flush();
  if (auto* local = (*target)->local()) local->stop_all();
  if (exit_code != 0) std::fprintf(stderr, "bench platform: a load completed no operation\n");
  return exit_code;
}

}  // namespace

void add_platform_command(CLI::App& app, const CommonOptions& common, int& exit_code) {
  auto options = std::make_shared<PlatformOptions>();
  CLI::App* command = app.add_subcommand(
      "platform", "closed-loop writes and linearizable reads against a PPAPD cluster");
  add_cluster_target_options(*command, options->target);
  command->add_option("--clients", options->clients, "client counts to run, e.g. 1,8,32,128")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  command->add_option("--workload", options->workloads,
                      "workloads to run: login, update, write (login + update), fetch "
                      "(fetch_auctions of ~100 auctions), lookup (get_user_address)")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--warmup-ms", options->warmup_ms, "warm-up before each measured window")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
  command->add_option("--duration-ms", options->duration_ms, "each measured window")
      ->check(CLI::Range(100, 3'600'000))
      ->capture_default_str();
  command->add_option("--auctions", options->auctions,
                      "running auctions to create (at least one per client)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command->add_option("--description-bytes", options->description_bytes,
                      "bytes of each auction's item_description (the bulk of a fetched view)")
      ->check(CLI::Range(0, 2000))
      ->capture_default_str();
  command->callback([options, &common, &exit_code] { exit_code = run_platform(*options, common); });
}

}  // namespace auction::bench

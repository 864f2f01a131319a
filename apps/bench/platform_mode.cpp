// `bench platform`: closed-loop loads against a PPAPD cluster (see platform_load.hpp).
//
// The setup logs in one seller per writer of the largest load and a buyer, each user with
// its own key and client (the platform authenticates users: platform_load.hpp says what that
// changed). For every workload and every client count: a warm-up, then a measured window;
// one result row each with ops/s, latency percentiles, errors, and the CPU seconds the
// replicas and this generator used inside the window (a generator near 1 CPU-second per
// second is the bottleneck, not the cluster).
#include <algorithm>
#include <cmath>

#include "bench_users.hpp"
#include "cluster_target.hpp"
#include "load_report.hpp"
#include "modes.hpp"
#include "platform/client_tls.hpp"
#include "platform_load.hpp"
#include "report.hpp"

namespace auction::bench {

namespace {

struct PlatformOptions {
  ClusterTargetOptions target;
  LoadOptions load;
  std::size_t auctions = 100;
  std::size_t description_bytes = 100;
};

int run_platform(const PlatformOptions& options, const CommonOptions& common) {
  Report report(common.json);
  const auto workloads = parse_workloads(options.load);
  if (!workloads) {
    std::fprintf(stderr, "bench platform: %s\n", workloads.error().message.c_str());
    return 2;
  }
  auto target = ClusterTarget::open(options.target);
  if (!target) {
    std::fprintf(stderr, "bench platform: %s\n", target.error().message.c_str());
    return 1;
  }
  const auto client_options = bench_client_options((*target)->config());
  if (!client_options) {
    std::fprintf(stderr, "bench platform: %s\n", client_options.error().message.c_str());
    return 1;
  }
  const std::size_t most_clients =
      *std::max_element(options.load.clients.begin(), options.load.clients.end());
  boost::asio::io_context io(1);
  // One seller per writer of the largest load: a connection acts as one user only.
  auto fixture = set_up_platform(io, *client_options, most_clients, options.auctions,
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
  auto tls = platform::client_tls_context(*client_options);
  if (!tls) {
    std::fprintf(stderr, "bench platform: %s\n", tls.error().message.c_str());
    return 1;
  }
  const ReadTarget reads{at.host, at.client_port, *tls, client_options->cluster_id};
  const int exit_code = run_loads(
      report, "platform", io, options.load, *workloads,
      [&](Workload workload, std::size_t clients) {
        return make_platform_clients(io, *client_options, *fixture, reads, workload, clients);
      },
      (*target)->cpu_meter(),
      [&]() -> std::uint64_t {
        const auto leader = wait_for_leader((*target)->config(), std::chrono::seconds(10), 1);
        return leader ? leader->term : 0;
      },
      leadership->term);
  if (auto* local = (*target)->local()) local->stop_all();
  return exit_code;
}

}  // namespace

void add_platform_command(CLI::App& app, const CommonOptions& common, int& exit_code) {
  auto [command, options] = add_mode<PlatformOptions>(
      app, "platform", "closed-loop writes and linearizable reads against a PPAPD cluster", common,
      exit_code, run_platform);
  add_cluster_target_options(*command, options->target);
  add_load_options(*command, options->load,
                   "workloads to run: login, update, write (login + update), fetch "
                   "(fetch_auctions of ~100 auctions), lookup (get_user_address)");
  command
      ->add_option("--auctions", options->auctions,
                   "running auctions to create (at least one per client, each writer's seller "
                   "owning its own)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command
      ->add_option("--description-bytes", options->description_bytes,
                   "bytes of each auction's item_description (the bulk of a fetched view)")
      ->check(CLI::Range(0, 2000))
      ->capture_default_str();
}

}  // namespace auction::bench

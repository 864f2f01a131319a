// `bench fanout`: one seller peer announcing a round every period to B buyer peers, each on
// its own connection (see fanout_load.hpp), and how well it keeps up.
//
// One result row: rounds announced against rounds expected (window / period), missed rounds
// (late by more than a period, or a buyer dropped as silent), the announce-to-ack latency
// percentiles (from the seller starting a round's fan-out to each buyer's ack arriving), and
// the CPU seconds of the process and of its seller and buyer threads inside the window.
// Exit code 1 when the auction ended during the run (buyers were dropped until one was left).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>

#include "auction/base/open_file_limit.hpp"
#include "fanout_load.hpp"
#include "modes.hpp"
#include "report.hpp"

namespace auction::bench {

namespace {

struct FanoutOptions {
  FanoutConfig config;
  std::int64_t ack_deadline_ms = 0;  // 0: 80% of the period
  std::int64_t rounds = 0;           // when set, the window is rounds x period_ms
};

double round_to(double value, double step) { return std::round(value / step) * step; }

// The machine's 1-minute load average, so a reader can judge what else was running.
std::optional<double> load_average() {
  std::ifstream file("/proc/loadavg");
  double one_minute = 0;
  if (!(file >> one_minute)) return std::nullopt;
  return one_minute;
}

int run_fanout_mode(FanoutOptions options, const CommonOptions& common) {
  FanoutConfig& config = options.config;
  if (options.rounds > 0) config.duration_ms = options.rounds * config.period_ms;
  config.ack_deadline_ms = options.ack_deadline_ms > 0
                               ? options.ack_deadline_ms
                               : std::max<std::int64_t>(1, config.period_ms * 8 / 10);
  if (config.ack_deadline_ms >= config.period_ms) {
    std::fprintf(stderr, "bench fanout: --ack-deadline-ms must be shorter than --period-ms\n");
    return 2;
  }
  // Every buyer's listening socket and both ends of its connection are in this process.
  const std::string too_few_files =
      open_file_limit_warning(raise_open_file_limit(), 3 * config.buyers + 64,
                              std::to_string(config.buyers) + " buyers in one process");
  if (!too_few_files.empty()) {
    std::fprintf(stderr, "bench fanout: %s\n", too_few_files.c_str());
    return 2;
  }
  const auto load_before = load_average();
  auto outcome = run_fanout(config);
  if (!outcome) {
    std::fprintf(stderr, "bench fanout: %s: %s\n", outcome.error().code.c_str(),
                 outcome.error().message.c_str());
    return 1;
  }
  Report report(common.json);
  nlohmann::ordered_json row;
  row["bench"] = "fanout";
  row["buyers"] = config.buyers;
  row["period_ms"] = config.period_ms;
  row["ack_deadline_ms"] = config.ack_deadline_ms;
  row["seconds"] = outcome->seconds;
  row["rounds"] = outcome->rounds;
  row["rounds_expected"] = outcome->rounds_expected;
  row["missed_rounds"] = outcome->missed_rounds;
  row["late_rounds"] = outcome->late_rounds;
  row["dropped_buyers"] = outcome->dropped_buyers;
  row["introduced"] = outcome->introduced;
  row["acks"] = outcome->acks;
  row["ack_failures"] = outcome->ack_failures;
  add_latency(row, outcome->ack_latency.summary(), "ack_");
  row["cpu_s"] = round_to(outcome->cpu_seconds, 0.01);
  row["seller_cpu_s"] = round_to(outcome->seller_cpu_seconds, 0.01);
  row["buyers_cpu_s"] = round_to(outcome->buyers_cpu_seconds, 0.01);
  if (load_before) row["load_1m"] = *load_before;
  report.add(std::move(row));
  report.flush();
  if (outcome->is_finished_early) {
    std::fprintf(stderr, "bench fanout: the auction ended during the run (buyers were dropped)\n");
    return 1;
  }
  return 0;
}

}  // namespace

void add_fanout_command(CLI::App& app, const CommonOptions& common, int& exit_code) {
  auto [command, options] = add_mode<FanoutOptions>(
      app, "fanout", "one seller peer announcing rounds to B buyer peers, in this process", common,
      exit_code, run_fanout_mode);
  command->add_option("--buyers", options->config.buyers, "buyers (each its own connection)")
      ->check(CLI::Range(2, 10'000))
      ->capture_default_str();
  command->add_option("--period-ms", options->config.period_ms, "the auction's period")
      ->check(CLI::Range(2, 86'400'000))
      ->capture_default_str();
  command
      ->add_option("--ack-deadline-ms", options->ack_deadline_ms,
                   "how long a buyer has to ack a round (default: 80% of the period)")
      ->check(CLI::Range(1, 86'400'000));
  auto* rounds = command
                     ->add_option("--rounds", options->rounds,
                                  "rounds in the measured window (instead of --duration-ms)")
                     ->check(CLI::Range(1, 100'000'000));
  command->add_option("--duration-ms", options->config.duration_ms, "the measured window")
      ->check(CLI::Range(10, 3'600'000))
      ->excludes(rounds)
      ->capture_default_str();
  command
      ->add_option("--warmup-ms", options->config.warmup_ms,
                   "time before the window (connections, first rounds)")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
}

}  // namespace auction::bench

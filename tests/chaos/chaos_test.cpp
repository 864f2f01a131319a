// The chaos test cases: real replica clusters of three and five under kills, pauses and
// partitions (chaos_runner.hpp). Each runs CHAOS_SECONDS (30 by default) and prints its
// seed; CHAOS_SEED replays a run's fault schedule.
#include <catch2/catch.hpp>

#include "chaos_runner.hpp"

namespace auction::test {

namespace {

void run_and_check(std::size_t replicas) {
  const ChaosOptions options = chaos_options_from_environment(replicas, 30);
  const ChaosResult result = run_chaos(options);
  INFO("seed " << options.seed << ": " << result.summary);
  for (const std::string& problem : result.problems) FAIL_CHECK(problem);
  CHECK(result.problems.empty());
}

}  // namespace

TEST_CASE("chaos: 3 replicas stay linearizable and converge under kills, pauses and partitions",
          "[chaos][replica]") {
  run_and_check(3);
}

TEST_CASE("chaos: 5 replicas stay linearizable and converge under kills, pauses and partitions",
          "[chaos][replica]") {
  run_and_check(5);
}

}  // namespace auction::test

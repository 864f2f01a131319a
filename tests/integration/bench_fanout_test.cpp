// The `bench fanout` smoke test: a short run with a few buyers exits 0 and prints one JSON row
// with every key the fan-out report promises. No timing is asserted (the machine's load
// decides those numbers); the row's keys and the absence of failure are the contract.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/child_process.hpp"

using namespace auction::test;

TEST_CASE("bench: fanout with 20 buyers reports one row with the fan-out keys",
          "[bench][integration]") {
  ChildProcess bench(executable("bench"), {"--json", "fanout", "--buyers", "20", "--period-ms",
                                           "20", "--rounds", "10", "--warmup-ms", "200"});
  const auto code = bench.wait_exit(std::chrono::seconds(60));
  INFO(bench.output());
  REQUIRE(code.has_value());
  REQUIRE(*code == 0);

  // stderr may carry notes; the row is the line that parses as a JSON object.
  std::istringstream lines(bench.output());
  std::string line;
  nlohmann::json row;
  while (std::getline(lines, line)) {
    auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("bench")) row = std::move(parsed);
  }
  REQUIRE(row.is_object());
  CHECK(row["bench"] == "fanout");
  CHECK(row["buyers"] == 20);
  CHECK(row["period_ms"] == 20);
  CHECK(row["rounds_expected"] == 10);
  for (const char* key : {"rounds", "missed_rounds", "dropped_buyers", "ack_p50_ms", "ack_p99_ms",
                          "ack_max_ms", "cpu_s", "seller_cpu_s", "buyers_cpu_s"}) {
    INFO(key);
    CHECK(row.contains(key));
    CHECK(row[key].is_number());
  }
}

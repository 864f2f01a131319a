// Tests of the metrics vocabulary: histograms and the Prometheus text they are written in.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/log.hpp"
#include "auction/base/metrics.hpp"

using namespace auction::metrics;
using std::chrono::microseconds;

TEST_CASE("metrics: a histogram counts each observation in the first bucket that holds it",
          "[base][metrics]") {
  Histogram h({microseconds(100), microseconds(1000)});
  h.observe(microseconds(100));   // on the bound: in it
  h.observe(microseconds(101));   // just above: the next
  h.observe(microseconds(5000));  // above every bound: +Inf only
  h.observe(microseconds(-5));    // a clock that stepped back counts as 0
  const auto s = h.snapshot();
  CHECK(s.upper_bounds_seconds == std::vector<double>{0.0001, 0.001});
  CHECK(s.cumulative_counts == std::vector<std::uint64_t>{2, 3});
  CHECK(s.count == 4);
  CHECK(s.sum_seconds == Approx(0.005201));
}

TEST_CASE("metrics: observations from several threads are all counted", "[base][metrics]") {
  Histogram h(latency_buckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10'000; ++i) h.observe(microseconds(i % 3000));
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(h.snapshot().count == 40'000);
}

TEST_CASE("metrics: the text format, byte for byte", "[base][metrics]") {
  MetricsText m;
  m.gauge("ppapd_x", "An \"x\" with a \\ and\na newline.", 3);
  m.gauge("ppapd_x", "ignored: the family's header is written once", 0.25, {{"k", "a\"b\\c\nd"}});
  m.counter("ppapd_y_total", "Y.", 1e20);
  Histogram h({microseconds(500), microseconds(1'000'000)});
  h.observe(microseconds(250));
  m.histogram("ppapd_z_seconds", "Z.", h.snapshot());
  CHECK(m.text() ==
        "# HELP ppapd_x An \"x\" with a \\\\ and\\na newline.\n"
        "# TYPE ppapd_x gauge\n"
        "ppapd_x 3\n"
        "ppapd_x{k=\"a\\\"b\\\\c\\nd\"} 0.25\n"
        "# HELP ppapd_y_total Y.\n"
        "# TYPE ppapd_y_total counter\n"
        "ppapd_y_total 1e+20\n"
        "# HELP ppapd_z_seconds Z.\n"
        "# TYPE ppapd_z_seconds histogram\n"
        "ppapd_z_seconds_bucket{le=\"0.0005\"} 1\n"
        "ppapd_z_seconds_bucket{le=\"1.0\"} 1\n"
        "ppapd_z_seconds_bucket{le=\"+Inf\"} 1\n"
        "ppapd_z_seconds_sum 0.00025\n"
        "ppapd_z_seconds_count 1\n");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(format_value(-2) == "-2");
}

TEST_CASE("log: a JSON line is one object whatever the message holds", "[base][log]") {
  const std::string line =
      auction::json_log_line(1'765'112'400'123, "replica 2", "a \"quote\"\nnext\x1b[2J \xff");
  CHECK(line.find('\n') == std::string::npos);
  const auto parsed = nlohmann::json::parse(line);
  CHECK(parsed["time"] == "2025-12-07T13:00:00.123Z");
  CHECK(parsed["source"] == "replica 2");
  CHECK(parsed["message"] == "a \"quote\"\nnext\x1b[2J \xef\xbf\xbd");
}

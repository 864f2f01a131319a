// A measurement, not a test: how long one small append + sync takes on this machine's disk.
// Hidden (tag [.]), so CTest and a plain run of unit_raft skip it; run it by hand with
//   build/release/tests/unit_raft "[bench]"
// It prints latencies and checks only that what it wrote is there; numbers go in
// docs/raft-storage.md, never into an assertion.
#include <chrono>
#include <cstdio>

#include "file_storage_test_support.hpp"

using namespace auction::raft;
using namespace auction::test;

namespace {

void report(const char* what, std::vector<double> micros) {
  std::sort(micros.begin(), micros.end());
  double total = 0;
  for (const double m : micros) total += m;
  auto at = [&micros](double q) {
    return micros[static_cast<std::size_t>(q * (micros.size() - 1))];
  };
  std::printf("%s: n=%zu  min %.0f us  median %.0f us  p99 %.0f us  max %.0f us  mean %.0f us\n",
              what, micros.size(), micros.front(), at(0.5), at(0.99), micros.back(),
              total / static_cast<double>(micros.size()));
}

}  // namespace

TEST_CASE("raft: file storage append+sync latency (a measurement run by hand)", "[.][bench]") {
  using Clock = std::chrono::steady_clock;
  TempDir dir;
  auto storage = open_ok(dir.path());
  storage->sync();  // the segment's first hard state record is not part of the measurement

  constexpr std::size_t rounds = 2000;
  constexpr std::size_t batch = 64;
  std::vector<double> single;
  std::vector<double> batched;
  std::uint64_t next = 1;
  for (std::size_t i = 0; i < rounds; ++i) {
    const auto entries = make_entries(next, 1, 1, 100);
    const auto start = Clock::now();
    storage->append(entries);
    storage->sync();
    single.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    next += 1;
  }
  for (std::size_t i = 0; i < rounds / 10; ++i) {
    const auto entries = make_entries(next, batch, 1, 100);
    const auto start = Clock::now();
    storage->append(entries);
    storage->sync();
    batched.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    next += batch;
  }
  report("append 1 entry of 100 bytes + sync", single);
  report("append 64 entries of 100 bytes + sync", batched);
  storage.reset();
  CHECK(open_ok(dir.path())->last_index() == LogIndex{next - 1});
}

TEST_CASE("raft: file storage replay speed on open (a measurement run by hand)", "[.][bench]") {
  using Clock = std::chrono::steady_clock;
  TempDir dir;
  constexpr std::size_t count = 200000;
  constexpr std::size_t data_bytes = 200;
  {
    auto storage = open_ok(dir.path());
    for (std::uint64_t first = 1; first <= count; first += 1000) {
      storage->append(make_entries(first, 1000, 1, data_bytes));
    }
    storage->sync();
  }
  std::uintmax_t bytes = 0;
  for (const auto& file : segment_files(dir.path())) bytes += fs::file_size(file);
  const auto start = Clock::now();
  auto storage = open_ok(dir.path());
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("open() replayed %zu entries, %.1f MiB in %zu segments: %.3f s, %.0f MiB/s\n", count,
              static_cast<double>(bytes) / (1 << 20), segment_files(dir.path()).size(), seconds,
              static_cast<double>(bytes) / (1 << 20) / seconds);
  CHECK(storage->last_index() == LogIndex{count});
}

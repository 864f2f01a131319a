// ClosedLoop: C clients, each doing one operation at a time as fast as answers come back,
// through a warm-up and then a measured window: the load model of every bench mode that
// reports throughput (PPAPD's platform and etcd alike, so their numbers compare).
//
// Each client owns its connection(s); all of them run as coroutines on one io_context
// thread, the generator, whose CPU time the report shows next to the servers'.
// Never: counts an operation that started in the warm-up, or one that failed, as done.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "auction/base/error.hpp"
#include "latency.hpp"

namespace auction::bench {

// One client of a closed loop. async_once() does one operation; an Error counts as a
// failed operation (its code is tallied) and the client goes on.
class LoadClient {
 public:
  virtual ~LoadClient() = default;
  virtual boost::asio::awaitable<Result<void>> async_once() = 0;
};

struct LoadWindow {
  std::chrono::milliseconds warmup{1000};
  std::chrono::milliseconds duration{5000};
};

struct LoadOutcome {
  std::uint64_t ops = 0;     // succeeded inside the measured window
  std::uint64_t errors = 0;  // failed inside the measured window
  std::map<std::string, std::uint64_t> error_codes;
  std::string first_error;                   // the first failure's message, to show the reader
  double seconds = 0;                        // the measured window as it really was
  double generator_cpu_seconds = 0;          // inside the window
  std::optional<double> server_cpu_seconds;  // inside the window, if a meter was given
  LatencySamples latency;                    // of the operations that succeeded inside the window
};

// Reads the CPU seconds used so far by the servers under load (nullopt: unknown).
using CpuMeter = std::function<std::optional<double>()>;

// Runs every client on `io` (which must not be running) until the window ends, then waits
// for the operations in flight to finish (each is bounded by its own deadline).
// `server_cpu` (optional) is read when the window opens and when it closes.
LoadOutcome run_closed_loop(boost::asio::io_context& io,
                            const std::vector<std::unique_ptr<LoadClient>>& clients,
                            LoadWindow window, const CpuMeter& server_cpu = {});

}  // namespace auction::bench

// ClosedLoop: see closed_loop.hpp.
#include "closed_loop.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "cpu_usage.hpp"

namespace auction::bench {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

struct Window {
  Clock::time_point start;  // end of the warm-up
  Clock::time_point end;
};

asio::awaitable<void> async_drive(LoadClient& client, const Window& window, LoadOutcome& out,
                                  std::size_t& running) {
  while (Clock::now() < window.end) {
    const auto began = Clock::now();
    Result<void> done = co_await client.async_once();
    const auto finished = Clock::now();
    if (began < window.start || finished > window.end) continue;  // outside the window
    if (done) {
      ++out.ops;
      out.latency.add(finished - began);
    } else {
      ++out.errors;
      ++out.error_codes[done.error().code];
      if (out.first_error.empty()) {
        out.first_error = done.error().code + ": " + done.error().message;
      }
    }
  }
  --running;
}

}  // namespace

LoadOutcome run_closed_loop(asio::io_context& io,
                            const std::vector<std::unique_ptr<LoadClient>>& clients,
                            LoadWindow window, const CpuMeter& server_cpu) {
  LoadOutcome outcome;
  const auto now = Clock::now();
  const Window times{now + window.warmup, now + window.warmup + window.duration};
  std::size_t running = clients.size();
  for (const auto& client : clients) {
    asio::co_spawn(io, async_drive(*client, times, outcome, running), asio::detached);
  }
  const auto read_servers = [&server_cpu]() -> std::optional<double> {
    return server_cpu ? server_cpu() : std::nullopt;
  };
  io.restart();
  io.run_until(times.start);  // the warm-up
  const double own_at_open = own_cpu_seconds();
  const auto servers_at_open = read_servers();
  io.run_until(times.end);
  const double own_at_close = own_cpu_seconds();
  const auto servers_at_close = read_servers();
  // The operations still in flight end, each within its own deadline. (Not io.run(): the
  // clients' open connections keep it busy until they are destroyed.)
  while (running > 0) io.run_one();
  outcome.seconds = std::chrono::duration<double>(window.duration).count();
  outcome.generator_cpu_seconds = own_at_close - own_at_open;
  if (servers_at_open && servers_at_close) {
    outcome.server_cpu_seconds = *servers_at_close - *servers_at_open;
  }
  return outcome;
}

}  // namespace auction::bench

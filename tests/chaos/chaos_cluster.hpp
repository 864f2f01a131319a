// ChaosCluster: real `replica` processes that the chaos test kills, restarts, pauses and
// resumes, each in its own network namespace when a ChaosNetwork is given, else on loopback.
//
// Built on LocalCluster (support/local_cluster.hpp), the one way every harness starts
// replicas: it writes the cluster file and the data directories into a temporary directory,
// and waits for each replica's ready line. This class adds what the chaos test needs: the
// replicas' namespaces (addresses, and `ip netns exec` around each command line), indexes
// instead of ids, and a test failure when a replica does not come up. A killed replica is
// started again on the same data directory, so it recovers from its write-ahead log. Each
// replica's output, across all its lives, is kept for the failure report.
// Threading: one owner thread (the test's main thread); status() runs its own io_context on
// the calling thread. Never: leave a process running (the destructor kills and reaps all).
#pragma once

#include <cstddef>
#include <exception>
#include <filesystem>

#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "auction/platform/client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "chaos_network.hpp"
#include "support/local_cluster.hpp"

namespace auction::test {

// Runs `task` on `io` on this thread until it completes, and returns its value. The io_context
// may still hold other work (open connections) afterwards; the caller closes it.
template <class T>
T run_to_completion(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> value;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T result) {
    failure = e;
    value.emplace(std::move(result));
  });
  while (!value && !failure) {
    io.restart();
    io.run_one();
  }
  if (failure) std::rethrow_exception(failure);
  return std::move(*value);
}

class ChaosCluster {
 public:
  // Starts `replicas` replicas and waits until each is ready. `network` (may be null: then
  // loopback with free ports) must outlive the cluster. Aborts the test run (REQUIRE) when a
  // replica does not become ready.
  ChaosCluster(std::size_t replicas, const ChaosNetwork* network);
  ~ChaosCluster();
  ChaosCluster(const ChaosCluster&) = delete;
  ChaosCluster& operator=(const ChaosCluster&) = delete;

  std::size_t size() const { return replicas_.size(); }
  // Client endpoints "host:port" in id order (replica index i has id i + 1).
  std::vector<std::string> client_endpoints() const;
  // How a client reaches the replicas: their endpoints and the cluster's CA (TLS).
  platform::ClientOptions client_options() const;

  // kill -9 (idempotent; a paused replica is killed too).
  void kill(std::size_t index);
  // Starts a killed replica on its data directory and waits for "ready" (REQUIRE).
  void restart(std::size_t index);
  void pause(std::size_t index);   // SIGSTOP
  void resume(std::size_t index);  // SIGCONT
  bool is_running(std::size_t index) const { return replicas_.is_running(index + 1); }
  bool is_paused(std::size_t index) const { return replicas_.is_paused(index + 1); }

  // Resumes every paused replica and restarts every killed one.
  void revive_all();

  // One replica's `status` result (docs/protocol.md), asked directly, within `timeout_ms`
  // (with the digest of its state when asked).
  Result<nlohmann::json> status(
      std::size_t index, int timeout_ms = 500,
      LocalCluster::WithDigest digest = LocalCluster::WithDigest::no) const;
  // The index of a replica that says it is the leader, or size() when none answers so.
  std::size_t find_leader() const;

  // Every replica's output so far, all lives, one block per replica.
  std::string logs() const;

 private:
  void start(std::size_t index);

  test::LocalCluster replicas_;  // replica index i has id i + 1
  std::vector<std::string> endpoints_;
};

}  // namespace auction::test

// What a replica serves on its monitoring port (`replica --http ADDR`): the Prometheus text of
// /metrics, and the answer of every path (/metrics, /status, /healthz). docs/operations.md,
// "Watching the replicas", lists every metric and says what each path answers.
//
// Pure: builds text from values the replica gathered on its executor; reads no clock, does
// no I/O. Never: names a metric that docs/operations.md does not list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/raft/server.hpp"
#include "wire/http_answer.hpp"

namespace auction::platform {

// One look at a running replica.
struct ReplicaObservation {
  raft::ServerStatus status;
  raft::ServerCounters counters;
  std::size_t voters = 0;
  std::size_t learners = 0;
  std::size_t client_connections = 0;
  std::size_t users = 0;
  std::size_t auctions = 0;
};

// The Prometheus text (format 0.0.4) of `seen`.
std::string metrics_text(const ReplicaObservation& seen);

// Where the answers come from; each is called only for the path that needs it.
struct MonitoringSources {
  std::function<ReplicaObservation()> observe;  // for /metrics
  std::function<nlohmann::json()> status;       // for /status
  std::function<std::uint64_t()> leader;        // for /healthz: the leader known (0: none)
};

// The answer to GET `path`: /metrics (metrics_text), /status, /healthz (200 "ok" while a
// leader is known, 503 with the reason otherwise), anything else 404.
wire::HttpAnswer monitoring_answer(std::string_view path, const MonitoringSources& sources);

}  // namespace auction::platform

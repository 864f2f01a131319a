// EtcdLoad: the closed-loop clients of `bench etcd` and the keys they need in place; the
// etcd counterparts of PlatformLoad's workloads, so the two modes' rows compare.
//
// Workloads (each client with its own EtcdClient, so its own connection):
//   write   PUT of a 100-byte value; client i writes bench/<i>/<n>, n = 0, 1, 2, ... so no
//           two puts of a run write the same key
//   fetch   linearizable range over the 100 keys under bench-fetch/ (etcd's default,
//           serializable=false); the reply must count 100 keys and carry them
//   lookup  linearizable range of one of those keys; the reply must carry exactly it
// Never: counts a reply as done before it was checked (a failed call is an Error).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "closed_loop.hpp"
#include "etcd_client.hpp"
#include "platform_load.hpp"

namespace auction::bench {

// The etcd workloads are write, fetch and lookup (PlatformLoad's names for the same loads).
bool is_etcd_workload(Workload workload);

// What the set-up found and wrote.
struct EtcdFixture {
  std::string server_version;   // as the member reported it
  std::string server_endpoint;  // the endpoint that answered
  std::string fetch_prefix;     // the 100 keys the fetch workload reads live under it
  std::size_t fetch_keys = 0;
  std::string lookup_key;       // one of them
  std::uint64_t raft_term = 0;  // the member's Raft term after the set-up
};

// Asks the first reachable endpoint for its status, then puts the fetch keys and reads
// them back once, on `io` (which must not be running). Errors: whatever EtcdClient returned
// for the call that failed (the message names the step), or bad_response when the read
// back does not see every key.
Result<EtcdFixture> set_up_etcd(boost::asio::io_context& io,
                                const std::vector<EtcdEndpoint>& endpoints,
                                std::chrono::milliseconds call_timeout);

// The Raft term the first reachable member reports now (a new term after a load is an
// election the load caused), on `io` (which must not be running). Errors: as set_up_etcd.
Result<std::uint64_t> etcd_raft_term(boost::asio::io_context& io,
                                     const std::vector<EtcdEndpoint>& endpoints,
                                     std::chrono::milliseconds call_timeout);

// `clients` load clients for `workload`. Preconditions: is_etcd_workload(workload);
// `fixture` outlives the clients.
std::vector<std::unique_ptr<LoadClient>> make_etcd_clients(
    boost::asio::io_context& io, const std::vector<EtcdEndpoint>& endpoints,
    std::chrono::milliseconds call_timeout, const EtcdFixture& fixture, Workload workload,
    std::size_t clients);

}  // namespace auction::bench

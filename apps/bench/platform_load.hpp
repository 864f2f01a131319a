// PlatformLoad: the closed-loop clients of `bench platform` and what they need in place.
//
// Every user the load acts as has its own key and its own connections (bench_users.hpp):
// the platform authenticates users, and a connection speaks for one user. The setup makes
// one seller per writer (bench-s<i>), each with its own auctions, and one buyer
// (bench-buyer) who joins them all.
// Workloads (each client with its own connections):
//   login    writes: login of the writer's own seller, each time at a new address (it moves
//            the seller; the users are reused across runs, so a long comparison does not
//            fill the directory)
//   update   writes: update_auction on the writer's own running auction, one round further
//            each time (the seller's periodic push)
//   write    login and update_auction alternately
//   fetch    linearizable reads: fetch_auctions of the run's page of `auctions` auctions
//            (at most 100), read as the buyer; the answer must list them all
//   lookup   linearizable reads: get_user_address of one of the bench users (anyone may)
// Writers go through platform::Client acting as their seller; readers send raw lines, and
// a fetch reader proves the buyer's key once per connection it makes (the proof happens
// when it connects, in the warm-up, and not per read).
// Before users were authenticated, one client logged in 50 users of its own in rotation and
// every writer updated an auction of one shared seller; now a connection may act as one user
// only, so each writer logs in and updates as its own seller: the same ops, one replicated
// write each, in the same mix.
// Never: lets two clients write the same user or auction (their writes would conflict, and
// the load would measure the conflict, not the platform).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "auction/base/ids.hpp"
#include "auction/platform/client.hpp"
#include "closed_loop.hpp"

namespace auction::bench {

enum class Workload { login, update, write, fetch, lookup };

Result<Workload> parse_workload(const std::string& name);
std::string to_string(Workload workload);
bool is_write(Workload workload);

// What the setup created: the users and the auctions (one per writer at least).
struct PlatformFixture {
  // Started; auction_ids[i] is owned by sellers[i % sellers.size()]; `buyer` joined each.
  std::vector<AuctionId> auction_ids;
  AuctionId first_auction{0};        // the lowest of auction_ids
  std::vector<std::string> sellers;  // writer i acts as sellers[i]
  std::string buyer;
};

// Where the reads go: the leader's client endpoint. Reads are sent as raw request lines and
// their answers checked without a full parse (line_connection.hpp); writes go through
// platform::Client, which follows the leader.
struct ReadTarget {
  std::string host;
  std::uint16_t port = 0;
  // TLS as platform::Client speaks it (platform/client_tls.hpp); null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::string cluster_id;  // what a reader's proof of a user is scoped to
};

// Logs in (registering them the first time) `sellers` sellers and the buyer, each through a
// client of its own made from `options` (bench_client_options(): the cluster id loaded), and
// creates and starts max(`auctions`, `sellers`) auctions, which the buyer joins, on `io`.
// Errors: whatever the platform answered, with the op that failed. Each auction's
// item_description has `description_bytes` bytes (the bulk of its view).
// Precondition: sellers >= 1.
Result<PlatformFixture> set_up_platform(boost::asio::io_context& io,
                                        const platform::ClientOptions& options, std::size_t sellers,
                                        std::size_t auctions, std::size_t description_bytes);

// `clients` load clients for `workload`; writer i acts as fixture.sellers[i] and updates
// fixture.auction_ids[i]. `options` as for set_up_platform().
// Precondition: fixture.sellers.size() >= clients.
std::vector<std::unique_ptr<LoadClient>> make_platform_clients(
    boost::asio::io_context& io, const platform::ClientOptions& options,
    const PlatformFixture& fixture, const ReadTarget& reads, Workload workload,
    std::size_t clients);

}  // namespace auction::bench

// PlatformLoad: the closed-loop clients of `bench platform` and what they need in place.
//
// Workloads (each client with its own platform::Client, so its own connections):
//   login    writes: login of the client's own users in rotation, each time at a new
//            address (the users are reused across runs, so a long comparison does not
//            fill the directory)
//   update   writes: update_auction on the client's own running auction, one round further
//            each time (the seller's periodic push)
//   write    login and update_auction alternately
//   fetch    linearizable reads: fetch_auctions of the run's page of `auctions` auctions
//            (at most 100); the answer must list them all
//   lookup   linearizable reads: get_user_address of one of the bench users
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

// What the setup created: the auctions (one per client at least) and the users.
struct PlatformFixture {
  std::vector<AuctionId> auction_ids;  // started, owned by `seller`, `buyer` joined
  std::string seller;
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
};

// Creates (or reuses) the bench users and creates and starts `auctions` auctions, through
// `options` on `io`. Errors: whatever the platform answered, with the op that failed.
// Each auction's item_description has `description_bytes` bytes (the bulk of its view).
Result<PlatformFixture> set_up_platform(boost::asio::io_context& io,
                                        const platform::ClientOptions& options,
                                        std::size_t auctions, std::size_t description_bytes);

// `clients` load clients for `workload`; client i updates fixture.auction_ids[i].
// Precondition: fixture.auction_ids.size() >= clients.
std::vector<std::unique_ptr<LoadClient>> make_platform_clients(
    boost::asio::io_context& io, const platform::ClientOptions& options,
    const PlatformFixture& fixture, const ReadTarget& reads, Workload workload,
    std::size_t clients);

}  // namespace auction::bench

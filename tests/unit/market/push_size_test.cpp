// Tests that a seller's pushes fit the platform's entry bound (raft::Config::entry_bytes_max,
// 1 MiB) for an auction of auction::limits::buyers_per_auction_max buyers with the longest
// usernames: a push carries the links the platform lacks, in chunks of at most
// SellerRuntimeOptions::push_bytes_max bytes (links_fitting), and no buyers list at all.
// `bench capacity` prints the sizes themselves (docs/platform.md, "update_auction").
// Must never depend on timing.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "auction/base/limits.hpp"
#include "auction/market/auction_chain.hpp"
#include "auction/market/runtime/seller_runtime.hpp"
#include "auction/platform/commands.hpp"
#include "auction/raft/config.hpp"

namespace {

using namespace auction;
using namespace auction::market;

constexpr std::size_t buyers = limits::buyers_per_auction_max;

std::string longest_name(std::size_t i) {
  std::string name = "b" + std::to_string(i) + "-";
  name.resize(limits::username_bytes_max, 'y');
  return name;
}

// The longest a withdrawal by request can be written: the largest round and price.
ChainWithdrawal longest_withdrawal(std::size_t i) {
  identity::Signature signature;
  signature.bytes.fill(0xab);
  return ChainWithdrawal{longest_name(i), BuyerStatus::withdrawn_max_price,
                         WithdrawProof{UINT64_MAX, Cents{INT64_MAX}, signature}};
}

// The bytes of the log entry an update_auction of links[from, end) becomes.
std::size_t push_bytes(const std::vector<ChainLink>& links, std::size_t from, std::size_t end) {
  nlohmann::json slice = nlohmann::json::array();
  for (std::size_t i = from; i < end; ++i) slice.push_back(encode(links[i]));
  std::string seller(limits::username_bytes_max, 's');
  const platform::UpdateAuction update{seller, AuctionId{UINT64_MAX}, UINT64_MAX, Cents{INT64_MAX},
                                       from,   std::move(slice)};
  const platform::Request request{update, platform::SessionTag{std::string(64, 'c'), UINT64_MAX}};
  return platform::encode(request).dump().size();
}

}  // namespace

TEST_CASE("push size: a chain of 10,000 buyers goes in pushes that each fit the entry bound",
          "[market][push]") {
  const std::size_t entry_max = raft::Config{}.entry_bytes_max;
  const std::size_t chunk_max = SellerRuntimeOptions{}.push_bytes_max;
  // Every buyer but the winner leaves by request, each in a link of its own (the seller's
  // engine makes one link per withdraw request).
  std::vector<ChainLink> links;
  for (std::size_t i = 0; i + 1 < buyers; ++i) {
    links.push_back(ChainLink{UINT64_MAX, {longest_withdrawal(i)}});
  }
  // The whole chain in one push would not fit: that is why a push carries what is new.
  CHECK(push_bytes(links, 0, links.size()) > entry_max);
  std::size_t from = 0;
  std::size_t pushes = 0;
  while (from < links.size()) {
    const std::size_t end = links_fitting(links, from, chunk_max);
    REQUIRE(end > from);
    CHECK(push_bytes(links, from, end) <= chunk_max + 1024);
    CHECK(push_bytes(links, from, end) < entry_max);
    from = end;
    ++pushes;
  }
  CHECK(pushes > 1);
  CHECK(pushes < 10);
}

TEST_CASE("push size: the largest single link, 9,999 buyers silent at once, fits one push",
          "[market][push]") {
  ChainLink silent{UINT64_MAX, {}};
  for (std::size_t i = 0; i + 1 < buyers; ++i) {
    silent.withdrawals.push_back(
        ChainWithdrawal{longest_name(i), BuyerStatus::withdrawn_silent, std::nullopt});
  }
  const std::vector<ChainLink> links{silent};
  // A link is never split: it goes alone, above the chunk size, and still fits.
  CHECK(links_fitting(links, 0, SellerRuntimeOptions{}.push_bytes_max) == 1);
  CHECK(push_bytes(links, 0, 1) > SellerRuntimeOptions{}.push_bytes_max);
  CHECK(push_bytes(links, 0, 1) < raft::Config{}.entry_bytes_max);
}

TEST_CASE("push size: links_fitting takes what fits, and one link at least", "[market][push]") {
  std::vector<ChainLink> links;
  for (std::size_t i = 0; i < 10; ++i) links.push_back(ChainLink{3, {longest_withdrawal(i)}});
  const std::size_t one = encode(links[0]).dump().size();
  CHECK(links_fitting(links, 0, 0) == 1);
  CHECK(links_fitting(links, 0, 2 + one) == 1);
  CHECK(links_fitting(links, 0, 2 + 2 * one + 1) == 2);
  CHECK(links_fitting(links, 4, 1 << 20) == 10);
  CHECK(links_fitting(links, 10, 1 << 20) == 10);
}

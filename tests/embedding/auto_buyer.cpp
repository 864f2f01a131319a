// auto_buyer: an automated buyer with its own bidding rule, written only against libauction's
// public headers. docs/embedding.md walks through it; the test suite compiles it (target
// embedding_auto_buyer) so that the document cannot fall behind the library.
//
//   auto_buyer CLUSTER_FILE USERNAME AUCTION_ID BUDGET
//
// It logs in, joins the auction, and stays in while the price is within BUDGET, but leaves
// early once the price passes 80% of BUDGET while three or more rivals are still bidding.
// Everything runs on one thread (one io_context). Exits 0 when the auction finishes.
#include <cstdio>
#include <exception>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/market/runtime/buyer_runtime.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"

namespace asio = boost::asio;
using namespace auction;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: auto_buyer CLUSTER_FILE USERNAME AUCTION_ID BUDGET\n");
    return 2;
  }
  auto cluster = platform::ClusterConfig::load(argv[1]);
  auto budget = auction::parse_cents(argv[4]);
  if (!cluster || !budget) {
    std::fprintf(stderr, "auto_buyer: bad cluster file or budget\n");
    return 2;
  }
  const AuctionId auction_id{std::stoull(argv[3])};

  asio::io_context io(1);
  // The platform client finds the leader and retries; the runtime runs the peer side.
  platform::Client platform(io.get_executor(), platform::client_options_from(*cluster));
  market::BuyerRuntimeOptions options;
  options.peer.username = argv[2];
  market::BuyerRuntime buyer(io.get_executor(), platform, options);

  // The bidding rule sees every event of the auction, on the io_context's thread.
  market::BuyerObserver observer;
  observer.on_event = [&](AuctionId id, const market::BuyerEvent& event) {
    if (id != auction_id) return;
    if (const auto* price = std::get_if<market::buyer_event::PriceChanged>(&event)) {
      const market::BuyerAuction* auction = buyer.peer().find(id);
      std::size_t rivals = 0;
      for (const auto& [name, status] : auction->buyers()) {
        if (name != buyer.username() && status == market::BuyerStatus::active) ++rivals;
      }
      const bool over_budget = price->price > *budget;
      const bool crowded = price->price.value * 5 > budget->value * 4 && rivals >= 3;
      std::printf("round %llu: %s, %zu rivals\n", static_cast<unsigned long long>(price->round_id),
                  auction::format_cents(price->price).c_str(), rivals);
      if (over_budget || crowded) (void)buyer.withdraw(id);  // idempotent; errors are values
    } else if (const auto* finished = std::get_if<market::buyer_event::Finished>(&event)) {
      std::printf("finished: %s at %s%s\n", finished->record.winner.value_or("nobody").c_str(),
                  auction::format_cents(finished->record.price).c_str(),
                  finished->is_winner ? " (we won)" : "");
      io.stop();
    }
  };
  buyer.set_observer(observer);

  auto address = buyer.start();  // binds the port sellers will call
  if (!address) {
    std::fprintf(stderr, "auto_buyer: %s\n", address.error().message.c_str());
    return 2;
  }
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto joined = co_await buyer.async_login();
        if (joined) joined = co_await buyer.async_join(auction_id);
        if (!joined) {
          std::fprintf(stderr, "auto_buyer: %s\n", joined.error().message.c_str());
          io.stop();
          co_return;
        }
        std::printf("joined auction %llu from %s\n",
                    static_cast<unsigned long long>(auction_id.value), address->c_str());
        std::fflush(stdout);
      },
      [](std::exception_ptr) {});
  io.run();
  return 0;
}

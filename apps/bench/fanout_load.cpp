// FanoutLoad: see fanout_load.hpp.
#include "fanout_load.hpp"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "auction/identity/user_key.hpp"
#include "auction/market/auction_rules.hpp"
#include "auction/market/runtime/buyer_peer.hpp"
#include "auction/market/runtime/seller_peer.hpp"
#include "cpu_usage.hpp"

namespace auction::bench {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr AuctionId auction_id{1};
constexpr char seller_name[] = "seller";
// Enough for a thousand buyers to connect and read the list on a loaded machine.
constexpr std::chrono::seconds introduce_deadline{20};

double thread_cpu_seconds(std::thread& thread) {
  clockid_t clock{};
  timespec used{};
  if (pthread_getcpuclockid(thread.native_handle(), &clock) != 0) return 0;
  if (clock_gettime(clock, &used) != 0) return 0;
  return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
}

// What the seller's observers saw; written only on the seller's thread, read after it joined.
struct Recorder {
  SteadyClock::time_point window_start;
  SteadyClock::time_point window_end;
  std::chrono::milliseconds period;
  FanoutOutcome outcome;
  std::optional<RoundId> last_round;
  SteadyClock::time_point last_round_at;
  std::optional<RoundId> last_missed;

  bool is_inside(SteadyClock::time_point t) const { return t >= window_start && t < window_end; }

  void on_action(const market::SellerAction& action) {
    const auto now = SteadyClock::now();
    if (const auto* a = std::get_if<market::seller_action::Announce>(&action)) {
      const RoundId round = a->message.round_id;
      if (last_round && round == *last_round) return;  // a paused round, announced again
      const bool is_late = last_round && now - last_round_at > 2 * period;
      last_round = round;
      last_round_at = now;
      if (!is_inside(now)) return;
      ++outcome.rounds;
      if (is_late) {
        ++outcome.late_rounds;
        miss(round);
      }
    } else if (const auto* w = std::get_if<market::seller_action::BuyerWithdrawn>(&action)) {
      if (now >= window_end) return;
      ++outcome.dropped_buyers;  // the warm-up's too: a buyer lost early is lost for good
      if (is_inside(now)) miss(w->round_id);
    } else if (std::holds_alternative<market::seller_action::Finish>(action)) {
      outcome.is_finished_early = true;
    }
  }

  void on_announce_outcome(const market::AnnounceOutcome& o) {
    if (!is_inside(SteadyClock::now())) return;
    if (o.is_acked) {
      ++outcome.acks;
      outcome.ack_latency.add(o.latency);
    } else {
      ++outcome.ack_failures;
    }
  }

  void miss(RoundId round) {
    if (last_missed == round) return;
    last_missed = round;
    ++outcome.missed_rounds;
  }
};

// Runs `work` on `io`'s thread and waits for it.
template <class Work>
void run_on(asio::io_context& io, Work work) {
  std::promise<void> done;
  asio::post(io, [&] {
    work();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace

Result<FanoutOutcome> run_fanout(const FanoutConfig& config) {
  // Base 1.00, one cent a round: the price rises for the whole run and never overflows.
  const Cents base_price(100);
  const Cents increment(1);
  asio::io_context seller_io(1);
  asio::io_context buyers_io(1);

  // Buyers first: each listens on its own port.
  // Every peer signs and checks what it sends, as in a real auction: each user has its own
  // key, in a cluster of the bench's own (no platform here).
  const std::string cluster_id = "bench-fanout";
  auto seller_keys = std::make_shared<const identity::KeyPair>(identity::generate_key_pair());
  market::SellerKeys keys{market::PeerSigner{seller_name, seller_keys, cluster_id}, {}};
  std::vector<std::unique_ptr<market::BuyerPeer>> buyers;
  std::vector<std::string> names;
  std::map<std::string, std::string> addresses;
  for (std::size_t i = 0; i < config.buyers; ++i) {
    market::BuyerPeerOptions options;
    options.username = "buyer" + std::to_string(i);
    auto buyer_keys = std::make_shared<const identity::KeyPair>(identity::generate_key_pair());
    keys.buyers.emplace(options.username, buyer_keys->public_key());
    options.signer = market::PeerSigner{options.username, buyer_keys, cluster_id};
    auto buyer = std::make_unique<market::BuyerPeer>(buyers_io.get_executor(), options,
                                                     market::BuyerObserver{});
    auto port = buyer->start();
    if (!port) return std::unexpected(port.error());
    addresses[options.username] = "127.0.0.1:" + std::to_string(*port);
    names.push_back(options.username);
    buyers.push_back(std::move(buyer));
  }

  market::SellerPeerOptions seller_options;
  seller_options.username = seller_name;
  auto recorder = std::make_unique<Recorder>();
  recorder->period = std::chrono::milliseconds(config.period_ms);
  Recorder* record = recorder.get();
  auto seller = std::make_unique<market::SellerPeer>(
      seller_io.get_executor(), seller_options,
      [record](AuctionId, const market::SellerAction& action) { record->on_action(action); });
  seller->set_announce_observer(
      [record](const market::AnnounceOutcome& o) { record->on_announce_outcome(o); });
  auto seller_port = seller->start();
  if (!seller_port) return std::unexpected(seller_port.error());
  const std::string seller_address = "127.0.0.1:" + std::to_string(*seller_port);
  for (auto& buyer : buyers) {
    market::WatchedAuction watched_auction;
    watched_auction.auction_id = auction_id;
    watched_auction.period_ms = config.period_ms;
    watched_auction.seller = seller_name;
    watched_auction.seller_address = seller_address;
    watched_auction.seller_key = seller_keys->public_key();
    watched_auction.base_price = base_price;
    watched_auction.increment = increment;
    auto watched = buyer->watch(std::move(watched_auction));
    if (!watched) return std::unexpected(watched.error());
  }

  auto rules = market::AuctionRules::create(auction_id, base_price, increment, names);
  if (!rules) return std::unexpected(rules.error());
  market::SellerConfig seller_config;
  seller_config.period_ms = config.period_ms;
  seller_config.ack_deadline_ms = config.ack_deadline_ms;
  seller_config.push_period_ms = 1000;  // no platform here: the pushes go nowhere
  seller_config.pause_retry_ms_max = std::max<std::int64_t>(config.period_ms, 1000);
  auto auction = market::SellerAuction::create(std::move(*rules), seller_config, std::move(keys));
  if (!auction) return std::unexpected(auction.error());

  auto seller_work = asio::make_work_guard(seller_io);
  auto buyers_work = asio::make_work_guard(buyers_io);
  std::thread seller_thread([&] { seller_io.run(); });
  std::thread buyers_thread([&] { buyers_io.run(); });
  const auto stop_threads = [&] {
    seller_work.reset();
    buyers_work.reset();
    seller_io.stop();
    buyers_io.stop();
    seller_thread.join();
    buyers_thread.join();
  };

  // The seller connects and hands every buyer the list first, as a seller starting a big
  // auction does; the warm-up is counted from the start that follows.
  std::promise<Result<std::size_t>> started;
  asio::co_spawn(
      seller_io,
      [&]() -> asio::awaitable<void> {
        const std::size_t introduced =
            co_await seller->async_introduce(*auction, addresses, introduce_deadline);
        const auto start = SteadyClock::now();
        record->window_start = start + std::chrono::milliseconds(config.warmup_ms);
        record->window_end = record->window_start + std::chrono::milliseconds(config.duration_ms);
        auto running = seller->run(std::move(*auction), addresses);
        if (running) {
          started.set_value(introduced);
        } else {
          started.set_value(std::unexpected(running.error()));
        }
      },
      asio::detached);
  auto introduced = started.get_future().get();
  if (!introduced) {
    // Nothing was started: stop the threads and report.
    stop_threads();
    return std::unexpected(introduced.error());
  }

  std::this_thread::sleep_until(record->window_start);
  const double own_at_open = own_cpu_seconds();
  const double seller_at_open = thread_cpu_seconds(seller_thread);
  const double buyers_at_open = thread_cpu_seconds(buyers_thread);
  std::this_thread::sleep_until(record->window_end);
  const double own_at_close = own_cpu_seconds();
  const double seller_at_close = thread_cpu_seconds(seller_thread);
  const double buyers_at_close = thread_cpu_seconds(buyers_thread);

  run_on(seller_io, [&] { seller->stop(); });
  run_on(buyers_io, [&] {
    for (auto& buyer : buyers) buyer->stop();
  });
  stop_threads();
  seller.reset();
  buyers.clear();

  FanoutOutcome outcome = std::move(record->outcome);
  outcome.introduced = *introduced;
  outcome.seconds =
      std::chrono::duration<double>(record->window_end - record->window_start).count();
  outcome.rounds_expected = static_cast<std::uint64_t>(config.duration_ms / config.period_ms);
  outcome.cpu_seconds = own_at_close - own_at_open;
  outcome.seller_cpu_seconds = seller_at_close - seller_at_open;
  outcome.buyers_cpu_seconds = buyers_at_close - buyers_at_open;
  return outcome;
}

}  // namespace auction::bench

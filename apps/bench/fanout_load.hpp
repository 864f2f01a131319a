// FanoutLoad: one seller peer announcing rounds to B buyer peers, all in this process, and
// what it measured (the load of `bench fanout`).
//
// The seller (SellerPeer, the seller engine's peer side) runs on one thread with its own
// io_context; the B buyers (one BuyerPeer each, each with its own server and so its own
// connection from the seller) run on a second thread with another io_context. The seller
// never shares its thread with a buyer: a buyer's work would otherwise sit inside the
// seller's fan-out and hide (or inflate) its latency. Over loopback TCP, as between real
// processes.
//
// Before the start the seller introduces itself (SellerPeer::async_introduce): connections
// made, the list of buyers delivered; the first round then costs what every round costs.
//
// The auction never ends on its own: the buyers have no max price, the price starts low and
// rises by one cent a round (int64 cents last for ages), so every round the seller announces
// is a full round with B recipients, until the run stops it.
// Never: counts the warm-up (connection set-up, first rounds) in the measured window.
#pragma once

#include <cstddef>
#include <cstdint>

#include "auction/base/error.hpp"
#include "latency.hpp"

namespace auction::bench {

struct FanoutConfig {
  std::size_t buyers = 1000;
  std::int64_t period_ms = 10;
  // How long a buyer has to ack (the engine withdraws it as silent after); < period_ms.
  std::int64_t ack_deadline_ms = 8;
  std::int64_t warmup_ms = 1000;
  std::int64_t duration_ms = 5000;  // the measured window
};

struct FanoutOutcome {
  double seconds = 0;                 // the measured window
  std::uint64_t rounds = 0;           // new rounds announced inside the window
  std::uint64_t rounds_expected = 0;  // the window / period_ms
  // Rounds announced more than a period after they were due (the previous round's
  // announcement + period_ms), plus rounds in which a buyer was dropped.
  std::uint64_t missed_rounds = 0;
  std::uint64_t late_rounds = 0;
  std::uint64_t dropped_buyers = 0;  // withdrawn as silent, from the start to the window's end
  std::uint64_t acks = 0;            // announcements acked inside the window
  std::uint64_t ack_failures = 0;    // announcements not acked (failed or timed out)
  bool is_finished_early = false;    // the auction ended (too many buyers dropped)
  std::size_t introduced = 0;        // buyers that acked the list before the start
  LatencySamples ack_latency;        // fan-out start -> the ack's arrival, per buyer
  double cpu_seconds = 0;            // this process, inside the window
  double seller_cpu_seconds = 0;     // the seller's thread, inside the window
  double buyers_cpu_seconds = 0;     // the buyers' thread, inside the window
};

// Runs the load. Errors: bind_failed/address_in_use (a peer could not listen),
// invalid_argument (a config the engines refuse).
Result<FanoutOutcome> run_fanout(const FanoutConfig& config);

}  // namespace auction::bench

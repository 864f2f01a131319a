// SimNetwork: the simulated network between the Raft nodes of one simulation run.
//
// Part of the deterministic Raft simulator (tests/sim). It is the raft::Transport every
// simulated raft::Driver sends through. A sent message is dropped, delayed by whole
// ticks, duplicated and (within a tick) reordered as the current NetworkProfile says, now
// and then held back for up to hundreds of ticks (a straggler, arriving long after its
// sender moved on, changed term or restarted), and never crosses a blocked link: links are blocked
// per direction, so symmetric, one-way and majority/minority partitions are all sets of blocked
// pairs. For a fraction of runs every delivered message also goes through the binary codec (encode
// then decode), which must give back the same message. Threading: none; everything runs on the
// simulator's thread. Never: reads a clock or draws randomness except from the run's SimRandom;
// calls back into a driver (the simulator delivers what next_due() hands it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auction/raft/message.hpp"
#include "auction/raft/transport.hpp"
#include "sim_random.hpp"

namespace auction::test {

struct NetworkProfile {
  double drop = 0;       // probability that a sent message is lost
  double duplicate = 0;  // probability that it is delivered twice
  double delay = 0;      // probability that it waits 1..delay_ticks_max ticks
  std::uint64_t delay_ticks_max = 1;
  double straggle = 0;  // probability that it waits 1..straggle_ticks_max ticks more
  std::uint64_t straggle_ticks_max = 1;
  bool reorder = false;  // messages due in the same tick arrive in random order
  bool codec = false;    // every delivery goes through encode()/decode()
};

struct NetworkStats {
  std::uint64_t sent = 0;
  std::uint64_t dropped = 0;  // lost at random or on a blocked link
  std::uint64_t duplicated = 0;
  std::uint64_t straggled = 0;
  std::uint64_t delivered = 0;  // handed to the simulator (it may still find the node down)
};

class SimNetwork final : public raft::Transport {
 public:
  // Nodes are numbered 1..nodes. Stragglers are drawn from `straggler_random` only, so
  // that a profile without them draws from `random` exactly as before they existed. Both
  // must outlive the network.
  SimNetwork(std::size_t nodes, SimRandom& random, SimRandom& straggler_random);

  void send(raft::Message message) override;

  // The tick messages sent from now on are stamped with.
  void set_now(std::uint64_t tick) { now_ = tick; }
  void set_profile(const NetworkProfile& profile) { profile_ = profile; }
  const NetworkProfile& profile() const { return profile_; }

  void block(std::uint64_t from, std::uint64_t to) { blocked_[slot(from, to)] = true; }
  bool is_blocked(std::uint64_t from, std::uint64_t to) const { return blocked_[slot(from, to)]; }
  bool is_partitioned() const;
  void heal();

  // The next message due at or before `now` whose link is open, in delivery order;
  // nullopt when none is due. Messages on links blocked at delivery time are dropped.
  std::optional<raft::Message> next_due(std::uint64_t now);

  // The first thing the network saw that no correct node may do (a message to itself or
  // to an unknown node, or a message the codec does not give back unchanged); empty if
  // none.
  const std::string& violation() const { return violation_; }
  const NetworkStats& stats() const { return stats_; }

 private:
  // The heap orders small keys; the messages wait in slots_ (cheap to reorder).
  struct InFlight {
    std::uint64_t due;
    std::uint64_t order;  // tie-break within a tick: a sequence number, or random
    std::size_t slot;     // into slots_
  };
  static bool later(const InFlight& a, const InFlight& b) {
    return a.due != b.due ? a.due > b.due : a.order > b.order;
  }
  std::size_t slot(std::uint64_t from, std::uint64_t to) const {
    return static_cast<std::size_t>((from - 1) * nodes_ + (to - 1));
  }
  void enqueue(raft::Message message);

  std::size_t nodes_;
  SimRandom& random_;
  SimRandom& straggler_random_;
  NetworkProfile profile_;
  std::uint64_t now_ = 0;
  std::uint64_t sequence_ = 0;
  std::vector<bool> blocked_;        // [from - 1][to - 1]
  std::vector<InFlight> in_flight_;  // a min-heap by (due, order)
  std::vector<raft::Message> slots_;
  std::vector<std::size_t> free_slots_;
  NetworkStats stats_;
  std::string violation_;
};

}  // namespace auction::test

// ChaosNemesis: the seeded schedule of faults the chaos test inflicts on a ChaosCluster.
//
// Each step draws a fault, its targets and how long it is held from one generator seeded
// with the run's seed, so the same seed gives the same sequence of faults and durations. The
// faults:
//   kill            kill -9 one to a majority of the replicas, restart them when healed
//   pause           SIGSTOP one to a majority, SIGCONT when healed
//   isolate_leader  cut the leader off from every other replica, both ways
//   no_majority     split the replicas into groups none of which is a majority
//   majority_split  split them into a majority and a minority
//   one_way         the leader's packets to the others are dropped, or theirs to it
// The network faults need a ChaosNetwork; without one only kill and pause are drawn.
// "The leader" is looked up when the fault is applied (a replica that says it leads; a
// random one when none does), so which replica a fault hits can differ between two runs
// with one seed; the schedule of fault kinds and times does not.
// One fault is held at a time; heal() ends it, and the next begins after a quiet spell.
// Threading: one owner thread. Never: draw from any generator but its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "chaos_cluster.hpp"
#include "chaos_network.hpp"

namespace auction::test {

enum class FaultKind { kill, pause, isolate_leader, no_majority, majority_split, one_way };
std::string_view to_string(FaultKind kind);

struct Fault {
  FaultKind kind = FaultKind::kill;
  std::vector<std::size_t> order;  // a random permutation of the replicas: picks targets
  std::size_t count = 1;           // kill/pause: how many replicas
  bool is_leader_first = false;    // put the leader at the front of `order`
  bool is_inbound = false;         // one_way: the others' packets to the leader are dropped
  int quiet_ms = 0;                // before the fault
  int hold_ms = 0;                 // how long it is held
};

class ChaosNemesis {
 public:
  // `cluster` and `network` (null: no network faults) must outlive the nemesis.
  ChaosNemesis(ChaosCluster& cluster, ChaosNetwork* network, std::uint64_t seed);

  // The next fault of the schedule.
  Fault next();
  // Applies `fault` and returns one line saying what was done.
  std::string inject(const Fault& fault);
  // Ends every fault: removes every cut, resumes paused and restarts killed replicas.
  void heal();

  // How many faults of each kind were applied.
  const std::vector<std::size_t>& counts() const { return counts_; }
  std::string describe_counts() const;

 private:
  std::vector<std::vector<std::size_t>> groups_for(const Fault& fault,
                                                   std::vector<std::size_t> order) const;
  void cut_between(const std::vector<std::vector<std::size_t>>& groups);

  ChaosCluster& cluster_;
  ChaosNetwork* network_;
  std::mt19937_64 random_;
  std::vector<std::size_t> counts_;
};

}  // namespace auction::test

// ChaosNemesis: drawing and applying faults (see the header).
#include "chaos_nemesis.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

namespace auction::test {

namespace {

constexpr std::size_t fault_kinds = 6;

std::string list(const std::vector<std::size_t>& replicas) {
  std::string text;
  for (std::size_t r : replicas) text += (text.empty() ? "" : ",") + std::to_string(r + 1);
  return "{" + text + "}";
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::kill: return "kill";
    case FaultKind::pause: return "pause";
    case FaultKind::isolate_leader: return "isolate_leader";
    case FaultKind::no_majority: return "no_majority";
    case FaultKind::majority_split: return "majority_split";
    case FaultKind::one_way: return "one_way";
  }
  return "?";
}

ChaosNemesis::ChaosNemesis(ChaosCluster& cluster, ChaosNetwork* network, std::uint64_t seed)
    : cluster_(cluster), network_(network), random_(seed), counts_(fault_kinds, 0) {}

Fault ChaosNemesis::next() {
  // Every field is drawn for every fault, so one fault's kind never shifts the draws of the
  // next one.
  Fault fault;
  const std::size_t kinds = network_ ? fault_kinds : 2;
  fault.kind = static_cast<FaultKind>(random_() % kinds);
  fault.order.resize(cluster_.size());
  for (std::size_t i = 0; i < fault.order.size(); ++i) fault.order[i] = i;
  std::shuffle(fault.order.begin(), fault.order.end(), random_);
  const std::size_t majority = cluster_.size() / 2 + 1;
  fault.count = 1 + random_() % majority;
  fault.is_leader_first = random_() % 2 == 0;
  fault.is_inbound = random_() % 2 == 0;
  fault.quiet_ms = 300 + static_cast<int>(random_() % 1500);
  fault.hold_ms = 500 + static_cast<int>(random_() % 3000);
  return fault;
}

std::vector<std::vector<std::size_t>> ChaosNemesis::groups_for(
    const Fault& fault, std::vector<std::size_t> order) const {
  const std::size_t n = order.size();
  std::vector<std::vector<std::size_t>> groups;
  switch (fault.kind) {
    case FaultKind::isolate_leader: groups = {{order[0]}, {order.begin() + 1, order.end()}}; break;
    case FaultKind::no_majority: {
      // Groups of at most (n - 1) / 2: no group can elect a leader.
      const std::size_t size = std::max<std::size_t>(1, (n - 1) / 2);
      for (std::size_t i = 0; i < n; i += size) {
        groups.emplace_back(order.begin() + static_cast<long>(i),
                            order.begin() + static_cast<long>(std::min(n, i + size)));
      }
      break;
    }
    case FaultKind::majority_split: {
      const std::size_t minority = (n - 1) / 2;
      groups = {{order.begin(), order.begin() + static_cast<long>(minority)},
                {order.begin() + static_cast<long>(minority), order.end()}};
      break;
    }
    default: break;
  }
  return groups;
}

void ChaosNemesis::cut_between(const std::vector<std::vector<std::size_t>>& groups) {
  for (std::size_t a = 0; a < groups.size(); ++a) {
    for (std::size_t b = 0; b < groups.size(); ++b) {
      if (a == b) continue;
      for (std::size_t from : groups[a]) {
        for (std::size_t to : groups[b]) {
          auto cut = network_->cut(from, to);
          if (!cut) FAIL(cut.error().message);
        }
      }
    }
  }
}

std::string ChaosNemesis::inject(const Fault& fault) {
  ++counts_[static_cast<std::size_t>(fault.kind)];
  std::vector<std::size_t> order = fault.order;
  const bool wants_leader = fault.kind == FaultKind::isolate_leader ||
                            fault.kind == FaultKind::one_way || fault.is_leader_first;
  if (wants_leader) {
    const std::size_t leader = cluster_.find_leader();
    if (leader < order.size()) {
      std::iter_swap(order.begin(), std::find(order.begin(), order.end(), leader));
    }
  }
  std::string line = std::string(to_string(fault.kind)) + " ";
  switch (fault.kind) {
    case FaultKind::kill:
    case FaultKind::pause: {
      const auto end = order.begin() + static_cast<long>(fault.count);
      std::vector<std::size_t> targets(order.begin(), end);
      for (std::size_t t : targets) {
        if (fault.kind == FaultKind::kill) {
          cluster_.kill(t);
        } else {
          cluster_.pause(t);
        }
      }
      line += list(targets);
      break;
    }
    case FaultKind::isolate_leader:
    case FaultKind::no_majority:
    case FaultKind::majority_split: {
      auto groups = groups_for(fault, order);
      cut_between(groups);
      for (const auto& g : groups) line += list(g);
      break;
    }
    case FaultKind::one_way: {
      const std::size_t leader = order[0];
      for (std::size_t other = 0; other < order.size(); ++other) {
        if (other == leader) continue;
        auto cut = fault.is_inbound ? network_->cut(other, leader) : network_->cut(leader, other);
        if (!cut) FAIL(cut.error().message);
      }
      line += (fault.is_inbound ? "others -> " : "") + std::to_string(leader + 1) +
              (fault.is_inbound ? "" : " -> others");
      break;
    }
  }
  return line + " for " + std::to_string(fault.hold_ms) + " ms";
}

void ChaosNemesis::heal() {
  if (network_) {
    auto healed = network_->heal();
    if (!healed) FAIL(healed.error().message);
  }
  cluster_.revive_all();
}

std::string ChaosNemesis::describe_counts() const {
  std::string text;
  for (std::size_t k = 0; k < counts_.size(); ++k) {
    if (counts_[k] == 0) continue;
    text += (text.empty() ? "" : ", ") + std::string(to_string(static_cast<FaultKind>(k))) + " " +
            std::to_string(counts_[k]);
  }
  return text.empty() ? "none" : text;
}

}  // namespace auction::test

// SimMachine: the state machine every simulated Raft node applies commands to.
//
// Part of the deterministic Raft simulator (tests/sim). An append-only register: its
// state is the sequence of commands applied so far, kept as a count and a running hash
// (so comparing two states is O(1)); it answers each command with the command itself,
// so a client can check it got the answer to its own proposal. Every apply is reported
// to the SafetyChecker, which compares it with what the other nodes applied.
// Threading: none. Never: does I/O or anything a replica could do differently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "auction/raft/state_machine.hpp"
#include "safety_checker.hpp"
#include "sim_random.hpp"

namespace auction::test {

class SimMachine final : public raft::StateMachine {
 public:
  // `checker` must outlive the machine.
  SimMachine(SafetyChecker& checker, std::uint64_t node) : checker_(checker), node_(node) {}

  std::string apply(raft::LogIndex index, std::string_view command) override {
    ++count_;
    hash_ = hash_combine(hash_combine(hash_, index.value), std::hash<std::string_view>{}(command));
    checker_.on_apply(node_, index, command, count_, hash_);
    return std::string(command);
  }

  // Commands applied so far: the "value" a read returns.
  std::uint64_t count() const { return count_; }

 private:
  SafetyChecker& checker_;
  std::uint64_t node_;
  std::uint64_t count_ = 0;
  std::uint64_t hash_ = 0;
};

}  // namespace auction::test

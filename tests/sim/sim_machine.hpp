// SimMachine: the state machine every simulated Raft node applies commands to.
//
// Part of the deterministic Raft simulator (tests/sim). An append-only register: its
// state is the sequence of commands applied so far, kept as a count and a running hash
// (so comparing two states is O(1)); it answers each command with the command itself,
// so a client can check it got the answer to its own proposal. Every apply is reported
// to the SafetyChecker, which compares it with what the other nodes applied. Its snapshot
// is "<last index> <count> <hash>" padded with bytes that depend on the hash (so that a
// snapshot spans several chunks and a mangled one is refused); a restore is reported to the
// checker too.
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
    last_index_ = index.value;
    ++count_;
    hash_ = hash_combine(hash_combine(hash_, index.value), std::hash<std::string_view>{}(command));
    checker_.on_apply(node_, index, command, count_, hash_);
    return std::string(command);
  }

  std::string snapshot() const override {
    std::string out = std::to_string(last_index_) + " " + std::to_string(count_) + " " +
                      std::to_string(hash_) + " ";
    out += padding(hash_);
    return out;
  }

  Result<void> restore(std::string_view bytes) override {
    std::uint64_t fields[3] = {0, 0, 0};
    for (std::uint64_t& field : fields) {
      const auto space = bytes.find(' ');
      if (space == std::string_view::npos || space == 0) return bad("a field is missing");
      for (const char c : bytes.substr(0, space)) {
        if (c < '0' || c > '9') return bad("a field is not a number");
        field = field * 10 + static_cast<std::uint64_t>(c - '0');
      }
      bytes.remove_prefix(space + 1);
    }
    if (bytes != padding(fields[2])) return bad("the padding does not match the hash");
    last_index_ = fields[0];
    count_ = fields[1];
    hash_ = fields[2];
    checker_.on_restore(node_, raft::LogIndex{last_index_}, count_, hash_);
    return {};
  }

  // Commands applied so far: the "value" a read returns.
  std::uint64_t count() const { return count_; }

 private:
  static std::string padding(std::uint64_t hash) {
    std::string out(64 + hash % 64, '.');
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<char>('a' + (hash >> (i % 60)) % 26);
    }
    return out;
  }
  static std::unexpected<Error> bad(const std::string& what) {
    return std::unexpected(Error{code::bad_snapshot, "sim machine snapshot: " + what});
  }

  std::uint64_t last_index_ = 0;
  SafetyChecker& checker_;
  std::uint64_t node_;
  std::uint64_t count_ = 0;
  std::uint64_t hash_ = 0;
};

}  // namespace auction::test

// SimNetwork (see sim_network.hpp).
#include "sim_network.hpp"

#include <algorithm>
#include <utility>

namespace auction::test {

using raft::Message;

SimNetwork::SimNetwork(std::size_t nodes, SimRandom& random, SimRandom& straggler_random)
    : nodes_(nodes),
      random_(random),
      straggler_random_(straggler_random),
      blocked_(nodes * nodes, false) {}

void SimNetwork::send(Message message) {
  ++stats_.sent;
  const std::uint64_t from = message.from.value;
  const std::uint64_t to = message.to.value;
  if (from == 0 || from > nodes_ || to == 0 || to > nodes_ || from == to) {
    if (violation_.empty()) {
      violation_ = "a node sent a " + std::string(raft::to_string(message.type)) + " from " +
                   std::to_string(from) + " to " + std::to_string(to);
    }
    return;
  }
  if (is_blocked(from, to) || random_.chance(profile_.drop)) {
    ++stats_.dropped;
    return;
  }
  if (random_.chance(profile_.duplicate)) {
    ++stats_.duplicated;
    enqueue(message);
  }
  enqueue(std::move(message));
}

void SimNetwork::enqueue(Message message) {
  std::uint64_t due = now_;
  if (random_.chance(profile_.delay)) due += random_.between(1, profile_.delay_ticks_max);
  if (profile_.straggle > 0 && straggler_random_.chance(profile_.straggle)) {
    due += straggler_random_.between(1, profile_.straggle_ticks_max);
    ++stats_.straggled;
  }
  const std::uint64_t order = profile_.reorder ? random_.next() : sequence_++;
  std::size_t slot = slots_.size();
  if (free_slots_.empty()) {
    slots_.push_back(std::move(message));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::move(message);
  }
  in_flight_.push_back(InFlight{due, order, slot});
  std::push_heap(in_flight_.begin(), in_flight_.end(), later);
}

bool SimNetwork::is_partitioned() const {
  return std::find(blocked_.begin(), blocked_.end(), true) != blocked_.end();
}

void SimNetwork::heal() { std::fill(blocked_.begin(), blocked_.end(), false); }

std::optional<Message> SimNetwork::next_due(std::uint64_t now) {
  while (!in_flight_.empty() && in_flight_.front().due <= now) {
    std::pop_heap(in_flight_.begin(), in_flight_.end(), later);
    const std::size_t slot = in_flight_.back().slot;
    in_flight_.pop_back();
    Message message = std::move(slots_[slot]);
    free_slots_.push_back(slot);
    if (is_blocked(message.from.value, message.to.value)) {
      ++stats_.dropped;
      continue;
    }
    ++stats_.delivered;
    if (!profile_.codec) return message;
    auto decoded = raft::decode(raft::encode(message));
    if (!decoded || *decoded != message) {
      if (violation_.empty()) {
        violation_ = "the codec did not give back a " + std::string(raft::to_string(message.type)) +
                     " unchanged" + (decoded ? std::string() : ": " + decoded.error().message);
      }
      return message;
    }
    return std::move(*decoded);
  }
  return std::nullopt;
}

}  // namespace auction::test

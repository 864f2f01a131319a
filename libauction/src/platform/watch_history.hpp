// WatchHistory: the recent watch events a replica keeps for its watchers (docs/platform.md,
// "watch").
//
// The state machine makes at most one event per applied entry (StateMachine::
// event_of_last_entry); the replica's applier hands each applied entry here, so the history
// holds the events of every entry after `oldest()` up to `revision()`, the last entry
// applied. Revisions are log indexes, the same on every replica: a watcher that moves to
// another replica asks it for what follows the revision it reached. The history is bounded
// (events and bytes); the oldest events go first, and a watcher that asks for what came
// before `oldest()` must read the state again and watch on from a current revision (the
// `compacted` answer). A snapshot installed over the state starts the history again at the
// snapshot's index: what came before is not known here any more.
// Not replicated state: each replica builds its own from what it applies (after a restart,
// from the entries after its snapshot).
// Pure; single-threaded (the replica's raft thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "auction/platform/watch_event.hpp"

namespace auction::platform {

// How much a WatchHistory keeps at most (outside the class: a nested struct with default
// member initializers cannot be a default argument of its own class).
struct WatchHistoryBounds {
  std::size_t events_max = 100'000;
  std::size_t bytes_max = std::size_t{64} << 20;  // by WatchHistory::event_bytes(): an estimate
};

class WatchHistory {
 public:
  using Bounds = WatchHistoryBounds;
  explicit WatchHistory(Bounds bounds = {}) : bounds_(bounds) {}

  // Entry `revision` was applied and made `event` (nullopt: none).
  // Precondition: revision > revision(); an event's revision is `revision`.
  void on_applied(std::uint64_t revision, const std::optional<WatchEvent>& event);
  // A snapshot taken at `revision` replaced the state: every event kept is dropped.
  void restart_at(std::uint64_t revision);

  // Events of every entry after this revision are kept (up to revision()).
  std::uint64_t oldest() const { return oldest_; }
  // The last entry applied.
  std::uint64_t revision() const { return revision_; }
  std::size_t event_count() const { return events_.size(); }

  // What a watcher that reached `after` gets: the events after it that `seen` lets through
  // (as it returns them), at most `limit`, looking at no more than `scan_max` events, and the
  // revision reached: the last event returned when `limit` were found, the last event looked
  // at when `scan_max` were, else revision() -- never less than `after` (a watcher that
  // reached further elsewhere keeps its place while this replica catches up).
  // Precondition: after >= oldest(); limit and scan_max at least 1.
  struct Page {
    std::vector<WatchEvent> events;
    std::uint64_t revision = 0;
  };
  using Filter = std::function<std::optional<WatchEvent>(const WatchEvent&)>;
  Page read(std::uint64_t after, std::size_t limit, std::size_t scan_max, const Filter& seen) const;

 private:
  // What an event costs in memory, roughly: its size and its strings'.
  static std::size_t event_bytes(const WatchEvent& event);

  Bounds bounds_;
  std::deque<WatchEvent> events_;  // in revision order
  std::size_t bytes_ = 0;          // event_bytes() of events_
  std::uint64_t oldest_ = 0;
  std::uint64_t revision_ = 0;
};

}  // namespace auction::platform

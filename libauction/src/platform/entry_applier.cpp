// EntryApplier: see entry_applier.hpp.
#include "platform/entry_applier.hpp"

#include <utility>

namespace auction::platform {

std::string EntryApplier::applied(std::string answer) {
  const std::optional<WatchEvent>& event = machine_.event_of_last_entry();
  history_.on_applied(machine_.applied_index().value, event);
  // Only an event can end a watcher's wait (one without an event answers at its deadline).
  if (event && on_applied_) on_applied_();
  return answer;
}

std::string EntryApplier::apply(raft::LogIndex index, std::string_view command) {
  return applied(machine_.apply(index, command));
}

std::string EntryApplier::apply_proposed(raft::LogIndex index, std::string_view command,
                                         const std::any& proposed) {
  if (const auto* request = std::any_cast<Request>(&proposed)) {
    return applied(machine_.apply(index, *request));
  }
  return applied(machine_.apply(index, command));
}

std::string EntryApplier::snapshot() const { return machine_.snapshot_bytes(); }

Result<void> EntryApplier::restore(std::string_view snapshot) {
  auto restored = platform::StateMachine::restore_bytes(snapshot, machine_.capacity());
  if (!restored) return std::unexpected(std::move(restored.error()));
  machine_ = std::move(*restored);
  history_.restart_at(machine_.applied_index().value);
  if (on_applied_) on_applied_();
  return {};
}

}  // namespace auction::platform

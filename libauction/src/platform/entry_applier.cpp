// EntryApplier: see entry_applier.hpp.
#include "platform/entry_applier.hpp"

namespace auction::platform {

std::string EntryApplier::apply(raft::LogIndex index, std::string_view command) {
  return machine_.apply(index, command);
}

std::string EntryApplier::apply_proposed(raft::LogIndex index, std::string_view command,
                                         const std::any& proposed) {
  if (const auto* request = std::any_cast<Request>(&proposed)) {
    return machine_.apply(index, *request);
  }
  return machine_.apply(index, command);
}

}  // namespace auction::platform

// End-of-test checks: after every client has stopped and the cluster has healed, one final
// read of an object must still show every acknowledged write.
//
// The linearizability checker already decides this when the final read is part of the
// history; these checks say it directly ("acknowledged write #12 is lost") and stay cheap for
// any number of objects. Each reported problem is certain, never a guess: a write counts as
// overwritten only by an acknowledged write that began after it completed, and as undone only
// by a remove that could have been linearized after it (indeterminate ones included).
//
// Threading: pure functions. Never: call a problem one that some legal order explains.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history.hpp"

namespace auction::test {

// Problems with `final_value` (nullopt: unknown_user) as the last value of register `key`,
// one line each; empty when some write that may be the last one wrote it. Precondition: the
// read happened after every operation on `key` in `history` completed or was abandoned.
std::vector<std::string> find_lost_register_writes(const History& history, std::string_view key,
                                                   const std::optional<std::string>& final_value);

// Problems with `final_members` (sorted) as the last contents of set `key`: an acknowledged
// add that no remove can have undone but is missing, or a member that no add can explain.
// Same precondition.
std::vector<std::string> find_lost_set_writes(const History& history, std::string_view key,
                                              const std::vector<std::string>& final_members);

}  // namespace auction::test

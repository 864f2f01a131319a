// Tests of EntryApplier (src/platform/entry_applier.hpp): what raft applies a replica's
// entries to -- the bytes, parsed, or the request the replica decoded when it proposed them.
#include <catch2/catch.hpp>

#include <any>
#include <string>

#include <nlohmann/json.hpp>

#include "auction/platform/state_machine.hpp"
#include "platform/entry_applier.hpp"

namespace {

using nlohmann::json;
using namespace auction::platform;
using auction::raft::LogIndex;

Request login(const std::string& username) {
  auto request = decode_request({{"op", "login"},
                                 {"username", username},
                                 {"address", "h:1"},
                                 {"public_key", std::string(64, 'a')}});
  REQUIRE(request.has_value());
  return *request;
}

std::string bytes_of(const Request& request) { return encode(request).dump(); }

bool has_user(const StateMachine& machine, const std::string& username) {
  return machine.query({{"op", "get_user_address"}, {"username", username}}).has_value();
}

}  // namespace

TEST_CASE("platform: an entry is applied from its bytes, as every replica applies it",
          "[platform]") {
  StateMachine machine;
  WatchHistory history;
  EntryApplier applier(machine, history);
  auction::raft::StateMachine& raft_side = applier;
  const std::string answer = raft_side.apply(LogIndex{1}, bytes_of(login("alice")));
  CHECK(json::parse(answer).at("ok") == true);
  CHECK(has_user(machine, "alice"));
  CHECK(machine.applied_index() == LogIndex{1});
}

TEST_CASE(
    "platform: an entry this replica proposed is applied as the request it was "
    "encoded from, without parsing its bytes",
    "[platform]") {
  StateMachine machine;
  WatchHistory history;
  EntryApplier applier(machine, history);
  auction::raft::StateMachine& raft_side = applier;
  // The attached request differs from the bytes only to show which one was applied; a
  // replica always attaches the request the bytes were encoded from.
  raft_side.apply_proposed(LogIndex{1}, bytes_of(login("alice")), std::any(login("bob")));
  CHECK(has_user(machine, "bob"));
  CHECK_FALSE(has_user(machine, "alice"));
}

TEST_CASE("platform: an entry proposed with anything but a request attached is parsed",
          "[platform]") {
  StateMachine machine;
  WatchHistory history;
  EntryApplier applier(machine, history);
  auction::raft::StateMachine& raft_side = applier;
  raft_side.apply_proposed(LogIndex{1}, bytes_of(login("alice")), std::any(std::string("bob")));
  CHECK(has_user(machine, "alice"));
}

TEST_CASE("platform: every applied entry goes on to the watch history, and a snapshot restarts it",
          "[platform][watch]") {
  StateMachine machine;
  WatchHistory history;
  EntryApplier applier(machine, history);
  int applied = 0;
  applier.set_on_applied([&applied] { ++applied; });
  auction::raft::StateMachine& raft_side = applier;
  raft_side.apply(LogIndex{1}, bytes_of(login("alice")));
  raft_side.apply_proposed(LogIndex{2}, bytes_of(login("bob")), std::any(login("bob")));
  CHECK(applied == 2);
  CHECK(history.revision() == 2);
  CHECK(history.event_count() == 2);
  // An entry that makes no event (a refusal) moves the revision and wakes no watcher.
  const auto refused = decode_request({{"op", "rotate_key"},
                                       {"username", "nobody"},
                                       {"public_key", std::string(64, 'a')},
                                       {"proof", std::string(128, 'b')}});
  REQUIRE(refused.has_value());
  raft_side.apply(LogIndex{3}, bytes_of(*refused));
  CHECK(applied == 2);
  CHECK(history.revision() == 3);
  const std::string snapshot = raft_side.snapshot();
  raft_side.apply(LogIndex{4}, bytes_of(login("carol")));
  REQUIRE(raft_side.restore(snapshot).has_value());
  CHECK(applied == 4);
  CHECK(history.oldest() == 3);
  CHECK(history.revision() == 3);
  CHECK(history.event_count() == 0);
}

// Tests of exactly-once sessions: replay, stale seqs, sessions per user, eviction.
#include <catch2/catch.hpp>

#include <string>

#include "auction/platform/limits.hpp"
#include "harness.hpp"

namespace {

using namespace auction::platform;
using namespace auction::test;

json tagged(json request, const std::string& client_id, std::uint64_t seq) {
  request["client_id"] = client_id;
  request["seq"] = seq;
  return request;
}

json create_request() {
  return {{"op", "create_auction"}, {"seller", "alice"}, {"auction_name", "a"}, {"item_name", "b"},
          {"item_description", ""}, {"base_price", 1},   {"increment", 1},      {"period_ms", 100}};
}

std::size_t auction_count(const Harness& h) { return h.sm.snapshot().at("auctions").size(); }

}  // namespace

TEST_CASE("platform: a retried request gets the same answer and is not applied twice",
          "[platform]") {
  Harness h;
  h.login("alice");
  const std::string first = h.apply_bytes(tagged(create_request(), "c1", 1).dump());
  const std::string retry = h.apply_bytes(tagged(create_request(), "c1", 1).dump());
  CHECK(retry == first);
  CHECK(json::parse(first).at("result").at("auction_id") == 1);
  CHECK(auction_count(h) == 1);
  // The next seq is applied.
  CHECK(h.ok(tagged(create_request(), "c1", 2)).at("auction_id") == 2);
  CHECK(auction_count(h) == 2);
}

TEST_CASE("platform: a retried error is replayed too, even after the state changed", "[platform]") {
  Harness h;
  h.login("alice");
  h.login("bob");
  const json join =
      tagged({{"op", "join_auction"}, {"username", "bob"}, {"auction_id", 1}}, "c", 1);
  CHECK(h.error(join) == "unknown_auction");
  h.create("alice");
  // Same seq: the saved answer, not a fresh attempt.
  CHECK(h.error(join) == "unknown_auction");
}

TEST_CASE("platform: an older seq is stale_request and changes nothing", "[platform]") {
  Harness h;
  h.login("alice");
  h.ok(tagged(create_request(), "c1", 1));
  h.ok(tagged(create_request(), "c1", 5));  // a session's seqs may skip numbers
  CHECK(h.error(tagged(create_request(), "c1", 1)) == "stale_request");
  CHECK(h.error(tagged(create_request(), "c1", 4)) == "stale_request");
  CHECK(auction_count(h) == 2);
}

TEST_CASE("platform: requests without client_id are never deduplicated", "[platform]") {
  Harness h;
  h.login("alice");
  h.ok(create_request());
  h.ok(create_request());
  CHECK(auction_count(h) == 2);
}

TEST_CASE("platform: clients have separate sessions", "[platform]") {
  Harness h;
  h.login("alice");
  h.ok(tagged(create_request(), "c1", 1));
  h.ok(tagged(create_request(), "c2", 1));
  CHECK(auction_count(h) == 2);
}

TEST_CASE("platform: an unknown client must begin at seq 1", "[platform]") {
  Harness h;
  h.login("alice");
  CHECK(h.error(tagged(create_request(), "c1", 2)) == "session_expired");
  CHECK(auction_count(h) == 0);
}

TEST_CASE("platform: a session lasts however much other traffic the log carries", "[platform]") {
  Harness h;
  h.login("alice");
  h.login("bob");
  h.ok(tagged(create_request(), "c1", 1));
  h.ok(tagged(create_request(), "c1", 2));
  h.skip_indexes(1'000'000);  // others' entries, however many
  for (int i = 0; i < 100; ++i) {
    h.ok(tagged({{"op", "login"},
                 {"username", "bob"},
                 {"address", "h:1"},
                 {"public_key", Harness::key_of("bob")}},
                "bob-" + std::to_string(i), 1));
  }
  // alice's retry still replays: not applied a second time.
  CHECK(h.ok(tagged(create_request(), "c1", 2)).at("auction_id") == 2);
  CHECK(auction_count(h) == 2);
}

TEST_CASE("platform: sessions belong to their user, who has at most sessions_per_user_max",
          "[platform]") {
  Harness h;
  h.login("alice");
  h.login("bob");
  for (std::size_t i = 0; i < limits::sessions_per_user_max; ++i) {
    h.ok(tagged(create_request(), "c" + std::to_string(i), 1));
  }
  // The same client_id of another user is another session: alice's c0 is untouched.
  const json bob_login = {{"op", "login"},
                          {"username", "bob"},
                          {"address", "h:2"},
                          {"public_key", Harness::key_of("bob")}};
  h.ok(tagged(bob_login, "c0", 1));
  CHECK(h.ok(tagged(create_request(), "c0", 1)).at("auction_id") == 1);  // a replay
  // c0 is used again, so c1 is now alice's least recently used; alice's next client evicts it.
  h.ok(tagged(create_request(), "c0", 2));
  h.ok(tagged(create_request(), "newcomer", 1));
  CHECK(h.sm.snapshot().at("sessions").size() == limits::sessions_per_user_max + 1);
  CHECK(h.error(tagged(create_request(), "c1", 2)) == "session_expired");
  CHECK(h.ok(tagged(create_request(), "c0", 3)).contains("auction_id"));
  CHECK(h.ok(tagged(create_request(), "c2", 2)).contains("auction_id"));
  // bob's session survived all of alice's clients: moved since, a retry gets its old answer.
  h.ok(tagged({{"op", "login"},
               {"username", "bob"},
               {"address", "h:3"},
               {"public_key", Harness::key_of("bob")}},
              "bob-2", 1));
  CHECK(h.ok(tagged(bob_login, "c0", 1)).at("address") == "h:2");
  CHECK(h.sm.query({{"op", "get_user_address"}, {"username", "bob"}})->at("address") == "h:3");
}

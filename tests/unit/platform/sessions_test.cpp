// Tests of exactly-once sessions: replay, stale seqs, expiry by log position, eviction.
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

TEST_CASE("platform: a session idle for too many log indexes expires", "[platform]") {
  Harness h;
  h.login("alice");
  h.ok(tagged(create_request(), "c1", 1));
  h.ok(tagged(create_request(), "c1", 2));  // last used at index 3
  h.skip_indexes(limits::session_idle_entries_max - 1);
  // At index 3 + idle_max the session is still there: a retry replays (and uses it again).
  CHECK(h.ok(tagged(create_request(), "c1", 2)).at("auction_id") == 2);
  CHECK(h.sm.snapshot().at("sessions").size() == 1);

  h.skip_indexes(limits::session_idle_entries_max);
  // One index past the limit it is gone: the retry is refused, not applied a second time.
  CHECK(h.error(tagged(create_request(), "c1", 2)) == "session_expired");
  CHECK(auction_count(h) == 2);
  CHECK(h.sm.snapshot().at("sessions").empty());
  // The client starts over with a fresh client id.
  CHECK(h.ok(tagged(create_request(), "c1-b", 1)).at("auction_id") == 3);
}

TEST_CASE("platform: at most sessions_max sessions are kept, least recently used evicted",
          "[platform]") {
  Harness h;
  h.login("alice");
  for (std::size_t i = 0; i < limits::sessions_max; ++i) {
    h.ok(tagged(create_request(), "c" + std::to_string(i), 1));
  }
  // c0 is used again, so c1 is now the least recently used.
  h.ok(tagged(create_request(), "c0", 2));
  h.ok(tagged(create_request(), "newcomer", 1));
  CHECK(h.sm.snapshot().at("sessions").size() == limits::sessions_max);
  CHECK(h.error(tagged(create_request(), "c1", 2)) == "session_expired");
  CHECK(h.ok(tagged(create_request(), "c0", 3)).contains("auction_id"));
  CHECK(h.ok(tagged(create_request(), "c2", 2)).contains("auction_id"));
}

// Tests of the platform state machine: every op, its errors, ownership and stage rules.
#include <catch2/catch.hpp>

#include <string>

#include "auction/base/limits.hpp"
#include "auction/platform/limits.hpp"
#include "harness.hpp"

namespace {

using namespace auction::platform;
using namespace auction::test;

json join_request(const std::string& user, std::uint64_t id) {
  return {{"op", "join_auction"}, {"username", user}, {"auction_id", id}};
}
json quit_request(const std::string& user, std::uint64_t id) {
  return {{"op", "quit_auction"}, {"username", user}, {"auction_id", id}};
}
json start_request(const std::string& seller, std::uint64_t id) {
  return {{"op", "start_auction"}, {"seller", seller}, {"auction_id", id}};
}
json cancel_request(const std::string& seller, std::uint64_t id) {
  return {{"op", "cancel_auction"}, {"seller", seller}, {"auction_id", id}};
}
json fetch_request(const std::string& user) {
  return {{"op", "fetch_auctions"}, {"username", user}};
}

// The view of auction `id` that `user` gets from fetch_auctions.
json view_of(const Harness& h, const std::string& user, std::uint64_t id) {
  const auto page = h.sm.query(fetch_request(user));
  REQUIRE(page.has_value());
  for (const auto& a : page->at("auctions")) {
    if (a.at("auction_id") == id) return a;
  }
  FAIL("auction " << id << " not fetched");
  return {};
}

}  // namespace

TEST_CASE("platform: a name belongs to the first key that logs in with it", "[platform]") {
  Harness h;
  h.login("bob", "10.0.0.1:5000");
  const json before = h.sm.snapshot().at("users");
  CHECK(h.error({{"op", "login"},
                 {"username", "bob"},
                 {"address", "6.6.6.6:666"},
                 {"public_key", Harness::key_of("mallory")}}) == "name_taken");
  CHECK(h.sm.query({{"op", "get_user_address"}, {"username", "bob"}})->at("address") ==
        "10.0.0.1:5000");
  CHECK(h.sm.snapshot().at("users") == before);
}

TEST_CASE("platform: rotate_key replaces a user key and only the new key logs in after",
          "[platform]") {
  Harness h;
  h.login("bob");
  CHECK(h.error({{"op", "rotate_key"},
                 {"username", "nobody"},
                 {"public_key", Harness::key_of("new")},
                 {"proof", std::string(128, 'c')}}) == "unknown_user");
  CHECK(h.ok({{"op", "rotate_key"},
              {"username", "bob"},
              {"public_key", Harness::key_of("new")},
              {"proof", std::string(128, 'c')}}) ==
        json{{"username", "bob"}, {"public_key", Harness::key_of("new")}});
  CHECK(*h.sm.public_key("bob") == Harness::key_of("new"));
  CHECK(h.error({{"op", "login"},
                 {"username", "bob"},
                 {"address", "h:1"},
                 {"public_key", Harness::key_of("bob")}}) == "name_taken");
  CHECK(h.ok({{"op", "login"},
              {"username", "bob"},
              {"address", "h:1"},
              {"public_key", Harness::key_of("new")}})
            .at("created") == false);
  // The key is part of the state: a snapshot keeps it.
  auto restored = StateMachine::restore(h.sm.snapshot());
  REQUIRE(restored.has_value());
  CHECK(*restored->public_key("bob") == Harness::key_of("new"));
  CHECK(restored->digest() == h.sm.digest());
}

TEST_CASE(
    "platform: a key rotated while its user is in a started auction leaves that auction's "
    "recorded keys as they were",
    "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();  // alice sells; bob and carol are in
  CHECK(h.ok({{"op", "rotate_key"},
              {"username", "bob"},
              {"public_key", Harness::key_of("new bob")},
              {"proof", std::string(128, 'c')}})
            .at("username") == "bob");
  // The directory has the new key; the auction keeps the one it started with, which its
  // seller and its transcript check bob's signatures against.
  CHECK(*h.sm.public_key("bob") == Harness::key_of("new bob"));
  const auto buyers = h.sm.query(
      {{"op", "fetch_buyers"}, {"username", "alice"}, {"auction_id", id}, {"limit", 10}});
  REQUIRE(buyers.has_value());
  CHECK(buyers->at("buyers").at(0).at("username") == "bob");
  CHECK(buyers->at("buyers").at(0).at("public_key") == Harness::key_of("bob"));
}

TEST_CASE("platform: login creates a user, a second login moves the address", "[platform]") {
  Harness h;
  auto r = h.ok({{"op", "login"},
                 {"username", "bob"},
                 {"address", "10.0.0.1:5000"},
                 {"public_key", Harness::key_of("bob")}});
  CHECK(r == json{{"username", "bob"}, {"address", "10.0.0.1:5000"}, {"created", true}});
  r = h.ok({{"op", "login"},
            {"username", "bob"},
            {"address", "10.0.0.2:6000"},
            {"public_key", Harness::key_of("bob")}});
  CHECK(r.at("created") == false);
  const auto address = h.sm.query({{"op", "get_user_address"}, {"username", "bob"}});
  REQUIRE(address.has_value());
  CHECK(*address == json{{"username", "bob"},
                         {"address", "10.0.0.2:6000"},
                         {"public_key", Harness::key_of("bob")}});
  CHECK(h.query_error({{"op", "get_user_address"}, {"username", "nobody"}}) == "unknown_user");
}

TEST_CASE("platform: auctions get sequential ids and start in the created stage", "[platform]") {
  Harness h;
  h.login("alice");
  CHECK(h.create("alice") == 1);
  CHECK(h.create("alice") == 2);
  const json v = view_of(h, "alice", 2);
  CHECK(v.at("stage") == "created");
  CHECK(v.at("seller") == "alice");
  CHECK(v.at("base_price") == 1000);
  CHECK(v.at("current_price") == 1000);
  CHECK(v.at("round_id") == 0);
  CHECK(v.at("buyer_count") == 0);
  CHECK(v.at("active_count") == 0);
  CHECK_FALSE(v.contains("buyers"));
}

TEST_CASE("platform: every user a command names must exist", "[platform]") {
  Harness h;
  const auto id = h.with_created_auction();
  CHECK(h.error({{"op", "create_auction"},
                 {"seller", "zed"},
                 {"auction_name", "a"},
                 {"item_name", "b"},
                 {"item_description", ""},
                 {"base_price", 1},
                 {"increment", 1},
                 {"period_ms", 100}}) == "unknown_user");
  CHECK(h.error(join_request("zed", id)) == "unknown_user");
  CHECK(h.error(quit_request("zed", id)) == "unknown_user");
  CHECK(h.error(start_request("zed", id)) == "unknown_user");
  CHECK(h.error(cancel_request("zed", id)) == "unknown_user");
  CHECK(h.error(update(id, 1, 1100, json::array(), 0, "zed")) == "unknown_user");
  CHECK(h.error(finish(id, "bob", 1100, 1, json::array(), 0, "zed")) == "unknown_user");
  CHECK(h.query_error(fetch_request("zed")) == "unknown_user");
  CHECK(h.query_error({{"op", "fetch_buyers"}, {"username", "zed"}, {"auction_id", id}}) ==
        "unknown_user");
}

TEST_CASE("platform: commands on a missing auction are unknown_auction", "[platform]") {
  Harness h;
  h.with_created_auction();
  CHECK(h.error(join_request("bob", 99)) == "unknown_auction");
  CHECK(h.error(quit_request("bob", 99)) == "unknown_auction");
  CHECK(h.error(start_request("alice", 99)) == "unknown_auction");
  CHECK(h.error(cancel_request("alice", 99)) == "unknown_auction");
  CHECK(h.error(update(99, 1, 1100)) == "unknown_auction");
  CHECK(h.error(finish(99, "bob", 1100, 1)) == "unknown_auction");
  CHECK(h.query_error({{"op", "fetch_buyers"}, {"username", "bob"}, {"auction_id", 99}}) ==
        "unknown_auction");
  CHECK(h.query_error({{"op", "fetch_links"}, {"username", "bob"}, {"auction_id", 99}}) ==
        "unknown_auction");
}

TEST_CASE("platform: only the seller may start, update, finish or cancel its auction",
          "[platform]") {
  Harness h;
  const auto id = h.with_created_auction();
  CHECK(h.error(start_request("bob", id)) == "not_owner");
  CHECK(h.error(cancel_request("dave", id)) == "not_owner");
  h.start("alice", id);
  CHECK(h.error(update(id, 1, 1100, json::array(), 0, "bob")) == "not_owner");
  CHECK(h.error(finish(id, "bob", 1100, 1, json::array(), 0, "carol")) == "not_owner");
  CHECK(view_of(h, "alice", id).at("round_id") == 0);
}

TEST_CASE("platform: buyers join and quit only before the start", "[platform]") {
  Harness h;
  const auto id = h.with_created_auction();
  CHECK(h.ok(join_request("dave", id)) == json{{"auction_id", id}, {"already_joined", false}});
  CHECK(h.ok(join_request("dave", id)) == json{{"auction_id", id}, {"already_joined", true}});
  CHECK(h.ok(quit_request("dave", id)) == json{{"auction_id", id}});
  CHECK(h.error(quit_request("dave", id)) == "not_joined");
  CHECK(h.error(join_request("alice", id)) == "invalid_argument");
  h.start("alice", id);
  CHECK(h.error(join_request("dave", id)) == "wrong_stage");
  CHECK(h.error(quit_request("bob", id)) == "wrong_stage");
  CHECK(view_of(h, "alice", id).at("buyer_count") == 2);
}

TEST_CASE("platform: an auction cannot start without buyers, nor twice", "[platform]") {
  Harness h;
  h.login("alice");
  h.login("bob");
  const auto id = h.create("alice");
  CHECK(h.error(start_request("alice", id)) == "no_buyers");
  h.join("bob", id);
  h.start("alice", id);
  CHECK(h.error(start_request("alice", id)) == "wrong_stage");
}

TEST_CASE("platform: start answers the seller's view, and its buyers' pages their addresses",
          "[platform]") {
  Harness h;
  const auto id = h.with_created_auction();
  h.login("bob", "10.9.9.9:4242");
  const json a = h.start("alice", id).at("auction");
  CHECK(a.at("stage") == "started");
  CHECK(a.at("role") == "seller");
  CHECK(a.at("buyer_count") == 2);
  CHECK(a.at("active_count") == 2);
  CHECK_FALSE(a.contains("buyers"));
  const auto page = h.sm.query({{"op", "fetch_buyers"}, {"username", "alice"}, {"auction_id", id}});
  REQUIRE(page.has_value());
  CHECK(*page == json{{"auction_id", id},
                      {"buyers", json::array({{{"username", "bob"},
                                               {"active", true},
                                               {"address", "10.9.9.9:4242"},
                                               {"public_key", Harness::key_of("bob")}},
                                              {{"username", "carol"},
                                               {"active", true},
                                               {"address", "127.0.0.1:7003"},
                                               {"public_key", Harness::key_of("carol")}}})},
                      {"more", false}});
}

TEST_CASE("platform: the seller's updates move the round and price forward", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  CHECK(h.ok(update(id, 2, 1200, json::array({silent_link(2, {"carol"})}))) ==
        json{{"applied", true}, {"round_id", 2}, {"current_price", 1200}, {"link_count", 1}});
  const json v = view_of(h, "bob", id);
  CHECK(v.at("round_id") == 2);
  CHECK(v.at("current_price") == 1200);
  CHECK(v.at("buyer_count") == 2);
  CHECK(v.at("active_count") == 1);
  // The same round again is applied (a repeated push is harmless), with the links or without.
  CHECK(h.ok(update(id, 2, 1200, json::array({silent_link(2, {"carol"})}))).at("applied") == true);
  CHECK(h.ok(update(id, 2, 1200, json::array(), 1)).at("link_count") == 1);
  CHECK(view_of(h, "bob", id).at("active_count") == 1);
}

TEST_CASE("platform: an update older than the stored round is stale and ignored", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.ok(update(id, 3, 1300, json::array({silent_link(3, {"carol"})})));
  const json before = h.sm.snapshot().at("auctions");
  CHECK(h.ok(update(id, 2, 1200)) ==
        json{{"applied", false}, {"round_id", 3}, {"current_price", 1300}, {"link_count", 1}});
  // Even an invalid stale update is ignored, not judged: it is simply late.
  CHECK(h.ok(update(id, 1, 999999, json::array({silent_link(1, {"dave"})}), 7)).at("applied") ==
        false);
  CHECK(h.sm.snapshot().at("auctions") == before);
  CHECK(view_of(h, "alice", id).at("current_price") == 1300);
}

TEST_CASE("platform: the buyers' statuses are the chain's: a link withdraws joined, active buyers",
          "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  const json before = h.sm.snapshot().at("auctions");
  CHECK(h.error(update(id, 1, 1100, json::array({silent_link(1, {"dave"})}))) == "not_joined");
  CHECK(h.error(update(id, 1, 1100, json::array({silent_link(1, {"carol", "carol"})}))) ==
        "transcript_invalid");
  CHECK(h.error(update(id, 1, 1100,
                       json::array({silent_link(1, {"carol"}), silent_link(1, {"carol"})}))) ==
        "transcript_invalid");
  CHECK(h.sm.snapshot().at("auctions") == before);
  h.ok(update(id, 1, 1100, json::array({silent_link(1, {"carol"})})));
  // A buyer who withdrew is out for good: no later link withdraws it again.
  CHECK(h.error(update(id, 2, 1200, json::array({silent_link(2, {"carol"})}), 1)) ==
        "transcript_invalid");
  CHECK(view_of(h, "alice", id).at("round_id") == 1);
}

TEST_CASE("platform: a push carries the links the platform lacks, agreeing where they overlap",
          "[platform]") {
  Harness h;
  h.with_created_auction();
  h.login("erin");
  const auto id = h.create("alice");
  for (const char* buyer : {"bob", "carol", "dave", "erin"}) h.join(buyer, id);
  h.start("alice", id);
  const json l0 = silent_link(1, {"bob"});
  const json l1 = silent_link(2, {"carol"});
  const json l2 = silent_link(3, {"dave"});
  CHECK(h.ok(update(id, 1, 1100, json::array({l0}))).at("link_count") == 1);
  // Only the new one, from index 1.
  CHECK(h.ok(update(id, 2, 1200, json::array({l1}), 1)).at("link_count") == 2);
  const json held = h.sm.snapshot().at("auctions");
  // A gap (links_from past what is held), or links that differ from the held ones where they
  // overlap, would rewrite the chain: refused, nothing changes.
  CHECK(h.error(update(id, 3, 1300, json::array({l2}), 3)) == "transcript_invalid");
  CHECK(h.error(update(id, 3, 1300, json::array({l0}), 1)) == "transcript_invalid");
  CHECK(h.error(update(id, 3, 1300, json::array({l1, l0}), 0)) == "transcript_invalid");
  // Links that end before what is held, even agreeing, leave a hole where the new ones go.
  CHECK(h.error(update(id, 3, 1300, json::array({l0}), 0)) == "transcript_invalid");
  CHECK(h.sm.snapshot().at("auctions") == held);
  // A retry of an earlier push that applied, overlapping what is held, adds what is new.
  CHECK(h.ok(update(id, 3, 1300, json::array({l1, l2}), 1)).at("link_count") == 3);
  CHECK(view_of(h, "alice", id).at("active_count") == 1);
  const auto links = h.sm.query({{"op", "fetch_links"}, {"username", "erin"}, {"auction_id", id}});
  REQUIRE(links.has_value());
  CHECK(links->at("links") == json::array({l0, l1, l2}));
}

TEST_CASE("platform: update prices never fall and stay on the clock", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();  // base 1000, increment 100
  CHECK(h.error(update(id, 0, 999)) == "invalid_argument");
  CHECK(h.error(update(id, 2, 1201)) == "invalid_argument");
  h.ok(update(id, 2, 1200));
  CHECK(h.error(update(id, 3, 1100)) == "invalid_argument");
  CHECK(h.ok(update(id, 3, 1300)).at("applied") == true);
}

TEST_CASE("platform: a round whose price would pass INT64_MAX is refused, not wrapped",
          "[platform]") {
  Harness h;
  h.with_created_auction();
  const auto id = h.create("alice", INT64_MAX - 250, 100);
  h.join("bob", id);
  h.join("carol", id);
  h.start("alice", id);
  CHECK(h.ok(update(id, 2, INT64_MAX - 50)).at("applied") == true);
  CHECK(h.error(update(id, 3, INT64_MAX)) == "invalid_argument");
  CHECK(h.error(update(id, UINT64_MAX, INT64_MAX)) == "invalid_argument");
  CHECK(h.error(finish(id, "bob", INT64_MAX, 3)) == "invalid_argument");
  CHECK(view_of(h, "alice", id).at("current_price") == INT64_MAX - 50);
}

TEST_CASE("platform: finish records the outcome once and for all", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.ok(update(id, 2, 1200));
  const json first = h.ok(finish(id, "bob", 1300, 3, json::array({silent_link(3, {"carol"})})));
  CHECK(first == json{{"applied", true}, {"winner", "bob"}, {"price", 1300}, {"round_id", 3}});
  const json finished = h.sm.snapshot().at("auctions");
  CHECK(finished.at(0).at("buyers") == json::array({{{"username", "bob"}, {"active", true}},
                                                    {{"username", "carol"}, {"active", false}}}));

  // A repeat succeeds and changes nothing, even when it disagrees.
  const json again = h.ok(finish(id, "carol", 1400, 4, json::array({silent_link(4, {"bob"})})));
  CHECK(again == json{{"applied", false}, {"winner", "bob"}, {"price", 1300}, {"round_id", 3}});
  CHECK(h.sm.snapshot().at("auctions") == finished);
  CHECK(view_of(h, "dave", id).at("winner") == "bob");
  CHECK(view_of(h, "dave", id).at("price") == 1300);
  CHECK(view_of(h, "dave", id).at("stage") == "finished");

  // Nothing else touches it again.
  CHECK(h.error(update(id, 5, 1500)) == "wrong_stage");
  CHECK(h.error(start_request("alice", id)) == "wrong_stage");
  CHECK(h.error(cancel_request("alice", id)) == "wrong_stage");
  CHECK(h.error(join_request("dave", id)) == "wrong_stage");
  CHECK(h.sm.snapshot().at("auctions") == finished);
}

TEST_CASE("platform: finish checks its winner, round, links and price", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  const json carol_out = json::array({silent_link(2, {"carol"})});
  h.ok(update(id, 2, 1200));
  CHECK(h.error(finish(id, "dave", 1200, 2, carol_out)) == "not_joined");
  CHECK(h.error(finish(id, "carol", 1200, 2, carol_out)) == "invalid_argument");  // withdrawn
  CHECK(h.error(finish(id, "bob", 1200, 1, carol_out)) == "invalid_argument");    // older round
  CHECK(h.error(finish(id, "bob", 1100, 2, carol_out)) == "invalid_argument");    // price fell
  CHECK(h.error(finish(id, "bob", 1500, 3, carol_out)) == "invalid_argument");    // off the clock
  CHECK(h.error(finish(id, "bob", 1200, 2, carol_out, 1)) == "transcript_invalid");  // a gap
  h.ok(update(id, 2, 1200, carol_out));
  // carol left in the links held already.
  CHECK(h.error(finish(id, "carol", 1200, 2, json::array(), 1)) == "invalid_argument");
  CHECK(view_of(h, "alice", id).at("stage") == "started");
  // Without a winner (everyone withdrew in the same round).
  CHECK(h.ok(finish(id, nullptr, 1200, 2, json::array({silent_link(2, {"bob"})}), 1))
            .at("winner")
            .is_null());
  CHECK(view_of(h, "dave", id).at("winner").is_null());
  CHECK(view_of(h, "alice", id).at("active_count") == 0);
}

TEST_CASE("platform: finish needs a started auction", "[platform]") {
  Harness h;
  const auto id = h.with_created_auction();
  CHECK(h.error(finish(id, "bob", 1000, 0)) == "wrong_stage");
  h.ok(cancel_request("alice", id));
  CHECK(h.error(finish(id, "bob", 1000, 0)) == "wrong_stage");
}

TEST_CASE("platform: a seller cancels only an auction that has not started", "[platform]") {
  Harness h;
  const auto id = h.with_created_auction();
  CHECK(h.ok(cancel_request("alice", id)) == json{{"auction_id", id}, {"stage", "cancelled"}});
  CHECK(h.error(cancel_request("alice", id)) == "wrong_stage");
  CHECK(h.error(join_request("dave", id)) == "wrong_stage");
  CHECK(h.error(start_request("alice", id)) == "wrong_stage");
  const auto other = h.create("alice");
  h.join("bob", other);
  h.start("alice", other);
  CHECK(h.error(cancel_request("alice", other)) == "wrong_stage");
}

TEST_CASE("platform: an auction holds buyers_per_auction_max buyers, the market's own bound",
          "[platform]") {
  Harness h;
  h.login("alice");
  const auto id = h.create("alice");
  for (std::size_t i = 0; i < auction::limits::buyers_per_auction_max; ++i) {
    const std::string name = "b" + std::to_string(i);
    h.login(name);
    h.join(name, id);
  }
  h.login("late");
  const json before = h.sm.snapshot().at("auctions");
  CHECK(h.error(join_request("late", id)) == "limit_exceeded");
  CHECK(h.ok(join_request("b7", id)).at("already_joined") == true);
  CHECK(h.sm.snapshot().at("auctions") == before);
  // The whole auction still starts; its view counts the buyers, its pages list them.
  const json started = h.start("alice", id).at("auction");
  CHECK(started.at("buyer_count") == auction::limits::buyers_per_auction_max);
  CHECK(started.dump().size() < 1000);
}

TEST_CASE("platform: a read in the log is answered like a query and changes nothing",
          "[platform]") {
  Harness h;
  h.login("bob", "h:1");
  const json answer = h.apply({{"op", "get_user_address"}, {"username", "bob"}});
  CHECK(answer ==
        json{{"ok", true},
             {"result",
              {{"username", "bob"}, {"address", "h:1"}, {"public_key", Harness::key_of("bob")}}}});
  CHECK(h.sm.query({{"op", "login"},
                    {"username", "bob"},
                    {"address", "h:2"},
                    {"public_key", Harness::key_of("bob")}})
            .error()
            .code == "bad_request");
}

TEST_CASE("platform: garbage in the log is an error answer, never a crash", "[platform]") {
  Harness h;
  h.with_created_auction();
  const json before = h.sm.snapshot().at("auctions");
  for (const std::string& bytes :
       {std::string(), std::string("{"), std::string("\0\1\2", 3), std::string("[]"),
        std::string("{\"op\":null}"), std::string("{\"op\":\"join_auction\"}"),
        std::string("{\"op\":\"join_auction\",\"username\":\"bob\",\"auction_id\":1.5}"),
        std::string(5000, '{'), std::string("\xff\xff\xff")}) {
    const json answer = json::parse(h.apply_bytes(bytes));
    CHECK(answer.at("ok") == false);
    CHECK(answer.at("error").at("code") == "bad_request");
  }
  CHECK(h.sm.snapshot().at("auctions") == before);
  CHECK(h.sm.applied_index() == auction::raft::LogIndex{h.last_index()});
}

TEST_CASE("platform: answers are JSON with ok and result or error", "[platform]") {
  Harness h;
  const std::string ok = h.apply_bytes(json{
      {"op", "login"},
      {"username", "bob"},
      {"address", "h:1"},
      {"public_key",
       Harness::key_of("bob")}}.dump());
  CHECK(ok == R"({"ok":true,"result":{"address":"h:1","created":true,"username":"bob"}})");
  const std::string error =
      h.apply_bytes(R"({"op":"quit_auction","username":"bob","auction_id":4})");
  CHECK(error == R"({"error":{"code":"unknown_auction","message":"no auction 4"},"ok":false})");
}

TEST_CASE("platform: the capacity is ten million users and a million auctions", "[platform]") {
  // The contract (limits.hpp); filling it is `bench capacity` (docs/performance.md).
  STATIC_REQUIRE(limits::users_max >= 10'000'000);
  STATIC_REQUIRE(limits::auctions_max >= 1'000'000);
  const StateMachine sm;
  CHECK(sm.capacity().users_max == limits::users_max);
  CHECK(sm.capacity().auctions_max == limits::auctions_max);
}

TEST_CASE("platform: the numbers of users and of auctions are bounded", "[platform]") {
  // The bound itself, on a state machine of a smaller capacity: the same rule as at ten million.
  const Capacity capacity{.users_max = 1000, .auctions_max = 500};
  Harness h(capacity);
  for (std::size_t i = 0; i < capacity.users_max; ++i) {
    const std::string name = "u" + std::to_string(i);
    h.apply_bytes(json{{"op", "login"},
                       {"address", "h:1"},
                       {"username", name},
                       {"public_key", Harness::key_of(name)}}
                      .dump());
  }
  REQUIRE(h.sm.query(
      {{"op", "get_user_address"}, {"username", "u" + std::to_string(capacity.users_max - 1)}}));
  const std::string users_before = h.sm.snapshot().at("users").dump();
  CHECK(h.error({{"op", "login"},
                 {"username", "one-too-many"},
                 {"address", "h:1"},
                 {"public_key", Harness::key_of("one-too-many")}}) == "limit_exceeded");
  CHECK(h.sm.snapshot().at("users").dump() == users_before);
  h.login("u7", "h:2");  // an existing user may still move
  const std::string create =
      R"({"op":"create_auction","seller":"u1","auction_name":"a","item_name":"b",)"
      R"("item_description":"","base_price":1,"increment":1,"period_ms":100})";
  std::string last;
  for (std::size_t i = 0; i < capacity.auctions_max; ++i) last = h.apply_bytes(create);
  REQUIRE(json::parse(last).at("result").at("auction_id") == capacity.auctions_max);
  // Finished and cancelled auctions count too: nothing is ever removed.
  h.ok(cancel_request("u1", 1));
  CHECK(h.error({{"op", "create_auction"},
                 {"seller", "u1"},
                 {"auction_name", "a"},
                 {"item_name", "b"},
                 {"item_description", ""},
                 {"base_price", 1},
                 {"increment", 1},
                 {"period_ms", 100}}) == "limit_exceeded");
  // A snapshot holds what the capacity allows; a state machine of less refuses it.
  const json snapshot = h.sm.snapshot();
  CHECK(StateMachine::restore(snapshot, capacity).has_value());
  const auto smaller =
      StateMachine::restore(snapshot, Capacity{.users_max = 999, .auctions_max = 500});
  REQUIRE_FALSE(smaller.has_value());
  CHECK(smaller.error().code == "bad_snapshot");
}

TEST_CASE(
    "platform: a request applied as decoded answers and changes the state exactly as "
    "its bytes would",
    "[platform]") {
  Harness parsed;
  Harness typed;
  parsed.login("alice");
  typed.login("alice");
  const json requests[] = {{{"op", "create_auction"},
                            {"seller", "alice"},
                            {"auction_name", "a"},
                            {"item_name", "b"},
                            {"item_description", ""},
                            {"base_price", 5},
                            {"increment", 1},
                            {"period_ms", 1000},
                            {"client_id", "c"},
                            {"seq", 1}},
                           // The same seq again: the saved answer, byte for byte, from either path.
                           {{"op", "create_auction"},
                            {"seller", "alice"},
                            {"auction_name", "a"},
                            {"item_name", "b"},
                            {"item_description", ""},
                            {"base_price", 5},
                            {"increment", 1},
                            {"period_ms", 1000},
                            {"client_id", "c"},
                            {"seq", 1}},
                           {{"op", "join_auction"}, {"username", "nobody"}, {"auction_id", 1}},
                           {{"op", "get_user_address"}, {"username", "alice"}}};
  for (const json& request : requests) {
    auto decoded = decode_request(request);
    REQUIRE(decoded.has_value());
    const std::string a = parsed.apply_bytes(encode(*decoded).dump());
    const std::string b = typed.apply_request(*decoded);
    CHECK(a == b);
  }
  CHECK(parsed.sm.digest() == typed.sm.digest());
  CHECK(parsed.sm.applied_index() == typed.sm.applied_index());
}

TEST_CASE(
    "platform: an entry that does not decode is answered bad_request and still moves the "
    "applied index",
    "[platform]") {
  Harness h;
  h.login("alice");
  const json answer = json::parse(h.apply_bytes("not json"));
  CHECK(answer.at("ok") == false);
  CHECK(answer.at("error").at("code") == "bad_request");
  CHECK(h.sm.applied_index() == auction::raft::LogIndex{2});
}

TEST_CASE(
    "platform: an entry an older version committed with control characters in its text still "
    "applies, the same on every replica",
    "[platform]") {
  // The bytes an older leader proposed (encode(request).dump()) before new requests were
  // checked for control and bidirectional characters: every replica re-applies them from
  // index 1, so they must apply now exactly as they did then.
  const std::string old_entry =
      "{\"auction_name\":\"x\\u001b[2J\",\"base_price\":1000,\"increment\":100,"
      "\"item_description\":\"one\\nauction 1: finished (you won)\",\"item_name\":"
      "\"lamp \xe2\x80\xae\",\"op\":\"create_auction\",\"period_ms\":1000,\"seller\":\"alice\"}";
  Harness first;
  Harness second;
  for (Harness* h : {&first, &second}) {
    h->login("alice");
    const json answer = json::parse(h->apply_bytes(old_entry));
    INFO(answer.dump());
    REQUIRE(answer.at("ok") == true);
    CHECK(answer.at("result").at("auction_id") == 1);
  }
  CHECK(first.sm.digest() == second.sm.digest());
  const json view = view_of(first, "alice", 1);
  CHECK(view.at("auction_name") == "x\x1b[2J");
  CHECK(view.at("item_name") == "lamp \xe2\x80\xae");
  CHECK(view.at("item_description") == "one\nauction 1: finished (you won)");

  // A snapshot holding it restores too.
  auto restored = StateMachine::restore(json::parse(first.sm.snapshot().dump()));
  REQUIRE(restored.has_value());
  CHECK(restored->digest() == first.sm.digest());
}

TEST_CASE(
    "platform: a log written when pushes listed every buyer replays to the state it held: the "
    "list is read as what the chain says",
    "[platform]") {
  // Entries as an earlier version wrote them: each push lists every buyer's status, and its
  // links are the whole chain (no links_from).
  const auto legacy = [](json request, json buyers) {
    request.erase("links_from");
    request["buyers"] = std::move(buyers);
    return request;
  };
  const json l0 = silent_link(1, {"carol"});
  const json both_active = json::array(
      {{{"username", "bob"}, {"active", true}}, {{"username", "carol"}, {"active", true}}});
  const json carol_out = json::array(
      {{{"username", "bob"}, {"active", true}}, {{"username", "carol"}, {"active", false}}});
  Harness old;
  const auto id = old.with_started_auction();
  old.ok(legacy(update(id, 1, 1100), both_active));
  old.ok(legacy(update(id, 2, 1200, json::array({l0})), carol_out));
  old.ok(legacy(finish(id, "bob", 1300, 3, json::array({l0})), carol_out));

  Harness now;
  now.with_started_auction();
  now.ok(update(id, 1, 1100));
  now.ok(update(id, 2, 1200, json::array({l0})));
  now.ok(finish(id, "bob", 1300, 3, json::array({l0}), 0));
  CHECK(old.sm.snapshot() == now.sm.snapshot());
  CHECK(old.sm.digest() == now.sm.digest());

  // A client may not send the list any more: only the log is read so.
  const auto refused = decode_request(legacy(update(id, 4, 1400), carol_out));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "bad_request");
}

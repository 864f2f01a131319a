// Tests of what each user may see of an auction (docs/platform.md, "Visibility").
#include <catch2/catch.hpp>

#include <string>

#include "harness.hpp"

namespace {

using namespace auction::platform;
using namespace auction::test;

json fetch(const Harness& h, const std::string& user, std::uint64_t after_id = 0,
           std::uint64_t limit = 100) {
  const auto page = h.sm.query(
      {{"op", "fetch_auctions"}, {"username", user}, {"after_id", after_id}, {"limit", limit}});
  REQUIRE(page.has_value());
  return *page;
}

}  // namespace

TEST_CASE("platform: a non-participant sees what is for sale, not who bids or the clock",
          "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.ok(update(id, 2, 1200, json::array({silent_link(2, {"carol"})})));
  const json v = fetch(h, "dave").at("auctions").at(0);
  CHECK(v == json{{"auction_id", id},
                  {"auction_name", "spring sale"},
                  {"item_name", "lamp"},
                  {"item_description", "a brass lamp"},
                  {"seller", "alice"},
                  {"base_price", 1000},
                  {"increment", 100},
                  {"period_ms", 1000},
                  {"increment_steps", json::array()},
                  {"reserve_hidden", false},
                  {"reserve_salt", ""},
                  {"grace_rounds", 1},
                  {"stage", "started"},
                  {"role", "none"}});
}

TEST_CASE(
    "platform: a hidden reserve and its salt are the seller's to see until the auction ends, "
    "and a public one is everyone's",
    "[platform]") {
  Harness h;
  h.with_created_auction();  // alice, bob, carol, dave
  const std::string salt(32, '7');
  const json hidden_terms = {
      {"reserve", 5000},
      {"reserve_hidden", true},
      {"reserve_salt", salt},
      {"increment_steps", json::array({{{"from_price", 2000}, {"increment", 250}}})},
      {"grace_rounds", 2}};
  const auto hidden = h.create("alice", 1000, 100, hidden_terms);
  h.join("bob", hidden);
  const auto shown = h.create("alice", 1000, 100, json{{"reserve", 3000}});
  const auto seen_by = [&](const std::string& user, std::uint64_t id) {
    const json page = fetch(h, user);
    for (const json& v : page.at("auctions")) {
      if (v.at("auction_id") == id) return v;
    }
    FAIL("auction " << id << " not listed for " << user);
    return json();
  };
  for (const std::string user : {"bob", "dave"}) {
    INFO(user);
    const json v = seen_by(user, hidden);
    CHECK(v.at("reserve_hidden") == true);
    CHECK_FALSE(v.contains("reserve"));
    CHECK(v.at("reserve_salt") == "");
    CHECK(v.at("grace_rounds") == 2);
    CHECK(v.at("increment_steps") == hidden_terms.at("increment_steps"));
    CHECK(seen_by(user, shown).at("reserve") == 3000);
  }
  const json sellers = seen_by("alice", hidden);
  CHECK(sellers.at("reserve") == 5000);
  CHECK(sellers.at("reserve_salt") == salt);
  // Once it has ended (here: cancelled), everyone may check it.
  h.ok({{"op", "cancel_auction"}, {"seller", "alice"}, {"auction_id", hidden}});
  CHECK(seen_by("dave", hidden).at("reserve") == 5000);
  CHECK(seen_by("dave", hidden).at("reserve_salt") == salt);
}

TEST_CASE("platform: create_auction refuses terms that do not make an ascending auction",
          "[platform]") {
  Harness h;
  h.with_created_auction();
  const auto refused = [&](const json& terms) {
    json request = {{"op", "create_auction"}, {"seller", "alice"},      {"auction_name", "s"},
                    {"item_name", "l"},       {"item_description", ""}, {"base_price", 1000},
                    {"increment", 100},       {"period_ms", 1000}};
    request.update(terms);
    const auto r = decode_request(request);
    return r ? std::string() : r.error().code + ": " + r.error().message;
  };
  CHECK(refused({{"reserve", 1000}}).starts_with("invalid_argument: reserve"));
  CHECK(refused({{"reserve_hidden", true}}).starts_with("invalid_argument: reserve_hidden"));
  CHECK(refused({{"reserve", 2000}, {"reserve_hidden", true}})
            .starts_with("invalid_argument: reserve_salt"));
  CHECK(refused({{"reserve", 2000}, {"reserve_salt", std::string(32, 'a')}})
            .starts_with("invalid_argument: reserve_salt"));
  CHECK(refused({{"grace_rounds", 0}}).starts_with("invalid_argument: grace_rounds"));
  CHECK(refused({{"grace_rounds", 101}}).starts_with("invalid_argument: grace_rounds"));
  CHECK(refused({{"increment_steps", json::array({{{"from_price", 900}, {"increment", 5}}})}})
            .starts_with("invalid_argument: increment_steps"));
  CHECK(refused({{"increment_steps", json::array({{{"from_price", 2000}}})}})
            .starts_with("bad_request: increment_steps"));
  CHECK(refused({{"increment_steps", json::array({{{"from_price", 2000}, {"increment", 0}}})}})
            .starts_with("invalid_argument: increment_steps"));
  CHECK(refused({{"reserve", 2000},
                 {"reserve_hidden", true},
                 {"reserve_salt", std::string(32, 'a')},
                 {"grace_rounds", 100}})
            .empty());
}

TEST_CASE("platform: a joined buyer sees the clock and how many take part, not who", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.ok(update(id, 2, 1200, json::array({silent_link(2, {"carol"})})));
  const json v = fetch(h, "carol").at("auctions").at(0);
  CHECK(v.at("role") == "buyer");
  CHECK(v.at("round_id") == 2);
  CHECK(v.at("current_price") == 1200);
  CHECK(v.at("buyer_count") == 2);
  CHECK(v.at("active_count") == 1);
  CHECK_FALSE(v.contains("buyers"));  // who: fetch_buyers, a page at a time
  const auto page = h.sm.query({{"op", "fetch_buyers"}, {"username", "carol"}, {"auction_id", id}});
  REQUIRE(page.has_value());
  CHECK(
      page->at("buyers") ==
      json::array(
          {{{"username", "bob"}, {"active", true}, {"public_key", Harness::key_of("bob")}},
           {{"username", "carol"}, {"active", false}, {"public_key", Harness::key_of("carol")}}}));
}

TEST_CASE("platform: the seller sees its buyers' addresses as they are now", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.login("carol", "192.168.1.5:9999");
  const json v = fetch(h, "alice").at("auctions").at(0);
  CHECK(v.at("role") == "seller");
  CHECK(v.at("auction_id") == id);
  CHECK_FALSE(v.contains("buyers"));
  const auto page = h.sm.query({{"op", "fetch_buyers"}, {"username", "alice"}, {"auction_id", id}});
  REQUIRE(page.has_value());
  CHECK(page->at("buyers").at(1) == json{{"username", "carol"},
                                         {"active", true},
                                         {"address", "192.168.1.5:9999"},
                                         {"public_key", Harness::key_of("carol")}});
}

TEST_CASE("platform: the outcome of a finished auction is public", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.ok(finish(id, "bob", 1300, 3, json::array({silent_link(3, {"carol"})})));
  const json v = fetch(h, "dave").at("auctions").at(0);
  CHECK(v.at("winner") == "bob");
  CHECK(v.at("price") == 1300);
  CHECK_FALSE(v.contains("buyers"));
  CHECK_FALSE(v.contains("round_id"));
  CHECK(fetch(h, "bob").at("auctions").at(0).at("round_id") == 3);
}

TEST_CASE("platform: a quitter is no longer a participant", "[platform]") {
  Harness h;
  const auto id = h.with_created_auction();
  h.ok({{"op", "quit_auction"}, {"username", "carol"}, {"auction_id", id}});
  const json v = fetch(h, "carol").at("auctions").at(0);
  CHECK(v.at("role") == "none");
  CHECK_FALSE(v.contains("buyer_count"));
  CHECK(h.sm.query({{"op", "fetch_buyers"}, {"username", "carol"}, {"auction_id", id}})
            .error()
            .code == "not_joined");
}

TEST_CASE("platform: fetch_auctions pages through every auction in id order", "[platform]") {
  Harness h;
  h.login("alice");
  for (int i = 0; i < 5; ++i) h.create("alice");
  json page = fetch(h, "alice", 0, 2);
  CHECK(page.at("auctions").size() == 2);
  CHECK(page.at("auctions").at(0).at("auction_id") == 1);
  CHECK(page.at("more") == true);
  page = fetch(h, "alice", 2, 2);
  CHECK(page.at("auctions").at(0).at("auction_id") == 3);
  page = fetch(h, "alice", 4, 2);
  CHECK(page.at("auctions").size() == 1);
  CHECK(page.at("more") == false);
  page = fetch(h, "alice", 5, 2);
  CHECK(page.at("auctions").empty());
  CHECK(page.at("more") == false);
}

namespace {

// query_text() must answer byte for byte what query() answers, dumped.
void check_text_matches(const Harness& h, const std::string& user, std::uint64_t after_id = 0,
                        std::uint64_t limit = 100) {
  const json request = {
      {"op", "fetch_auctions"}, {"username", user}, {"after_id", after_id}, {"limit", limit}};
  const auto decoded = decode_request(request);
  REQUIRE(decoded.has_value());
  const auto as_json = h.sm.query(request);
  const auto as_text = h.sm.query_text(decoded->command);
  REQUIRE(as_json.has_value());
  REQUIRE(as_text.has_value());
  INFO("viewer " << user);
  CHECK(*as_text == as_json->dump());
}

}  // namespace

TEST_CASE("platform: the serialized fetch answer equals the built one, and follows every change",
          "[platform]") {
  Harness h;
  const auto started = h.with_started_auction();  // alice sells; bob and carol joined
  const auto other = h.create("alice");
  h.login("dave");
  for (const char* user : {"alice", "bob", "dave"}) check_text_matches(h, user);
  // Each change must show in the next read, though the views were kept serialized.
  h.ok(update(started, 2, 1200, json::array({silent_link(2, {"carol"})})));
  h.ok({{"op", "join_auction"}, {"username", "dave"}, {"auction_id", other}});
  h.login("bob", "10.0.0.9:7000");  // moves an address, which no view holds
  for (const char* user : {"alice", "bob", "carol", "dave"}) check_text_matches(h, user);
  CHECK(fetch(h, "alice").at("auctions").at(0).at("active_count") == 1);
  CHECK(fetch(h, "carol").at("auctions").at(0).at("round_id") == 2);
  h.ok(finish(started, "bob", 1200, 2, json::array(), 1));
  h.ok({{"op", "cancel_auction"}, {"seller", "alice"}, {"auction_id", other}});
  for (const char* user : {"alice", "bob", "carol", "dave"}) check_text_matches(h, user);
  CHECK(fetch(h, "dave").at("auctions").at(0).at("stage") == "finished");
  // Paging: a page that stops early says there is more.
  check_text_matches(h, "bob", 0, 1);
  check_text_matches(h, "bob", started, 100);
}

TEST_CASE("platform: a serialized read of a missing user or of a write is an error", "[platform]") {
  Harness h;
  h.with_started_auction();
  const auto fetch_by_nobody =
      decode_request({{"op", "fetch_auctions"}, {"username", "nobody"}, {"limit", 10}});
  REQUIRE(fetch_by_nobody.has_value());
  CHECK(h.sm.query_text(fetch_by_nobody->command).error().code == "unknown_user");
  const auto login = decode_request({{"op", "login"},
                                     {"username", "x"},
                                     {"address", "h:1"},
                                     {"public_key", Harness::key_of("x")}});
  REQUIRE(login.has_value());
  CHECK(h.sm.query_text(login->command).error().code == "bad_request");
}

// Tests of the platform's paged reads: fetch_buyers, fetch_links, get_transcript's summary and
// fetch_auctions' `mine`. No answer lists a whole auction or the whole registry: each page is
// bounded (limits.hpp), and following the cursors yields everything exactly once.
// Must never depend on timing: the state machine is driven entry by entry.
#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "auction/base/limits.hpp"
#include "auction/platform/limits.hpp"
#include "harness.hpp"

namespace {

using namespace auction::platform;
using namespace auction::test;

// A username of the longest kind: 32 characters, unique per i.
std::string long_name(std::size_t i) {
  std::string name = "buyer-" + std::to_string(i) + "-";
  name.resize(auction::limits::username_bytes_max, 'x');
  return name;
}

// An address of the longest kind (128 bytes).
std::string long_address(std::size_t i) {
  std::string host = "h" + std::to_string(i) + ".";
  host.resize(auction::limits::address_bytes_max - 6, 'a');
  return host + ":65535";
}

json fetch_buyers(const std::string& user, std::uint64_t id, const std::string& after = "",
                  std::uint64_t limit = 0) {
  json r = {{"op", "fetch_buyers"}, {"username", user}, {"auction_id", id}};
  if (!after.empty()) r["after"] = after;
  if (limit != 0) r["limit"] = limit;
  return r;
}

json fetch_links(const std::string& user, std::uint64_t id, std::uint64_t from = 0,
                 std::uint64_t limit = 0) {
  json r = {{"op", "fetch_links"}, {"username", user}, {"auction_id", id}, {"from", from}};
  if (limit != 0) r["limit"] = limit;
  return r;
}

// Every page of fetch_buyers as `user`, checking each page's bound and cursor.
std::vector<json> all_buyers(const Harness& h, const std::string& user, std::uint64_t id) {
  std::vector<json> buyers;
  std::string after;
  for (;;) {
    const auto page = h.sm.query(fetch_buyers(user, id, after));
    REQUIRE(page.has_value());
    REQUIRE(page->at("buyers").size() <= limits::buyers_page_max);
    // Far below the 1 MiB a frame may hold, at the longest names and addresses.
    REQUIRE(page->dump().size() < 512 * 1024);
    for (const json& b : page->at("buyers")) {
      REQUIRE(b.at("username").get<std::string>() > after);
      after = b.at("username").get<std::string>();
      buyers.push_back(b);
    }
    if (!page->at("more").get<bool>()) return buyers;
  }
}

// The buyer_count of auction `id` in the view `user` fetches; -1 when the view has none.
long view_of_count(const Harness& h, const std::string& user, std::uint64_t id) {
  const auto page = h.sm.query(
      {{"op", "fetch_auctions"}, {"username", user}, {"after_id", id - 1}, {"limit", 1}});
  REQUIRE(page.has_value());
  REQUIRE(page->at("auctions").size() == 1);
  const json& view = page->at("auctions").at(0);
  return view.contains("buyer_count") ? view.at("buyer_count").get<long>() : -1;
}

}  // namespace

TEST_CASE("platform: fetch_buyers pages an auction of 10,000 buyers, every one exactly once",
          "[platform]") {
  Harness h;
  h.login("alice");
  const auto id = h.create("alice");
  const std::size_t n = auction::limits::buyers_per_auction_max;
  for (std::size_t i = 0; i < n; ++i) {
    h.login(long_name(i), long_address(i));
    h.join(long_name(i), id);
  }
  h.login("dave");
  // Before the start: statuses, the seller sees addresses, nobody sees keys yet.
  std::vector<json> buyers = all_buyers(h, "alice", id);
  REQUIRE(buyers.size() == n);
  CHECK(buyers.front().contains("address"));
  CHECK_FALSE(buyers.front().contains("public_key"));
  h.start("alice", id);
  buyers = all_buyers(h, "alice", id);
  REQUIRE(buyers.size() == n);
  CHECK(buyers.front().at("public_key") == Harness::key_of(buyers.front().at("username")));
  CHECK(buyers.front().at("address").get<std::string>().size() ==
        auction::limits::address_bytes_max);
  // A buyer sees who takes part and the keys, not where they answer.
  const std::vector<json> as_buyer = all_buyers(h, long_name(17), id);
  REQUIRE(as_buyer.size() == n);
  for (const json& b : as_buyer) REQUIRE_FALSE(b.contains("address"));
  // Nobody else sees them; the view counts them.
  CHECK(h.query_error(fetch_buyers("dave", id)) == "not_joined");
  CHECK(view_of_count(h, "dave", id) == -1);
  CHECK(view_of_count(h, "alice", id) == static_cast<long>(n));
}

TEST_CASE("platform: fetch_buyers follows its cursor while buyers join and quit", "[platform]") {
  Harness h;
  h.with_created_auction();  // bob and carol joined auction 1
  h.login("erin");
  h.login("abe");
  auto first = h.sm.query(fetch_buyers("alice", 1, "", 1));
  REQUIRE(first.has_value());
  CHECK(first->at("buyers").size() == 1);
  CHECK(first->at("buyers").at(0).at("username") == "bob");
  CHECK(first->at("more") == true);
  // Between two pages: abe joins before the cursor, erin after it, bob quits.
  h.join("abe", 1);
  h.join("erin", 1);
  h.ok({{"op", "quit_auction"}, {"username", "bob"}, {"auction_id", 1}});
  auto second = h.sm.query(fetch_buyers("alice", 1, "bob", 10));
  REQUIRE(second.has_value());
  CHECK(second->at("buyers") ==
        json::array({{{"username", "carol"}, {"active", true}, {"address", "127.0.0.1:7003"}},
                     {{"username", "erin"}, {"active", true}, {"address", "127.0.0.1:7000"}}}));
  CHECK(second->at("more") == false);
  // A cursor past the last buyer is an empty last page; bad cursors and limits are refused.
  CHECK(h.sm.query(fetch_buyers("alice", 1, "zzz"))->at("buyers") == json::array());
  CHECK(h.query_error(fetch_buyers("alice", 1, "", limits::buyers_page_max + 1)) ==
        "invalid_argument");
  json zero = fetch_buyers("alice", 1);
  zero["limit"] = 0;
  CHECK(h.query_error(zero) == "invalid_argument");
  json bad_after = fetch_buyers("alice", 1);
  bad_after["after"] = "no spaces";
  CHECK(h.query_error(bad_after) == "invalid_argument");
}

TEST_CASE("platform: fetch_links pages a chain by its withdrawals, a link at least per page",
          "[platform]") {
  Harness h;
  h.login("alice");
  const auto id = h.create("alice");
  const std::size_t n = 3000;
  for (std::size_t i = 0; i < n; ++i) {
    h.login(long_name(i));
    h.join(long_name(i), id);
  }
  h.login("dave");
  CHECK(h.query_error(fetch_links("alice", id)) == "wrong_stage");  // nothing before the start
  h.start("alice", id);
  // One link withdraws 1,500 buyers (more than a page's bound), then one link per buyer.
  std::vector<std::string> many;
  for (std::size_t i = 0; i < 1500; ++i) many.push_back(long_name(i));
  json chain = json::array({silent_link(1, many)});
  for (std::size_t i = 1500; i + 1 < n; ++i) chain.push_back(silent_link(2, {long_name(i)}));
  h.ok(update(id, 2, 1200, chain));

  const auto first = h.sm.query(fetch_links("alice", id));
  REQUIRE(first.has_value());
  CHECK(first->at("links").size() == 1);  // the big link alone, though it passes the bound
  CHECK(first->at("from") == 0);
  CHECK(first->at("more") == true);
  const auto second = h.sm.query(fetch_links(long_name(3), id, 1));
  REQUIRE(second.has_value());
  CHECK(second->at("links").size() == limits::link_withdrawals_page_max);
  const auto small = h.sm.query(fetch_links("alice", id, 1, 10));
  REQUIRE(small.has_value());
  CHECK(small->at("links").size() == 10);
  // Following `from` gathers the chain as pushed.
  json gathered = json::array();
  std::uint64_t from = 0;
  for (;;) {
    const auto page = h.sm.query(fetch_links("alice", id, from));
    REQUIRE(page.has_value());
    REQUIRE(page->dump().size() < 512 * 1024);
    for (const json& link : page->at("links")) gathered.push_back(link);
    from += page->at("links").size();
    if (!page->at("more").get<bool>()) break;
  }
  CHECK(gathered == chain);
  const auto end = h.sm.query(fetch_links("alice", id, chain.size()));
  REQUIRE(end.has_value());
  CHECK(end->at("links") == json::array());
  CHECK(end->at("more") == false);
  CHECK(h.query_error(fetch_links("alice", id, chain.size() + 1)) == "invalid_argument");
  CHECK(h.query_error(fetch_links("dave", id)) == "not_joined");
}

TEST_CASE("platform: get_transcript answers the summary, its lists are pages", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.ok(update(id, 2, 1200, json::array({silent_link(2, {"carol"})})));
  const auto t = h.sm.query({{"op", "get_transcript"}, {"username", "bob"}, {"auction_id", id}});
  REQUIRE(t.has_value());
  CHECK(t->at("buyer_count") == 2);
  CHECK(t->at("link_count") == 1);
  CHECK(t->at("seller_key") == Harness::key_of("alice"));
  CHECK(t->at("stage") == "started");
  CHECK_FALSE(t->contains("buyers"));
  CHECK_FALSE(t->contains("links"));
  CHECK(h.query_error({{"op", "get_transcript"}, {"username", "dave"}, {"auction_id", id}}) ==
        "not_joined");
}

TEST_CASE("platform: fetch_auctions with mine pages only the user's own auctions", "[platform]") {
  Harness h;
  h.with_created_auction();  // 1: alice sells, bob and carol joined
  const auto other = h.create("alice");
  const auto bobs = h.create("bob");
  h.join("carol", bobs);
  h.join("dave", other);
  const auto ids_of = [&](const std::string& user, std::uint64_t after, std::uint64_t limit) {
    json request = {{"op", "fetch_auctions"},
                    {"username", user},
                    {"mine", true},
                    {"after_id", after},
                    {"limit", limit}};
    const auto page = h.sm.query(request);
    REQUIRE(page.has_value());
    std::vector<std::uint64_t> ids;
    for (const json& a : page->at("auctions")) ids.push_back(a.at("auction_id"));
    ids.push_back(page->at("more").get<bool>() ? 1 : 0);  // last: more?
    return ids;
  };
  CHECK(ids_of("alice", 0, 100) == std::vector<std::uint64_t>{1, other, 0});
  CHECK(ids_of("carol", 0, 1) == std::vector<std::uint64_t>{1, 1});
  CHECK(ids_of("carol", 1, 1) == std::vector<std::uint64_t>{bobs, 0});
  CHECK(ids_of("bob", 0, 100) == std::vector<std::uint64_t>{1, bobs, 0});
  h.ok({{"op", "quit_auction"}, {"username", "carol"}, {"auction_id", 1}});
  CHECK(ids_of("carol", 0, 100) == std::vector<std::uint64_t>{bobs, 0});
  CHECK(h.query_error({{"op", "fetch_auctions"}, {"username", "erin"}, {"mine", true}}) ==
        "unknown_user");
  // The lists are derived, not stored: a restored state answers the same, byte for byte.
  auto restored = StateMachine::restore(h.sm.snapshot());
  REQUIRE(restored.has_value());
  for (const std::string user : {"alice", "bob", "carol", "dave"}) {
    const auto request = decode_request(
        {{"op", "fetch_auctions"}, {"username", user}, {"mine", true}, {"limit", 100}});
    REQUIRE(request.has_value());
    CHECK(restored->query_text(request->command) == h.sm.query_text(request->command));
  }
}

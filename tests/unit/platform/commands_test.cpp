// Tests of the platform command codec: round trips, field rules, and malformed input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "auction/base/ids.hpp"
#include "auction/base/limits.hpp"
#include "auction/base/money.hpp"
#include "auction/platform/commands.hpp"

namespace {

using nlohmann::json;
using namespace auction::platform;

json create_request() {
  return {{"op", "create_auction"}, {"seller", "alice"},      {"auction_name", "sale"},
          {"item_name", "lamp"},    {"item_description", ""}, {"base_price", 0},
          {"increment", 1},         {"period_ms", 10}};
}

std::string code_of(const json& request) {
  const auto r = decode_request(request);
  return r ? std::string("ok") : r.error().code;
}

std::string message_of(const json& request) {
  const auto r = decode_request(request);
  return r ? std::string() : r.error().message;
}

json with(json request, const std::string& field, const json& value) {
  request[field] = value;
  return request;
}

json without(json request, const std::string& field) {
  request.erase(field);
  return request;
}

}  // namespace

TEST_CASE("platform: every op survives encode then decode unchanged", "[platform]") {
  const json requests[] = {
      {{"op", "login"},
       {"username", "a_b.c-9"},
       {"address", "example.org:65535"},
       {"public_key", std::string(64, 'a')}},
      {{"op", "get_user_address"}, {"username", "bob"}},
      create_request(),
      {{"op", "join_auction"}, {"username", "bob"}, {"auction_id", 7}},
      {{"op", "quit_auction"}, {"username", "bob"}, {"auction_id", 7}},
      {{"op", "start_auction"}, {"seller", "alice"}, {"auction_id", 7}},
      {{"op", "update_auction"},
       {"seller", "alice"},
       {"auction_id", 7},
       {"round_id", 3},
       {"current_price", 1300},
       {"links_from", 4},
       {"links", json::array({{{"round_id", 2},
                               {"withdrawn",
                                json::array({{{"username", "bob"}, {"reason", "silent"}}})}}})}},
      {{"op", "finish_auction"},
       {"seller", "alice"},
       {"auction_id", 7},
       {"winner", "bob"},
       {"price", 1300},
       {"round_id", 3},
       {"links_from", 0},
       {"links", json::array()},
       {"chain_head", std::string(64, 'd')},
       {"signature", std::string(128, 'e')}},
      {{"op", "finish_auction"},
       {"seller", "alice"},
       {"auction_id", 7},
       {"winner", nullptr},
       {"price", 1300},
       {"round_id", 3},
       {"links_from", 2},
       {"links", json::array()}},
      {{"op", "get_transcript"}, {"username", "bob"}, {"auction_id", 7}},
      {{"op", "cancel_auction"}, {"seller", "alice"}, {"auction_id", 7}},
      {{"op", "fetch_auctions"}, {"username", "bob"}, {"after_id", 4}, {"limit", 2}},
      {{"op", "fetch_auctions"},
       {"username", "bob"},
       {"after_id", 4},
       {"limit", 2},
       {"mine", true}},
      {{"op", "fetch_buyers"}, {"username", "bob"}, {"auction_id", 7}, {"limit", 1000}},
      {{"op", "fetch_buyers"},
       {"username", "bob"},
       {"auction_id", 7},
       {"after", "carol"},
       {"limit", 1}},
      {{"op", "fetch_links"}, {"username", "bob"}, {"auction_id", 7}, {"from", 3}, {"limit", 5}},
      {{"op", "join_auction"},
       {"username", "bob"},
       {"auction_id", 7},
       {"client_id", "c-1"},
       {"seq", 12}},
  };
  for (const auto& request : requests) {
    INFO(request.dump());
    const auto decoded = decode_request(request);
    REQUIRE(decoded.has_value());
    CHECK(encode(*decoded) == request);
    const auto again = parse_request(encode(*decoded).dump());
    REQUIRE(again.has_value());
    CHECK(*again == *decoded);
  }
}

TEST_CASE("platform: fetch_auctions defaults to the first page of the maximum size", "[platform]") {
  const auto r = decode_request({{"op", "fetch_auctions"}, {"username", "bob"}});
  REQUIRE(r.has_value());
  const auto& fetch = std::get<FetchAuctions>(r->command);
  CHECK(fetch.after_id == auction::AuctionId{0});
  CHECK(fetch.limit == 100);
  CHECK(code_of({{"op", "fetch_auctions"}, {"username", "bob"}, {"limit", 0}}) ==
        "invalid_argument");
  CHECK(code_of({{"op", "fetch_auctions"}, {"username", "bob"}, {"limit", 101}}) ==
        "invalid_argument");
}

TEST_CASE("platform: only fetch_auctions and get_user_address are reads", "[platform]") {
  CHECK(is_read("fetch_auctions"));
  CHECK(is_read("get_user_address"));
  for (const char* op :
       {"login", "create_auction", "join_auction", "quit_auction", "start_auction",
        "update_auction", "finish_auction", "cancel_auction", "status", "nonsense", ""}) {
    CHECK_FALSE(is_read(op));
  }
}

TEST_CASE("platform: malformed requests are bad_request, never a crash", "[platform]") {
  CHECK(parse_request("").error().code == "bad_request");
  CHECK(parse_request("{").error().code == "bad_request");
  CHECK(parse_request("\xff\xfe").error().code == "bad_request");
  CHECK(parse_request("[1,2]").error().code == "bad_request");
  CHECK(parse_request("null").error().code == "bad_request");
  CHECK(parse_request(std::string(10000, '[')).error().code == "bad_request");
  CHECK(code_of(json::object()) == "bad_request");
  CHECK(code_of({{"op", 3}}) == "bad_request");
  CHECK(code_of({{"op", "status"}}) == "unknown_op");
  CHECK(code_of({{"op", "drop_tables"}}) == "unknown_op");
  CHECK(code_of(without(create_request(), "seller")) == "bad_request");
  CHECK(message_of(without(create_request(), "seller")) == "missing field 'seller'");
  CHECK(code_of(with(create_request(), "base_price", "10")) == "bad_request");
  CHECK(code_of(with(create_request(), "base_price", 10.5)) == "bad_request");
  CHECK(code_of(with(create_request(), "base_price", 1e30)) == "bad_request");
  CHECK(code_of(with(create_request(), "seller", json::array())) == "bad_request");
  CHECK(code_of(with(create_request(), "id", 1)) == "bad_request");
  CHECK(message_of(with(create_request(), "colour", "red")) == "unknown field 'colour'");
}

TEST_CASE("platform: values out of range are invalid_argument naming the field", "[platform]") {
  const json r = create_request();
  CHECK(message_of(with(r, "base_price", -1)).starts_with("base_price:"));
  CHECK(code_of(with(r, "base_price", -1)) == "invalid_argument");
  CHECK(code_of(with(r, "base_price", std::uint64_t{9223372036854775808ULL})) ==
        "invalid_argument");
  CHECK(message_of(with(r, "increment", 0)).starts_with("increment:"));
  CHECK(code_of(with(r, "increment", -5)) == "invalid_argument");
  CHECK(message_of(with(r, "period_ms", 9)).starts_with("period_ms:"));
  CHECK(code_of(with(r, "period_ms", 3'600'001)) == "invalid_argument");
  CHECK(code_of(with(r, "period_ms", 3'600'000)) == "ok");
  CHECK(message_of(with(r, "auction_name", "")).starts_with("auction_name:"));
  CHECK(code_of(with(r, "auction_name", std::string(101, 'x'))) == "invalid_argument");
  CHECK(code_of(with(r, "auction_name", std::string(100, 'x'))) == "ok");
  CHECK(code_of(with(r, "item_description", std::string(2001, 'x'))) == "invalid_argument");
  CHECK(code_of(with(r, "item_description", "caf\xc3\xa9")) == "ok");
  CHECK(message_of(with(r, "item_description", "caf\xc3")).starts_with("item_description:"));
  CHECK(code_of(with(r, "item_name", "\xed\xa0\x80")) == "invalid_argument");  // a surrogate
  CHECK(code_of(with(r, "item_name", "\xc0\xaf")) == "invalid_argument");      // overlong
  CHECK(code_of({{"op", "join_auction"}, {"username", "bob"}, {"auction_id", 0}}) ==
        "invalid_argument");
  CHECK(code_of({{"op", "join_auction"}, {"username", "bob"}, {"auction_id", -1}}) ==
        "invalid_argument");
}

TEST_CASE("platform: a base price whose first raise would overflow is refused", "[platform]") {
  json r = create_request();
  r["base_price"] = INT64_MAX;
  r["increment"] = 1;
  CHECK(message_of(r).starts_with("increment:"));
  r["base_price"] = INT64_MAX - 1;
  CHECK(code_of(r) == "ok");
}

TEST_CASE("platform: usernames are 1..32 characters of [A-Za-z0-9_.-]", "[platform]") {
  const auto login = [](const std::string& name) {
    return code_of({{"op", "login"},
                    {"username", name},
                    {"address", "h:1"},
                    {"public_key", std::string(64, 'a')}});
  };
  CHECK(login("Az09_.-") == "ok");
  CHECK(login(std::string(32, 'a')) == "ok");
  CHECK(login(std::string(33, 'a')) == "invalid_argument");
  CHECK(login("") == "invalid_argument");
  CHECK(login("bob smith") == "invalid_argument");
  CHECK(login("bob/..") == "invalid_argument");
  CHECK(login("b\xc3\xb6") == "invalid_argument");
}

TEST_CASE("platform: addresses are host:port with a port in 1..65535", "[platform]") {
  const auto login = [](const std::string& address) {
    return code_of({{"op", "login"},
                    {"username", "bob"},
                    {"address", address},
                    {"public_key", std::string(64, 'a')}});
  };
  for (const char* good : {"127.0.0.1:1", "localhost:65535", "my-host.example.org:8080",
                           "[::1]:9000", "[fe80::1:2]:80"}) {
    INFO(good);
    CHECK(login(good) == "ok");
  }
  for (const char* bad : {"", "localhost", "localhost:", ":80", "host:0", "host:65536", "host:080",
                          "host:8o", "host:-1", "host:+80", "ho st:80", "-host:80", "[::1:80",
                          "[xyz]:80", "[]:80", "host:123456"}) {
    INFO(bad);
    CHECK(login(bad) == "invalid_argument");
  }
  CHECK(login(std::string(125, 'h') + ":80") == "ok");
  CHECK(login(std::string(126, 'h') + ":80") == "invalid_argument");
}

TEST_CASE("platform: a push's links are checked for whom they withdraw, and bounded",
          "[platform]") {
  const json r = {{"op", "update_auction"}, {"seller", "alice"},  {"auction_id", 1},
                  {"round_id", 0},          {"current_price", 0}, {"links", json::array()}};
  CHECK(code_of(r) == "ok");
  CHECK(code_of(without(r, "links")) == "ok");  // no new link
  const auto link = [](const json& withdrawn) {
    return json{{"round_id", 1}, {"withdrawn", withdrawn}};
  };
  const json bob = {{"username", "bob"}, {"reason", "silent"}};
  CHECK(code_of(with(r, "links", json::array({link(json::array({bob}))}))) == "ok");
  CHECK(code_of(with(r, "links", "x")) == "bad_request");
  CHECK(code_of(with(r, "links", json::array({1}))) == "bad_request");
  CHECK(code_of(with(r, "links", json::array({json::object()}))) == "bad_request");
  CHECK(code_of(with(r, "links", json::array({link(json::array())}))) == "invalid_argument");
  CHECK(code_of(with(r, "links", json::array({link(json::array({"bob"}))}))) == "bad_request");
  CHECK(code_of(with(r, "links", json::array({link(json::array({{{"reason", "silent"}}}))}))) ==
        "bad_request");
  CHECK(code_of(with(r, "links", json::array({link(json::array({{{"username", "no one"}}}))}))) ==
        "invalid_argument");
  // The buyers an auction may hold, in all the links of one chain: each leaves once.
  const std::size_t max = auction::limits::buyers_per_auction_max;
  json all = json::array();
  for (std::size_t i = 0; i < max; ++i) {
    all.push_back({{"username", "b" + std::to_string(i)}, {"reason", "silent"}});
  }
  CHECK(code_of(with(r, "links", json::array({link(all)}))) == "ok");
  json one_more = all;
  one_more.push_back(bob);
  CHECK(code_of(with(r, "links", json::array({link(one_more)}))) == "invalid_argument");
  CHECK(code_of(with(r, "links", json::array({link(all), link(json::array({bob}))}))) ==
        "invalid_argument");
  // links_from: where the links start in the chain, which holds at most that many links.
  CHECK(code_of(with(r, "links_from", max)) == "ok");
  CHECK(code_of(with(r, "links_from", max + 1)) == "invalid_argument");
  CHECK(code_of(with(with(r, "links_from", max), "links",
                     json::array({link(json::array({bob}))}))) == "invalid_argument");
  CHECK(code_of(with(r, "links_from", -1)) == "invalid_argument");
  CHECK(code_of(with(r, "links_from", "0")) == "bad_request");
  // A push names no buyers list any more: the statuses are the chain's.
  CHECK(code_of(with(r, "buyers", json::array())) == "bad_request");
}

TEST_CASE("platform: fetch_buyers and fetch_links default to the first page of the maximum size",
          "[platform]") {
  const auto buyers =
      decode_request({{"op", "fetch_buyers"}, {"username", "bob"}, {"auction_id", 2}});
  REQUIRE(buyers.has_value());
  CHECK(std::get<FetchBuyers>(buyers->command) ==
        FetchBuyers{"bob", auction::AuctionId{2}, "", 1000});
  const auto links =
      decode_request({{"op", "fetch_links"}, {"username", "bob"}, {"auction_id", 2}});
  REQUIRE(links.has_value());
  CHECK(std::get<FetchLinks>(links->command) == FetchLinks{"bob", auction::AuctionId{2}, 0, 1000});
  const json b = {{"op", "fetch_buyers"}, {"username", "bob"}, {"auction_id", 2}};
  CHECK(code_of(with(b, "limit", 0)) == "invalid_argument");
  CHECK(code_of(with(b, "limit", 1001)) == "invalid_argument");
  CHECK(code_of(with(b, "after", "")) == "invalid_argument");
  CHECK(code_of(with(b, "after", 3)) == "bad_request");
  CHECK(code_of(with(b, "auction_id", 0)) == "invalid_argument");
  CHECK(code_of(without(b, "auction_id")) == "bad_request");
  const json l = {{"op", "fetch_links"}, {"username", "bob"}, {"auction_id", 2}};
  CHECK(code_of(with(l, "limit", 0)) == "invalid_argument");
  CHECK(code_of(with(l, "from", -1)) == "invalid_argument");
  CHECK(code_of(with(l, "from", 10'001)) == "invalid_argument");
  CHECK(code_of(with(l, "extra", 1)) == "bad_request");
  const json f = {{"op", "fetch_auctions"}, {"username", "bob"}};
  CHECK(code_of(with(f, "mine", 1)) == "bad_request");
  CHECK(std::get<FetchAuctions>(decode_request(f)->command).mine == false);
}

TEST_CASE("platform: client_id and seq come together and within bounds", "[platform]") {
  const json join = {{"op", "join_auction"}, {"username", "bob"}, {"auction_id", 1}};
  CHECK(code_of(with(join, "client_id", "c1")) == "bad_request");
  CHECK(code_of(with(join, "seq", 1)) == "bad_request");
  CHECK(code_of(with(with(join, "client_id", "c1"), "seq", 0)) == "invalid_argument");
  CHECK(code_of(with(with(join, "client_id", std::string(65, 'c')), "seq", 1)) ==
        "invalid_argument");
  CHECK(code_of(with(with(join, "client_id", std::string(64, 'c')), "seq", UINT64_MAX)) == "ok");
  CHECK(code_of(with(with(join, "client_id", "c 1"), "seq", 1)) == "invalid_argument");
}

TEST_CASE(
    "platform: a new request's names and description may not hold control or bidirectional "
    "characters, but decoding (and so apply) still accepts them",
    "[platform]") {
  // What check_new_request() says about `request`, which must decode: "ok" or the message.
  auto admission = [](const json& request) {
    const auto decoded = decode_request(request);
    REQUIRE(decoded.has_value());
    const auto admitted = check_new_request(decoded->command);
    if (admitted) return std::string("ok");
    CHECK(admitted.error().code == "invalid_argument");
    return admitted.error().message;
  };
  const json r = create_request();
  CHECK(admission(r) == "ok");
  CHECK(admission(with(r, "auction_name", "caf\xc3\xa9 \"sale\" \\ 50%")) == "ok");
  CHECK(admission(with(r, "auction_name", "x\x1b[2J")) ==
        "auction_name: must not hold U+001B (no control or bidirectional formatting characters)");
  CHECK(admission(with(r, "item_name", "lamp\nauction 1: finished"))
            .starts_with("item_name: must not hold U+000A"));
  CHECK(admission(with(r, "item_description", "one line\r"))
            .starts_with("item_description: must not hold U+000D"));
  CHECK(admission(with(r, "item_description", "tab\tbed"))
            .starts_with("item_description: must not hold U+0009"));
  CHECK(admission(with(r, "item_description",
                       "\xc2\x9b"
                       "2J"))
            .starts_with("item_description: must not hold U+009B"));
  CHECK(admission(with(r, "auction_name",
                       "sale \xe2\x80\xae"
                       "gnp.exe"))
            .starts_with("auction_name: must not hold U+202E"));
  CHECK(admission(with(r, "auction_name", std::string("nul\0", 4)))
            .starts_with("auction_name: must not hold U+0000"));
  // The other ops carry no free text.
  CHECK(admission({{"op", "login"},
                   {"username", "bob"},
                   {"address", "h:1"},
                   {"public_key", std::string(64, 'a')}}) == "ok");
}

// Tests of the log's form of a request: the binary form of every write round-trips, decodes
// with the JSON form's rules (the same answers, the same errors), refuses what no leader
// writes, and applies exactly as the JSON form does.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/limits.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/entry_codec.hpp"
#include "harness.hpp"

namespace {

using nlohmann::json;
using namespace auction::platform;
using namespace std::string_literals;

const json link_of_carol = {{"round_id", 3},
                            {"withdrawn", json::array({{{"username", "carol"}}})},
                            {"note", "kept as the seller wrote it"}};

// One request of every write, in each shape its optional fields give it.
std::vector<json> writes() {
  return {
      {{"op", "login"},
       {"username", "a_b.c-9"},
       {"address", "example.org:65535"},
       {"public_key", std::string(64, 'a')}},
      {{"op", "rotate_key"},
       {"username", "bob"},
       {"public_key", std::string(64, 'b')},
       {"proof", std::string(128, 'c')}},
      {{"op", "create_auction"},
       {"seller", "alice"},
       {"auction_name", "sale \xc3\xa9t\xc3\xa9"},
       {"item_name", "lamp"},
       {"item_description", ""},
       {"base_price", 0},
       {"increment", 1},
       {"period_ms", 10},
       {"client_id", "c-1"},
       {"seq", 1}},
      {{"op", "create_auction"},
       {"seller", "alice"},
       {"auction_name", "sale"},
       {"item_name", "lamp"},
       {"item_description", "a brass lamp"},
       {"base_price", INT64_MAX - 1},
       {"increment", 1},
       {"period_ms", 60000}},
      {{"op", "join_auction"}, {"username", "bob"}, {"auction_id", UINT64_MAX}},
      {{"op", "quit_auction"}, {"username", "bob"}, {"auction_id", 1}},
      {{"op", "start_auction"}, {"seller", "alice"}, {"auction_id", 7}},
      {{"op", "cancel_auction"}, {"seller", "alice"}, {"auction_id", 7}},
      {{"op", "update_auction"},
       {"seller", "alice"},
       {"auction_id", 7},
       {"round_id", 0},
       {"current_price", 0},
       {"links_from", 0},
       {"links", json::array()}},
      {{"op", "update_auction"},
       {"seller", "alice"},
       {"auction_id", 7},
       {"round_id", UINT64_MAX},
       {"current_price", INT64_MAX},
       {"links_from", 2},
       {"links", json::array({link_of_carol})},
       {"client_id", std::string(64, 'z')},
       {"seq", UINT64_MAX}},
      {{"op", "finish_auction"},
       {"seller", "alice"},
       {"auction_id", 7},
       {"winner", nullptr},
       {"price", 1000},
       {"round_id", 0},
       {"links_from", 0},
       {"links", json::array()}},
      {{"op", "finish_auction"},
       {"seller", "alice"},
       {"auction_id", 7},
       {"winner", "bob"},
       {"price", 1300},
       {"round_id", 3},
       {"links_from", 0},
       {"links", json::array({link_of_carol})},
       {"chain_head", std::string(64, 'd')},
       {"signature", std::string(128, 'e')},
       {"client_id", "s.1"},
       {"seq", 9}},
      // Every term (the binary form's version 2).
      {{"op", "create_auction"},
       {"seller", "alice"},
       {"auction_name", "sale"},
       {"item_name", "lamp"},
       {"item_description", ""},
       {"base_price", 1000},
       {"increment", 50},
       {"period_ms", 1000},
       {"increment_steps", json::array({{{"from_price", 2000}, {"increment", 100}},
                                        {{"from_price", 10000}, {"increment", 500}}})},
       {"reserve", 5000},
       {"reserve_hidden", true},
       {"reserve_salt", std::string(32, 'f')},
       {"grace_rounds", 3}},
  };
}

Request decoded(const json& request) {
  auto r = decode_request(request);
  INFO(request.dump() << ": " << (r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  return std::move(*r);
}

// The error decode_entry() gives for `bytes`, as "code: message"; "" if it decoded.
std::string entry_error(std::string_view bytes) {
  const auto r = decode_entry(bytes);
  return r ? std::string() : r.error().code + ": " + r.error().message;
}

}  // namespace

TEST_CASE("entry codec: every write round-trips through the binary form", "[platform]") {
  for (const json& request : writes()) {
    INFO(request.dump());
    const Request r = decoded(request);
    const std::string bytes = encode_entry(r);
    CHECK(bytes.front() == '\x02');
    CHECK(bytes.size() < request.dump().size());
    const auto again = decode_entry(bytes);
    REQUIRE(again.has_value());
    CHECK(*again == r);
    CHECK(encode(*again) == encode(r));
  }
}

TEST_CASE("entry codec: reads keep the JSON form, and JSON entries of older logs still decode",
          "[platform]") {
  const Request read =
      decoded({{"op", "fetch_auctions"}, {"username", "bob"}, {"after_id", 3}, {"limit", 5}});
  const std::string bytes = encode_entry(read);
  CHECK(json::parse(bytes) == encode(read));
  CHECK(decode_entry(bytes).value() == read);
  for (const json& request : writes()) {
    CHECK(decode_entry(encode(decoded(request)).dump()).value() == decoded(request));
  }
  CHECK(entry_error("") == "bad_request: not valid JSON");
}

TEST_CASE(
    "entry codec: a binary entry no leader writes is refused, never half-read: every "
    "truncation, trailing bytes, unknown op codes, reads",
    "[platform]") {
  for (const json& request : writes()) {
    INFO(request.dump());
    const std::string bytes = encode_entry(decoded(request));
    for (std::size_t size = 1; size < bytes.size(); ++size) {
      INFO(size);
      CHECK_THAT(entry_error(bytes.substr(0, size)), Catch::StartsWith("bad_request"));
    }
    CHECK(entry_error(bytes + '\0') == "bad_request: 1 bytes follow the last field of the entry");
  }
  CHECK(entry_error("\x01\x63"s) == "bad_request: no write has op code 99");
  // get_user_address, op code 1: a read has no binary form.
  CHECK(entry_error("\x01\x01\x03"s + "bob\x00"s) == "bad_request: no write has op code 1");
  // A varint longer than 64 bits, and a presence byte that is neither 0 nor 1.
  CHECK_THAT(entry_error("\x01\x03\x03"s + "bob"s + std::string(10, '\xff')),
             Catch::StartsWith("bad_request: auction_id"));
  CHECK(entry_error("\x01\x03\x03"s + "bob\x07\x02"s) ==
        "bad_request: client_id: a presence byte is 0 or 1");
}

TEST_CASE("entry codec: the binary form is held to the rules of the JSON form, with its messages",
          "[platform]") {
  // Each bad value is written by hand into an otherwise valid entry, and must be refused
  // with the error decode_request() gives the same value in JSON.
  const auto binary_login = [](const std::string& username, const std::string& address) {
    std::string bytes = "\x01";
    bytes += '\x00';  // login
    for (const std::string* text : {&username, &address}) {
      bytes += static_cast<char>(text->size());
      bytes += *text;
    }
    bytes += '\x40';
    bytes += std::string(64, 'a');
    bytes += '\x00';  // no session
    return bytes;
  };
  const auto json_login = [](const std::string& username, const std::string& address) {
    return json{{"op", "login"},
                {"username", username},
                {"address", address},
                {"public_key", std::string(64, 'a')}};
  };
  REQUIRE(entry_error(binary_login("bob", "127.0.0.1:7000")).empty());
  for (const auto& [username, address] :
       std::vector<std::pair<std::string, std::string>>{{"bo b", "127.0.0.1:7000"},
                                                        {"", "127.0.0.1:7000"},
                                                        {std::string(33, 'b'), "127.0.0.1:7000"},
                                                        {"bob", "127.0.0.1:0"},
                                                        {"bob", "nowhere"}}) {
    const auto from_json = decode_request(json_login(username, address));
    REQUIRE_FALSE(from_json.has_value());
    CHECK(entry_error(binary_login(username, address)) ==
          from_json.error().code + ": " + from_json.error().message);
  }
  // A price below zero, an increment that cannot raise the price once.
  Request create = decoded(writes()[3]);
  auto& terms = std::get<CreateAuction>(create.command);
  terms.base_price = auction::Cents{INT64_MAX};
  const auto from_json = decode_request(encode(create));
  REQUIRE_FALSE(from_json.has_value());
  CHECK(entry_error(encode_entry(create)) ==
        from_json.error().code + ": " + from_json.error().message);
  terms.base_price = auction::Cents{-1};
  CHECK(entry_error(encode_entry(create)) == "invalid_argument: base_price: must be >= 0");
}

TEST_CASE("entry codec: a log of binary entries applies exactly as the same log in JSON",
          "[platform]") {
  using auction::test::Harness;
  Harness binary;
  Harness text;
  const auto apply_both = [&](const json& request) {
    const Request r = decoded(request);
    CHECK(binary.apply_bytes(encode_entry(r)) == text.apply_bytes(encode(r).dump()));
  };
  for (const char* user : {"alice", "bob", "carol"}) {
    apply_both({{"op", "login"},
                {"username", user},
                {"address", "127.0.0.1:7000"},
                {"public_key", Harness::key_of(user)}});
  }
  for (const json& request : writes()) {
    if (request["op"] != "login" && request["op"] != "rotate_key") apply_both(request);
  }
  apply_both({{"op", "create_auction"},
              {"seller", "alice"},
              {"auction_name", "sale"},
              {"item_name", "lamp"},
              {"item_description", ""},
              {"base_price", 1000},
              {"increment", 100},
              {"period_ms", 1000}});
  apply_both({{"op", "join_auction"}, {"username", "bob"}, {"auction_id", 3}});
  apply_both({{"op", "join_auction"}, {"username", "carol"}, {"auction_id", 3}});
  apply_both({{"op", "start_auction"}, {"seller", "alice"}, {"auction_id", 3}});
  apply_both(auction::test::update(3, 1, 1100, json::array({link_of_carol})));
  apply_both(auction::test::finish(3, "bob", 1200, 2, json::array(), 1));
  CHECK(binary.sm.snapshot() == text.sm.snapshot());
  CHECK(binary.sm.digest() == text.sm.digest());
}

TEST_CASE("entry codec: the binary form is byte for byte the documented one", "[platform]") {
  const std::string key(64, 'a');
  const Request login = decoded(
      {{"op", "login"}, {"username", "alice"}, {"address", "127.0.0.1:7000"}, {"public_key", key}});
  // Version, op code 0, three texts (varint length, bytes), no session.
  CHECK(encode_entry(login) ==
        "\x02\x00\x05"s + "alice" + "\x0e" + "127.0.0.1:7000" + "\x40" + key + "\x00"s);
  CHECK(encode_entry(login).size() == 89);
  // Version 1's bytes, as earlier versions wrote them, still decode.
  CHECK(decode_entry("\x01\x00\x05"s + "alice" + "\x0e" + "127.0.0.1:7000" + "\x40" + key + "\x00"s)
            .value() == login);
  // create_auction (op code 2): version 2 adds a presence byte for each of the six optional
  // terms after period_ms; version 1 has none, and its auction has the default terms.
  const json create = {{"op", "create_auction"}, {"seller", "al"},         {"auction_name", "s"},
                       {"item_name", "l"},       {"item_description", ""}, {"base_price", 0},
                       {"increment", 1},         {"period_ms", 10}};
  const std::string fields =
      "\x02"s + "al" + "\x01" + "s" + "\x01" + "l" + "\x00"s + "\x00"s + "\x02" + "\x14";
  CHECK(encode_entry(decoded(create)) ==
        "\x02\x02"s + fields + "\x00\x00\x00\x00\x00\x00"s + "\x00"s);
  CHECK(decode_entry("\x01\x02"s + fields + "\x00"s).value() == decoded(create));
  CHECK(entry_error("\x03\x02"s + fields + "\x00"s).starts_with("bad_request"));
  // join_auction (op code 3) of auction 300 (a two-byte varint) with session c-1 seq 1.
  const Request join = decoded({{"op", "join_auction"},
                                {"username", "bob"},
                                {"auction_id", 300},
                                {"client_id", "c-1"},
                                {"seq", 1}});
  CHECK(encode_entry(join) == "\x02\x03\x03"s + "bob" + "\xac\x02" + "\x01\x03" + "c-1" + "\x01");
  // update_auction's price is signed: zigzag, 1100 -> 2200.
  const Request update = decoded(auction::test::update(1, 1, 1100));
  CHECK(encode_entry(update) ==
        "\x02\x06\x05"s + "alice" + "\x01\x01" + "\x98\x11" + "\x01\x00"s + "\x01\x00"s + "\x00"s);
}

TEST_CASE("entry codec: links or a JSON entry nested deeper than the limit are refused unparsed",
          "[platform]") {
  // A stack of arrays one level past the limit, and one at the limit.
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  const std::size_t limit = auction::limits::json_depth_max;

  // The JSON form: the request itself nests too deep.
  const std::string deep_entry = R"({"op":"login","x":)" + nested(limit) + "}";
  const auto from_text = parse_request(deep_entry);
  REQUIRE_FALSE(from_text.has_value());
  CHECK(from_text.error().code == "bad_request");
  CHECK(from_text.error().message.find("nests deeper") != std::string::npos);

  // The binary form: one link of an update nests too deep.
  Request update = decoded(writes()[9]);
  auto& links = std::get<UpdateAuction>(update.command).links;
  links[0]["note"] = json::parse(nested(limit));
  CHECK(entry_error(encode_entry(update)).find("nests too deep") != std::string::npos);
  // One level less is the chain rules' to judge (a note is free JSON): it is parsed.
  links[0]["note"] = json::parse(nested(limit - 2));
  CHECK(entry_error(encode_entry(update)).find("nests too deep") == std::string::npos);
}

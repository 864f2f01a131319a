// Tests of StateMachine::check(): the refusal apply() would answer, decided without changing
// anything, and never a refusal for a retry that apply() would answer with its saved answer.
#include <catch2/catch.hpp>

#include <string>

#include "harness.hpp"

namespace {

using namespace auction::platform;
using namespace auction::test;

Request decoded(const json& request) {
  auto r = decode_request(request);
  REQUIRE(r.has_value());
  return *r;
}

// check()'s code for `request`: "" when it does not refuse.
std::string check_code(const Harness& h, const json& request) {
  const auto checked = h.sm.check(decoded(request));
  return checked ? std::string() : checked.error().code;
}

json tagged(json request, const std::string& client_id, std::uint64_t seq) {
  request["client_id"] = client_id;
  request["seq"] = seq;
  return request;
}

}  // namespace

TEST_CASE("platform: check() refuses what apply() refuses with the same code and changes nothing",
          "[platform][check]") {
  Harness h;
  const auto id = h.with_created_auction();
  const json created = {{"op", "start_auction"}, {"seller", "alice"}, {"auction_id", 2}};
  const json refused[] = {
      update(id, 1, 1100, json::array(), 0, "nobody"),                      // unknown_user
      {{"op", "join_auction"}, {"username", "dave"}, {"auction_id", 9}},    // unknown_auction
      {{"op", "start_auction"}, {"seller", "bob"}, {"auction_id", id}},     // not_owner
      update(id, 1, 1100),                                                  // wrong_stage
      {{"op", "quit_auction"}, {"username", "dave"}, {"auction_id", id}},   // not_joined
      {{"op", "join_auction"}, {"username", "alice"}, {"auction_id", id}},  // invalid_argument
      {{"op", "create_auction"},
       {"seller", "zed"},
       {"auction_name", "a"},
       {"item_name", "b"},
       {"item_description", ""},
       {"base_price", 1},
       {"increment", 1},
       {"period_ms", 100}},
      created,  // unknown_auction
  };
  for (const json& request : refused) {
    INFO(request.dump());
    const std::string digest = h.sm.digest();
    const std::string code = check_code(h, request);
    CHECK_FALSE(code.empty());
    CHECK(h.sm.digest() == digest);   // check() changed nothing
    CHECK(h.error(request) == code);  // apply() refuses the same way
  }
  // What apply() accepts, check() does not refuse.
  CHECK(check_code(h, {{"op", "join_auction"}, {"username", "dave"}, {"auction_id", id}}).empty());
  CHECK(check_code(h, {{"op", "login"},
                       {"username", "erin"},
                       {"address", "127.0.0.1:1"},
                       {"public_key", Harness::key_of("erin")}})
            .empty());
  CHECK(check_code(h, {{"op", "fetch_auctions"}, {"username", "nobody"}}).empty());  // a read
}

TEST_CASE("platform: check() judges the price and link rules of an update like apply()",
          "[platform][check]") {
  Harness h;
  const auto id = h.with_started_auction();
  CHECK(check_code(h, update(id, 1, 900)) == "invalid_argument");   // below the current price
  CHECK(check_code(h, update(id, 1, 5000)) == "invalid_argument");  // above the clock
  CHECK(check_code(h, update(id, 2, 1200)).empty());
  // The links: a gap after what is held, a stranger, a buyer withdrawn twice.
  CHECK(check_code(h, update(id, 2, 1200, json::array({silent_link(2, {"carol"})}), 1)) ==
        "transcript_invalid");
  CHECK(check_code(h, update(id, 2, 1200, json::array({silent_link(2, {"dave"})}))) ==
        "not_joined");
  CHECK(check_code(h, update(id, 2, 1200, json::array({silent_link(2, {"bob", "bob"})}))) ==
        "transcript_invalid");
  CHECK(check_code(h, update(id, 2, 1200, json::array({silent_link(2, {"carol"})}))).empty());
  h.ok(update(id, 2, 1200));
  // An overtaken update is not refused: apply() answers it with applied: false.
  CHECK(check_code(h, update(id, 1, 1100)).empty());
  CHECK(h.ok(update(id, 1, 1100)).at("applied") == false);
}

TEST_CASE(
    "platform: check() never refuses a retry of a session's applied write even when the "
    "state now refuses the command (apply() replays its answer)",
    "[platform][check][sessions]") {
  Harness h;
  const auto id = h.with_created_auction();
  const json start =
      tagged({{"op", "start_auction"}, {"seller", "alice"}, {"auction_id", id}}, "alice-1", 1);
  const std::string first = h.apply_bytes(start.dump());
  CHECK(json::parse(first).at("ok") == true);
  // Sent fresh, the same command is now refused (the auction has started) ...
  CHECK(check_code(h, {{"op", "start_auction"}, {"seller", "alice"}, {"auction_id", id}}) ==
        "wrong_stage");
  // ... but its retry is not refused, and apply() answers it with the saved answer.
  CHECK(check_code(h, start).empty());
  CHECK(h.apply_bytes(start.dump()) == first);
  // The session's next seq is judged on the state: refused.
  CHECK(check_code(h, tagged(start, "alice-1", 2)) == "wrong_stage");
  // The session rules themselves refuse as apply() does.
  h.ok(tagged(update(id, 1, 1100), "alice-1", 3));
  CHECK(check_code(h, tagged(update(id, 2, 1200), "alice-1", 2)) == "stale_request");
  CHECK(check_code(h, tagged(update(id, 2, 1200), "alice-2", 2)) == "session_expired");
}

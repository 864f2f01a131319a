// Tests of the peer message codecs (auction/market/peer_messages.hpp) and of the state and
// result codecs (auction_state.hpp, finish_record.hpp): round trips, the compact announcement,
// the JSON on the wire, and the rejection of every bad field.
#include <catch2/catch.hpp>

#include <fstream>

#include "auction/identity/sha256.hpp"
#include "auction/market/auction_state.hpp"
#include "auction/market/peer_messages.hpp"

using namespace auction;
using namespace auction::market;
using auction::Cents;
using auction::RoundId;
using nlohmann::json;

namespace {

// Through text and back, as the bytes travel.
json over_the_wire(const json& j) { return json::parse(j.dump()); }

const std::vector<BuyerEntry> some_buyers = {{"amy", BuyerStatus::active},
                                             {"bob.b", BuyerStatus::withdrawn_silent},
                                             {"cat_9", BuyerStatus::withdrawn_max_price},
                                             {"D-x", BuyerStatus::withdrawn_by_request}};

// The signed fields every message carries now (their checks are in signed_peer_messages_test).
const std::string some_head = identity::sha256("a chain head").to_text();
const std::string some_signature = std::string(128, 'a');

json announce_line() {
  json j = json::parse(R"({"auction_id":4,"round_id":3,"price":1300,
    "buyers":[{"username":"amy","active":true},{"username":"bob","active":false,"reason":"silent"}]})");
  j["chain_head"] = some_head;
  j["signature"] = some_signature;
  return j;
}

json withdraw_line(json fields) {
  json j = {{"auction_id", 4}, {"round_id", 3}, {"price", 1300}, {"signature", some_signature}};
  j.update(fields);
  return j;
}

json seller_back_line(json fields) {
  json j = {{"auction_id", 4}, {"round_id", 3}, {"signature", some_signature}};
  j.update(fields);
  return j;
}

// `code` and a message naming `field`.
void check_error(const auction::Result<AnnouncePrice>& r, const std::string& code,
                 const std::string& field) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == code);
  CHECK_THAT(r.error().message, Catch::Contains(field));
}

}  // namespace

TEST_CASE("market: every peer message survives a round trip", "[market][protocol]") {
  const AnnouncePrice a{AuctionId{4}, 12, Cents(2200), some_buyers, false, {}, {}};
  CHECK(decode_announce_price(over_the_wire(encode(a))).value() == a);

  const FinishRecord f{AuctionId{4}, 12, "amy", Cents(2200), some_buyers};
  CHECK(decode_finish_record(over_the_wire(encode(f))).value() == f);
  const FinishRecord unsold{AuctionId{5}, 0, std::nullopt, Cents(0), {}};
  CHECK(decode_finish_record(over_the_wire(encode(unsold))).value() == unsold);

  const SellerBack s{AuctionId{4}, "sam", "127.0.0.1:7001", 3, {}};
  CHECK(decode_seller_back(over_the_wire(encode(s))).value() == s);

  const PeerAck ack{AuctionId{4}, 12, false, {}};
  CHECK(decode_peer_ack(over_the_wire(encode(ack))).value() == ack);

  for (auto reason : {WithdrawReason::by_request, WithdrawReason::max_price}) {
    const WithdrawRequest w{AuctionId{4}, "amy", reason, 3, Cents(1300), {}};
    CHECK(decode_withdraw_request(over_the_wire(encode(w))).value() == w);
  }
  for (auto o : {WithdrawOutcome::withdrawn, WithdrawOutcome::already_withdrawn,
                 WithdrawOutcome::you_are_the_winner, WithdrawOutcome::not_joined,
                 WithdrawOutcome::not_started, WithdrawOutcome::already_finished}) {
    CHECK(decode_withdraw_reply(over_the_wire(encode(WithdrawReply{o}))).value().outcome == o);
  }
  // Also straight from the encoder, where numbers are still signed.
  CHECK(decode_announce_price(encode(a)).value() == a);
}

TEST_CASE("market: an auction id travels as a plain JSON integer", "[market][protocol]") {
  const std::string no_signature = identity::Signature{}.to_text();
  CHECK(encode(PeerAck{AuctionId{4}, 12, false, {}}) ==
        json{{"auction_id", 4}, {"round_id", 12}, {"signature", no_signature}});
  CHECK(encode(SellerBack{AuctionId{7}, "sam", "127.0.0.1:7001", 0, {}})["auction_id"] == 7);
  CHECK(encode(FinishRecord{AuctionId{5}, 0, std::nullopt, Cents(0), {}}).dump() ==
        R"({"auction_id":5,"buyers":[],"price":0,"round_id":0})");
  CHECK(decode_peer_ack(json{{"auction_id", 18446744073709551615u},
                             {"round_id", 1},
                             {"signature", some_signature}})
            .value()
            .auction_id == AuctionId{18446744073709551615u});
  CHECK(decode_peer_ack(json{{"auction_id", "4"}, {"round_id", 1}, {"signature", some_signature}})
            .error()
            .code == "bad_request");
  CHECK(decode_peer_ack(json{{"auction_id", -4}, {"round_id", 1}, {"signature", some_signature}})
            .error()
            .code == "invalid_argument");
}

TEST_CASE("market: an auction state survives a round trip", "[market][protocol]") {
  const AuctionState s{AuctionId{4}, Stage::running, 6,           Cents(1000),
                       Cents(50),    Cents(1300),    some_buyers, std::nullopt};
  CHECK(decode_auction_state(over_the_wire(encode(s))).value() == s);
  AuctionState done = s;
  done.stage = Stage::finished;
  done.winner = "amy";
  CHECK(decode_auction_state(over_the_wire(encode(done))).value() == done);
  json bad_stage = encode(s);
  bad_stage["stage"] = "paused";
  CHECK(decode_auction_state(bad_stage).error().code == "invalid_argument");
}

TEST_CASE("market: the documented announce line decodes", "[market][protocol]") {
  auto a = decode_announce_price(announce_line()).value();
  CHECK(a.round_id == 3);
  CHECK(a.buyers[1] == BuyerEntry{"bob", BuyerStatus::withdrawn_silent});
}

TEST_CASE("market: a missing or ill-typed field is bad_request naming the field",
          "[market][protocol]") {
  check_error(decode_announce_price(json::array()), "bad_request", "announce_price");
  for (const char* field : {"auction_id", "round_id", "price", "buyers"}) {
    json j = announce_line();
    j.erase(field);
    check_error(decode_announce_price(j), "bad_request", field);
    j[field] = "12";
    check_error(decode_announce_price(j), "bad_request", field);
  }
  json fractional = announce_line();
  fractional["price"] = 12.5;
  check_error(decode_announce_price(fractional), "bad_request", "price");
  json no_active = announce_line();
  no_active["buyers"][0].erase("active");
  check_error(decode_announce_price(no_active), "bad_request", "buyers[0].active");
  json not_object = announce_line();
  not_object["buyers"][1] = "bob";
  check_error(decode_announce_price(not_object), "bad_request", "buyers[1]");
  json no_reason = announce_line();
  no_reason["buyers"][1].erase("reason");
  check_error(decode_announce_price(no_reason), "bad_request", "buyers[1].reason");
}

TEST_CASE("market: a value out of range is invalid_argument naming the field",
          "[market][protocol]") {
  json negative = announce_line();
  negative["price"] = -1;
  check_error(decode_announce_price(negative), "invalid_argument", "price");
  json huge = announce_line();
  huge["price"] = std::uint64_t{1} << 63;
  check_error(decode_announce_price(huge), "invalid_argument", "price");
  json negative_round = announce_line();
  negative_round["round_id"] = -3;
  check_error(decode_announce_price(negative_round), "invalid_argument", "round_id");

  for (const char* bad_name :
       {"", "has space", "semi;colon", "é", "abcdefghijabcdefghijabcdefghijabc"}) {
    INFO(bad_name);
    json j = announce_line();
    j["buyers"][0]["username"] = bad_name;
    check_error(decode_announce_price(j), "invalid_argument", "buyers[0].username");
  }
  json repeated = announce_line();
  repeated["buyers"][1]["username"] = "amy";
  check_error(decode_announce_price(repeated), "invalid_argument", "buyers[1].username");
  json bad_reason = announce_line();
  bad_reason["buyers"][1]["reason"] = "bored";
  check_error(decode_announce_price(bad_reason), "invalid_argument", "buyers[1].reason");
  json active_reason = announce_line();
  active_reason["buyers"][0]["reason"] = "silent";
  check_error(decode_announce_price(active_reason), "invalid_argument", "buyers[0].reason");

  json too_many = announce_line();
  too_many["buyers"] = json::array();
  for (std::size_t i = 0; i <= auction::limits::buyers_per_auction_max; ++i) {
    too_many["buyers"].push_back({{"username", "b" + std::to_string(i)}, {"active", true}});
  }
  check_error(decode_announce_price(too_many), "invalid_argument", "buyers");
  too_many["buyers"].erase(too_many["buyers"].size() - 1);
  CHECK(decode_announce_price(too_many).has_value());  // exactly at the limit is fine
}

TEST_CASE(
    "market: a finish record names one winner -- the only active buyer -- or none when the "
    "reserve was not met",
    "[market][protocol]") {
  const FinishRecord good{AuctionId{4},
                          3,
                          "amy",
                          Cents(1300),
                          {{"amy", BuyerStatus::active}, {"bob", BuyerStatus::withdrawn_silent}}};
  // No winner and nobody in: the reserve was not met (the rules decide whether it was; the
  // record only keeps its shape). No winner while one is still in is refused.
  json no_winner = encode(good);
  no_winner.erase("winner");
  CHECK(decode_finish_record(no_winner).error().code == "invalid_argument");
  json nobody_in = no_winner;
  nobody_in["buyers"][0] = {{"username", "amy"}, {"active", false}, {"reason", "by_request"}};
  CHECK(decode_finish_record(nobody_in).value().reserve_not_met());
  json wrong_winner = encode(good);
  wrong_winner["winner"] = "bob";
  CHECK(decode_finish_record(wrong_winner).error().code == "invalid_argument");
  json two_active = encode(good);
  two_active["buyers"][1] = {{"username", "bob"}, {"active", true}};
  CHECK(decode_finish_record(two_active).error().code == "invalid_argument");
  json stranger = encode(good);
  stranger["winner"] = "zoe";
  CHECK(decode_finish_record(stranger).error().code == "invalid_argument");
}

TEST_CASE("market: withdraw and seller_back fields are checked", "[market][protocol]") {
  CHECK(decode_withdraw_request(withdraw_line({{"username", "amy"}})).value().reason ==
        WithdrawReason::by_request);
  CHECK(decode_withdraw_request(withdraw_line({{"username", "a b"}})).error().code ==
        "invalid_argument");
  CHECK(decode_withdraw_request(withdraw_line({{"username", "amy"}, {"reason", "bored"}}))
            .error()
            .code == "invalid_argument");
  json no_auction = withdraw_line({{"username", "amy"}});
  no_auction.erase("auction_id");
  CHECK(decode_withdraw_request(no_auction).error().code == "bad_request");
  CHECK(decode_seller_back(seller_back_line({{"seller", "sam"}, {"address", "a b:1"}}))
            .error()
            .code == "invalid_argument");
  CHECK(
      decode_seller_back(seller_back_line({{"seller", "sam"}, {"address", std::string(256, 'a')}}))
          .error()
          .code == "invalid_argument");
  CHECK(decode_withdraw_reply(json{{"outcome", "maybe"}}).error().code == "invalid_argument");
  CHECK(decode_peer_ack(json{{"auction_id", 4}}).error().code == "bad_request");

  // What a peer could put on the other side's terminal: no control or bidirectional
  // character gets in through a username or an address.
  for (const std::string& bad :
       {std::string("sam\x1b[2J"), std::string("sam\n"), std::string("sam\xe2\x80\xae")}) {
    INFO(bad);
    CHECK(
        decode_seller_back(seller_back_line({{"seller", bad}, {"address", "h:1"}})).error().code ==
        "invalid_argument");
    CHECK(decode_seller_back(seller_back_line({{"seller", "sam"}, {"address", bad + ":1"}}))
              .error()
              .code == "invalid_argument");
    CHECK(decode_withdraw_request(withdraw_line({{"username", bad}})).error().code ==
          "invalid_argument");
  }
}

TEST_CASE("market: every example line in docs/auction.md decodes as one of our messages",
          "[market][protocol]") {
  std::ifstream doc(std::string(AUCTION_SOURCE_DIR) + "/docs/auction.md");
  REQUIRE(doc.good());
  std::string line;
  bool in_json = false;
  int examples = 0;
  while (std::getline(doc, line)) {
    if (line.starts_with("```")) {
      in_json = line == "```json";
      continue;
    }
    if (!in_json) continue;
    INFO(line);
    const json j = json::parse(line);
    // Pick the decoder by the fields that only one kind of line has.
    bool decodes = false;
    if (j.contains("stage")) {
      decodes = decode_auction_state(j).has_value();
    } else if (j.contains("winner")) {
      decodes = decode_finish_record(j).has_value();
    } else if (j.contains("buyers")) {
      decodes = decode_announce_price(j).has_value();
    } else if (j.contains("seller")) {
      decodes = decode_seller_back(j).has_value();
    } else if (j.contains("username")) {
      decodes = decode_withdraw_request(j).has_value();
    } else if (j.contains("outcome")) {
      decodes = decode_withdraw_reply(j).has_value();
    } else {
      decodes = decode_peer_ack(j).has_value();
    }
    CHECK(decodes);
    ++examples;
  }
  CHECK(examples >= 9);
}

// The compact announcement (docs/auction.md, "Compact announcements").

TEST_CASE("market: a compact announcement survives a round trip and lists withdrawn buyers only",
          "[market][protocol]") {
  const AnnouncePrice a{AuctionId{4}, 7,  Cents(1700), {{"bob", BuyerStatus::withdrawn_silent}},
                        true,         {}, {}};
  const json encoded = encode(a);
  CHECK(encoded.contains("withdrawn"));
  CHECK_FALSE(encoded.contains("buyers"));
  CHECK(decode_announce_price(over_the_wire(encoded)).value() == a);

  auto active = json::parse(
      R"({"auction_id":4,"round_id":3,"price":1300,"withdrawn":[{"username":"amy","active":true}]})");
  active["chain_head"] = some_head;
  active["signature"] = some_signature;
  auto rejected = decode_announce_price(active);
  REQUIRE_FALSE(rejected.has_value());
  CHECK(rejected.error().code == "invalid_argument");
  CHECK_THAT(rejected.error().message, Catch::Contains("announce_price.withdrawn[0]"));

  // Neither list: the full form's field is the one reported missing.
  auto neither = decode_announce_price(json::parse(R"({"auction_id":4,"round_id":3,"price":1})"));
  REQUIRE_FALSE(neither.has_value());
  CHECK_THAT(neither.error().message, Catch::Contains("announce_price.buyers"));
}

TEST_CASE("market: an ack says has_buyers only when set, and an ack without it decodes as false",
          "[market][protocol]") {
  const PeerAck with{AuctionId{4}, 12, true, {}};
  CHECK(decode_peer_ack(over_the_wire(encode(with))).value() == with);
  CHECK_FALSE(encode(PeerAck{AuctionId{4}, 12, false, {}}).contains("has_buyers"));
  const json plain = {{"auction_id", 4}, {"round_id", 12}, {"signature", some_signature}};
  CHECK(decode_peer_ack(plain).value().has_buyers == false);
  json odd = plain;
  odd["has_buyers"] = 1;
  CHECK(decode_peer_ack(odd).error().code == "bad_request");
}

// Tests of the signed fields of the peer messages (auction/market/peer_messages.hpp):
// chain_head and signature on announce_price, signature on the ack, round_id, price and
// signature on withdraw, round_id and signature on seller_back, and SignedFinish with
// decode_signed_finish: round trips, and every malformed field refused naming the field.
// A signature that travels still verifies at the other end.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/market/peer_messages.hpp"
#include "auction/market/peer_signatures.hpp"
#include "signed_chain_fixture.hpp"

using namespace auction;
using namespace auction::market;
using namespace auction::market::chain_test;
using identity::SigningPurpose;
using nlohmann::json;

namespace {

json over_the_wire(const json& j) { return json::parse(j.dump()); }

const identity::Sha256Digest head = identity::sha256("the head");

AnnouncePrice signed_announcement() {
  AnnouncePrice m;
  m.auction_id = the_auction;
  m.round_id = 4;
  m.price = price_of(4);
  m.buyers = {{"amy", BuyerStatus::active},
              {"bob", BuyerStatus::withdrawn_silent},
              {"cat", BuyerStatus::withdrawn_max_price}};
  m.chain_head = head;
  m.signature =
      sign_statement(signer_of("sam"), SigningPurpose::announcement, announcement_statement(m));
  return m;
}

WithdrawRequest signed_withdraw(WithdrawReason reason) {
  WithdrawRequest m{the_auction, "amy", reason, 3, price_of(3), {}};
  m.signature =
      sign_statement(signer_of("amy"), SigningPurpose::withdraw,
                     withdraw_statement(m.auction_id, m.username, m.reason, m.round_id, m.price));
  return m;
}

SellerBack signed_seller_back() {
  SellerBack m{the_auction, "sam", "127.0.0.1:7000", 6, {}};
  m.signature =
      sign_statement(signer_of("sam"), SigningPurpose::seller_back, seller_back_statement(m));
  return m;
}

PeerAck signed_ack(bool has_buyers) {
  PeerAck m{the_auction, 4, has_buyers, {}};
  m.signature = sign_statement(
      signer_of("amy"), SigningPurpose::ack,
      ack_statement(the_auction, "amy", 4,
                    identity::sha256(announcement_statement(signed_announcement()))));
  return m;
}

template <class T, class Decode>
T round_trip(const T& message, Decode decode) {
  auto back = decode(over_the_wire(encode(message)));
  REQUIRE(back.has_value());
  CHECK(*back == message);
  return *back;
}

// Checks, for each of `fields` of `good`, that a missing, ill-typed or malformed hex value is
// refused naming "<context>.<field>".
template <class Decode>
void check_hex_fields(const json& good, Decode decode, const std::string& context,
                      const std::vector<std::pair<std::string, std::size_t>>& fields) {
  REQUIRE(decode(good).has_value());
  for (const auto& [field, digits] : fields) {
    const std::string path = context + "." + field;
    INFO("field " << path);
    json j = good;
    j.erase(field);
    check_refused(decode(j), "bad_request", path);
    j[field] = nullptr;
    check_refused(decode(j), "bad_request", path);
    j[field] = 17;
    check_refused(decode(j), "bad_request", path);
    j[field] = json::array();
    check_refused(decode(j), "bad_request", path);
    for (const std::string& bad :
         {std::string(), std::string(digits - 1, 'a'), std::string(digits + 1, 'a'),
          std::string(digits, 'F'), std::string(digits - 1, '0') + "g",
          std::string(digits - 2, '0') + "0x", std::string(digits - 1, '0') + " "}) {
      INFO("text " << bad);
      j[field] = bad;
      check_refused(decode(j), "invalid_argument", path);
    }
    j[field] = std::string(digits, '0');
    CHECK(decode(j).has_value());
  }
}

}  // namespace

TEST_CASE("market: a signed announcement survives a round trip in both forms",
          "[market][protocol][signatures]") {
  const AnnouncePrice full = signed_announcement();
  const json j = encode(full);
  CHECK(j["chain_head"] == head.to_text());
  CHECK(j["signature"] == full.signature.to_text());
  CHECK(j.contains("buyers"));
  CHECK_FALSE(j.contains("withdrawn"));
  const AnnouncePrice back = round_trip(full, decode_announce_price);
  CHECK(verify_statement(keys_of("sam")->public_key(), cluster, SigningPurpose::announcement,
                         announcement_statement(back), back.signature));

  AnnouncePrice compact = full;
  compact.is_compact = true;
  compact.buyers = {{"bob", BuyerStatus::withdrawn_silent},
                    {"cat", BuyerStatus::withdrawn_max_price}};
  const json cj = encode(compact);
  CHECK(cj.contains("withdrawn"));
  CHECK_FALSE(cj.contains("buyers"));
  CHECK(cj["chain_head"] == head.to_text());
  const AnnouncePrice compact_back = round_trip(compact, decode_announce_price);
  CHECK(compact_back.is_compact);
  auto expanded = expand_compact(compact_back, {"amy", "bob", "cat"});
  REQUIRE(expanded.has_value());
  CHECK(verify_statement(keys_of("sam")->public_key(), cluster, SigningPurpose::announcement,
                         announcement_statement(*expanded), expanded->signature));
}

TEST_CASE("market: signed acks withdraw requests and seller_back survive a round trip",
          "[market][protocol][signatures]") {
  for (bool has_buyers : {false, true}) {
    const PeerAck ack = signed_ack(has_buyers);
    const json j = encode(ack);
    CHECK(j["signature"] == ack.signature.to_text());
    CHECK(j.contains("has_buyers") == has_buyers);
    round_trip(ack, decode_peer_ack);
  }

  for (WithdrawReason reason : {WithdrawReason::by_request, WithdrawReason::max_price}) {
    const WithdrawRequest w = signed_withdraw(reason);
    const json j = encode(w);
    CHECK(j["round_id"] == 3);
    CHECK(j["price"] == 1300);
    CHECK(j["reason"] == std::string(to_string(reason)));
    const WithdrawRequest back = round_trip(w, decode_withdraw_request);
    // The proof the seller keeps checks from the decoded fields alone.
    CHECK(verify_statement(
        keys_of("amy")->public_key(), cluster, SigningPurpose::withdraw,
        withdraw_statement(back.auction_id, back.username, back.reason, back.round_id, back.price),
        back.signature));
  }
  // The reason is optional and means by_request.
  json no_reason = encode(signed_withdraw(WithdrawReason::by_request));
  no_reason.erase("reason");
  CHECK(decode_withdraw_request(no_reason).value() == signed_withdraw(WithdrawReason::by_request));

  const SellerBack back = round_trip(signed_seller_back(), decode_seller_back);
  CHECK(encode(back)["round_id"] == 6);
  CHECK(verify_statement(keys_of("sam")->public_key(), cluster, SigningPurpose::seller_back,
                         seller_back_statement(back), back.signature));

  CHECK(round_trip(WithdrawReply{WithdrawOutcome::you_are_the_winner}, decode_withdraw_reply)
            .outcome == WithdrawOutcome::you_are_the_winner);
}

TEST_CASE("market: a signed finish survives a round trip sold or unsold",
          "[market][protocol][signatures]") {
  const SignedFinish sold = signed_finish(honest_record(), head);
  const json j = encode(sold);
  // The record's own fields, plus the two signed ones.
  CHECK(j["winner"] == "dan");
  CHECK(j["round_id"] == 5);
  CHECK(j["price"] == 1500);
  CHECK(j["chain_head"] == head.to_text());
  CHECK(j["signature"] == sold.signature.to_text());
  const SignedFinish back = round_trip(sold, decode_signed_finish);
  CHECK(decode_finish_record(j).value() == sold.record);
  CHECK(verify_statement(keys_of("sam")->public_key(), cluster, SigningPurpose::auction_finished,
                         finished_statement(back.record, back.chain_head), back.signature));

  const SignedFinish unsold =
      signed_finish(FinishRecord{AuctionId{9}, 0, std::nullopt, Cents(500), {}}, head);
  CHECK_FALSE(encode(unsold).contains("winner"));
  round_trip(unsold, decode_signed_finish);
}

TEST_CASE("market: malformed signed fields of peer messages are refused naming the field",
          "[market][protocol][signatures]") {
  check_hex_fields(encode(signed_announcement()), decode_announce_price, "announce_price",
                   {{"chain_head", 64}, {"signature", 128}});
  AnnouncePrice compact = signed_announcement();
  compact.is_compact = true;
  compact.buyers = {{"bob", BuyerStatus::withdrawn_silent}};
  check_hex_fields(encode(compact), decode_announce_price, "announce_price",
                   {{"chain_head", 64}, {"signature", 128}});
  check_hex_fields(encode(signed_ack(true)), decode_peer_ack, "ack", {{"signature", 128}});
  check_hex_fields(encode(signed_withdraw(WithdrawReason::max_price)), decode_withdraw_request,
                   "withdraw", {{"signature", 128}});
  check_hex_fields(encode(signed_seller_back()), decode_seller_back, "seller_back",
                   {{"signature", 128}});
  check_hex_fields(encode(signed_finish(honest_record(), head)), decode_signed_finish,
                   "auction_finished", {{"chain_head", 64}, {"signature", 128}});
}

TEST_CASE("market: the new round and price fields of peer messages are checked",
          "[market][protocol][signatures]") {
  const json withdraw = encode(signed_withdraw(WithdrawReason::by_request));
  for (const char* field : {"round_id", "price"}) {
    json j = withdraw;
    j.erase(field);
    check_refused(decode_withdraw_request(j), "bad_request", std::string("withdraw.") + field);
    j[field] = "3";
    check_refused(decode_withdraw_request(j), "bad_request", std::string("withdraw.") + field);
    j[field] = 2.5;
    check_refused(decode_withdraw_request(j), "bad_request", std::string("withdraw.") + field);
    j[field] = -1;
    check_refused(decode_withdraw_request(j), "invalid_argument", std::string("withdraw.") + field);
  }
  json huge_price = withdraw;
  huge_price["price"] = std::uint64_t{1} << 63;
  check_refused(decode_withdraw_request(huge_price), "invalid_argument", "withdraw.price");
  json silent = withdraw;
  silent["reason"] = "silent";  // the seller's verdict, never a buyer's request
  check_refused(decode_withdraw_request(silent), "invalid_argument", "withdraw.reason");

  json seller_back = encode(signed_seller_back());
  seller_back.erase("round_id");
  check_refused(decode_seller_back(seller_back), "bad_request", "seller_back.round_id");
  seller_back["round_id"] = -2;
  check_refused(decode_seller_back(seller_back), "invalid_argument", "seller_back.round_id");

  for (const json& not_object : {json::array(), json("x"), json(nullptr), json(5)}) {
    CHECK(decode_announce_price(not_object).error().code == "bad_request");
    CHECK(decode_peer_ack(not_object).error().code == "bad_request");
    CHECK(decode_withdraw_request(not_object).error().code == "bad_request");
    CHECK(decode_seller_back(not_object).error().code == "bad_request");
    CHECK(decode_signed_finish(not_object).error().code == "bad_request");
  }
}

TEST_CASE("market: a signed finish keeps the record's own checks",
          "[market][protocol][signatures]") {
  const json good = encode(signed_finish(honest_record(), head));
  json wrong_winner = good;
  wrong_winner["winner"] = "cat";
  check_refused(decode_signed_finish(wrong_winner), "invalid_argument", "auction_finished");
  json two_in = good;
  two_in.erase("winner");
  for (json& b : two_in["buyers"]) b = {{"username", b["username"]}, {"active", true}};
  check_refused(decode_signed_finish(two_in), "invalid_argument", "auction_finished.buyers");
  json no_buyers = good;
  no_buyers.erase("buyers");
  check_refused(decode_signed_finish(no_buyers), "bad_request", "auction_finished.buyers");
  json repeated = good;
  repeated["buyers"][1]["username"] = "amy";
  check_refused(decode_signed_finish(repeated), "invalid_argument", "auction_finished.buyers[1]");
}

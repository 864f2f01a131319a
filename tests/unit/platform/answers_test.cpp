// Tests of the one codec both ends share: every command through the client's encoding and
// the replica's decoding, every answer the state machine gives through the clients' decoder
// (which must give it back field for field), and malformed answers.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/platform/answers.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/views.hpp"
#include "harness.hpp"
#include "wire/envelope.hpp"

namespace {

using namespace auction::platform;
using namespace auction::test;
using auction::AuctionId;
using auction::Cents;

// One of every command, each field away from its default.
std::vector<Command> every_command() {
  return {
      Login{"a_b.c-9", "example.org:65535", std::string(64, 'a')},
      GetUserAddress{"bob"},
      CreateAuction{"alice", "spring sale", "lamp", "a brass lamp, \"as new\" \xc3\xa9",
                    Cents{1000}, Cents{100}, 250},
      JoinAuction{"bob", AuctionId{7}},
      QuitAuction{"bob", AuctionId{7}},
      StartAuction{"alice", AuctionId{7}},
      UpdateAuction{"alice", AuctionId{7}, 3, Cents{1300}, 2,
                    json::array({silent_link(2, {"carol"})})},
      FinishAuction{"alice", AuctionId{7}, "bob", Cents{1300}, 3, 1,
                    json::array({silent_link(2, {"carol"})}), std::string(64, 'd'),
                    std::string(128, 'e')},
      FinishAuction{"alice", AuctionId{7}, std::nullopt, Cents{1300}, 3, 0, json::array(),
                    std::string(64, 'd'), std::string(128, 'e')},
      CancelAuction{"alice", AuctionId{7}},
      FetchAuctions{"bob", AuctionId{4}, 2, false},
      FetchAuctions{"bob", AuctionId{4}, 2, true},
      RotateKey{"bob", std::string(64, 'b'), std::string(128, 'c')},
      GetTranscript{"bob", AuctionId{7}},
      FetchBuyers{"bob", AuctionId{7}, "", 10},
      FetchBuyers{"bob", AuctionId{7}, "carol", 1000},
      FetchLinks{"bob", AuctionId{7}, 3, 12},
  };
}

// The request as the replica receives it from platform::Client: encode_fields() and the op
// in one wire frame (plus the session tag writes carry), read back by the envelope parser.
auction::Result<Request> as_the_replica_reads(const Command& command,
                                              std::optional<SessionTag> session) {
  json fields = encode_fields(command);
  if (session) {
    fields["client_id"] = session->client_id;
    fields["seq"] = session->seq;
  }
  const std::string line = auction::wire::encode_request(41, op_name(command), fields);
  auto parsed = auction::wire::parse_request(line.substr(0, line.size() - 1));
  REQUIRE(parsed.has_value());
  json body = std::move(parsed->body);
  body["op"] = parsed->op;
  return decode_request(body);
}

// The answer to `command`, applied to (or, for a read, served by) `h` the way the replica
// does it, then decoded as the client decodes it. Checks that encoding the decoded answer
// gives the very bytes the replica sent.
template <class C>
AnswerTo<C> answer_to(Harness& h, const C& command) {
  const Command any = command;
  std::string text;
  if (is_read(op_name(any))) {
    auto served = h.sm.query_text(any);
    REQUIRE(served.has_value());
    text = *served;
  } else {
    const json answer = h.apply(encode(Request{any, std::nullopt}));
    INFO(answer.dump());
    REQUIRE(answer.at("ok") == true);
    text = answer.at("result").dump();
  }
  INFO(op_name(any) << " answered " << text);
  auto decoded = decode_answer<AnswerTo<C>>(json::parse(text));
  REQUIRE(decoded.has_value());
  CHECK(encode_answer(*decoded).dump() == text);
  return *decoded;
}

AuctionView sale_view(AuctionId id, Stage stage, Role role) {
  AuctionView v;
  v.auction_id = id;
  v.auction_name = "spring sale";
  v.item_name = "lamp";
  v.item_description = "a brass lamp";
  v.seller = "alice";
  v.base_price = Cents{1000};
  v.increment = Cents{100};
  v.period_ms = 1000;
  v.stage = stage;
  v.role = role;
  return v;
}

AuctionView::Progress progress(std::uint64_t round, Cents price, std::uint64_t buyers,
                               std::uint64_t active) {
  return AuctionView::Progress{round, price, buyers, active};
}

std::string code_of(const auction::Result<CreatedAuction>& decoded) {
  return decoded ? std::string("ok") : decoded.error().code;
}

}  // namespace

TEST_CASE("platform: every command survives the client's encoding and the replica's decoding",
          "[platform][answers]") {
  for (const Command& command : every_command()) {
    INFO(encode(Request{command, std::nullopt}).dump());
    auto read = as_the_replica_reads(command, std::nullopt);
    REQUIRE(read.has_value());
    CHECK(*read == Request{command, std::nullopt});
    const SessionTag tag{"c-0123456789abcdef", 12};
    auto tagged = as_the_replica_reads(command, tag);
    REQUIRE(tagged.has_value());
    CHECK(tagged->command == command);
    if (!is_read(op_name(command))) CHECK(tagged->session == tag);
  }
}

TEST_CASE("platform: every answer the state machine gives decodes to the typed answer",
          "[platform][answers]") {
  Harness h;
  CHECK(answer_to(h, Login{"alice", "127.0.0.1:7001", Harness::key_of("alice")}) ==
        LoggedIn{"alice", "127.0.0.1:7001", true});
  CHECK(answer_to(h, Login{"alice", "127.0.0.1:7001", Harness::key_of("alice")}) ==
        LoggedIn{"alice", "127.0.0.1:7001", false});
  h.login("bob", "127.0.0.1:7002");
  h.login("carol", "127.0.0.1:7003");
  h.login("dave", "127.0.0.1:7004");
  CHECK(answer_to(h, GetUserAddress{"bob"}) ==
        UserAddress{"bob", "127.0.0.1:7002", Harness::key_of("bob")});

  const CreateAuction sale{"alice",     "spring sale", "lamp", "a brass lamp",
                           Cents{1000}, Cents{100},    1000};
  const AuctionId id = answer_to(h, sale).auction_id;
  CHECK(id == AuctionId{1});
  CHECK(answer_to(h, JoinAuction{"bob", id}) == JoinedAuction{id, false});
  CHECK(answer_to(h, JoinAuction{"bob", id}) == JoinedAuction{id, true});
  h.join("carol", id.value);
  h.join("dave", id.value);
  CHECK(answer_to(h, QuitAuction{"dave", id}) == LeftAuction{id});

  AuctionView started = sale_view(id, Stage::started, Role::seller);
  started.progress = progress(0, Cents{1000}, 2, 2);
  CHECK(answer_to(h, StartAuction{"alice", id}) == StartedAuction{started});

  const json carol_out = json::array({silent_link(2, {"carol"})});
  CHECK(answer_to(h, UpdateAuction{"alice", id, 2, Cents{1200}, 0, carol_out}) ==
        UpdatedAuction{true, 2, Cents{1200}, 1});
  CHECK(answer_to(h, UpdateAuction{"alice", id, 1, Cents{1100}, 0, carol_out}) ==
        UpdatedAuction{false, 2, Cents{1200}, 1});

  // One auction as each role sees it.
  AuctionView as_buyer = sale_view(id, Stage::started, Role::buyer);
  as_buyer.progress = progress(2, Cents{1200}, 2, 1);
  CHECK(answer_to(h, FetchAuctions{"carol", AuctionId{0}, 100, false}) ==
        AuctionPage{{as_buyer}, false});
  AuctionView as_seller = as_buyer;
  as_seller.role = Role::seller;
  CHECK(answer_to(h, FetchAuctions{"alice", AuctionId{0}, 100, false}) ==
        AuctionPage{{as_seller}, false});
  // Its buyers, a page at a time; the seller sees where they answer.
  CHECK(answer_to(h, FetchBuyers{"alice", id, "", 1}) ==
        BuyerPage{id, {{"bob", true, "127.0.0.1:7002", Harness::key_of("bob")}}, true});
  CHECK(answer_to(h, FetchBuyers{"bob", id, "bob", 10}) ==
        BuyerPage{id, {{"carol", false, std::nullopt, Harness::key_of("carol")}}, false});
  CHECK(answer_to(h, FetchLinks{"carol", id, 0, 10}) == LinkPage{id, 0, carol_out, false});
  CHECK(answer_to(h, GetTranscript{"bob", id}) ==
        TranscriptSummary{id, "alice", Harness::key_of("alice"), Cents{1000}, Cents{100},
                          auction::SaleTerms{}, Stage::started, 2, 1, 2, Cents{1200}, std::nullopt,
                          "", ""});

  const AuctionId other = answer_to(h, sale).auction_id;
  CHECK(answer_to(h, CancelAuction{"alice", other}) == CancelledAuction{other, Stage::cancelled});
  CHECK(answer_to(h, RotateKey{"bob", std::string(64, 'b'), std::string(128, 'c')}) ==
        RotatedKey{"bob", std::string(64, 'b')});
  CHECK(answer_to(h, FetchAuctions{"dave", AuctionId{0}, 1, false}) ==
        AuctionPage{{sale_view(id, Stage::started, Role::none)}, true});

  CHECK(answer_to(h, FinishAuction{"alice", id, "bob", Cents{1300}, 3, 1, json::array(), "", ""}) ==
        FinishedAuction{true, "bob", Cents{1300}, 3});
  CHECK(answer_to(h, FinishAuction{"alice", id, "bob", Cents{1300}, 3, 1, json::array(), "", ""}) ==
        FinishedAuction{false, "bob", Cents{1300}, 3});
  AuctionView finished = sale_view(id, Stage::finished, Role::none);
  finished.outcome = AuctionView::Outcome{"bob", Cents{1300}};
  CHECK(answer_to(h, FetchAuctions{"dave", AuctionId{0}, 100, false}) ==
        AuctionPage{{finished, sale_view(other, Stage::cancelled, Role::none)}, false});

  // An auction that ends without a winner.
  const AuctionId unsold = answer_to(h, sale).auction_id;
  h.join("bob", unsold.value);
  h.start("alice", unsold.value);
  CHECK(answer_to(h, FinishAuction{"alice", unsold, std::nullopt, Cents{1000}, 1, 0,
                                   json::array({silent_link(1, {"bob"})}), "", ""}) ==
        FinishedAuction{true, std::nullopt, Cents{1000}, 1});
  AuctionView unsold_view = sale_view(unsold, Stage::finished, Role::buyer);
  unsold_view.outcome = AuctionView::Outcome{std::nullopt, Cents{1000}};
  unsold_view.progress = progress(1, Cents{1000}, 1, 0);
  CHECK(answer_to(h, FetchAuctions{"bob", other, 100, false}) == AuctionPage{{unsold_view}, false});
  CHECK(answer_to(h, FetchAuctions{"bob", AuctionId{0}, 100, true}) ==
        AuctionPage{{answer_to(h, FetchAuctions{"bob", AuctionId{0}, 1, false}).auctions.at(0),
                     unsold_view},
                    false});
}

TEST_CASE("platform: an answer is decoded as the answer to the command that was asked",
          "[platform][answers]") {
  const json result = {
      {"username", "bob"}, {"address", "127.0.0.1:7002"}, {"public_key", std::string(64, 'b')}};
  auto read = decode_answer(Command{GetUserAddress{"bob"}}, result);
  REQUIRE(read.has_value());
  CHECK(std::get<UserAddress>(*read) == UserAddress{"bob", "127.0.0.1:7002", std::string(64, 'b')});
  auto created = decode_answer(Command{CreateAuction{}}, json{{"auction_id", 3}});
  REQUIRE(created.has_value());
  CHECK(std::get<CreatedAuction>(*created).auction_id == AuctionId{3});
}

TEST_CASE("platform: a malformed answer is bad_response naming the op and the field",
          "[platform][answers]") {
  CHECK(code_of(decode_answer<CreatedAuction>(json{{"auction_id", 3}})) == "ok");
  CHECK(code_of(decode_answer<CreatedAuction>(json::object())) == "bad_response");
  CHECK(code_of(decode_answer<CreatedAuction>(json::array())) == "bad_response");
  CHECK(code_of(decode_answer<CreatedAuction>(json{{"auction_id", "3"}})) == "bad_response");
  CHECK(code_of(decode_answer<CreatedAuction>(json{{"auction_id", 0}})) == "bad_response");
  CHECK(code_of(decode_answer<CreatedAuction>(json{{"auction_id", -3}})) == "bad_response");
  CHECK(code_of(decode_answer<CreatedAuction>(json{{"auction_id", 1.5}})) == "bad_response");
  CHECK(decode_answer<CreatedAuction>(json::object()).error().message ==
        "create_auction answer: missing field 'auction_id'");

  const auto update = decode_answer<UpdatedAuction>(
      json{{"applied", "yes"}, {"round_id", 2}, {"current_price", 1200}});
  REQUIRE_FALSE(update.has_value());
  CHECK(update.error().code == "bad_response");
  CHECK(update.error().message == "update_auction answer: applied: must be true or false");
  CHECK_FALSE(
      decode_answer<UpdatedAuction>(json{{"applied", true}, {"round_id", 2}, {"current_price", -1}})
          .has_value());
  CHECK_FALSE(
      decode_answer<CancelledAuction>(json{{"auction_id", 2}, {"stage", "paused"}}).has_value());
  CHECK_FALSE(decode_answer<FinishedAuction>(
                  json{{"applied", true}, {"winner", 7}, {"price", 1300}, {"round_id", 3}})
                  .has_value());
}

TEST_CASE("platform: a view that lacks what its stage or role promises is bad_response",
          "[platform][answers]") {
  AuctionView v = sale_view(AuctionId{1}, Stage::finished, Role::buyer);
  v.outcome = AuctionView::Outcome{"bob", Cents{1300}};
  v.progress = progress(3, Cents{1300}, 1, 1);
  const json good = encode_auction_view(v);
  REQUIRE(decode_auction_view(good).has_value());
  CHECK(*decode_auction_view(good) == v);

  const auto without = [&good](const char* key) {
    json broken = good;
    broken.erase(key);
    return broken;
  };
  const auto with = [&good](const char* key, const json& value) {
    json broken = good;
    broken[key] = value;
    return broken;
  };
  for (const json& broken :
       {without("price"), without("winner"), without("buyer_count"), without("round_id"),
        without("active_count"), without("seller"), with("role", "owner"), with("stage", 2),
        with("buyer_count", json::object()), with("buyer_count", -1), with("active_count", "1"),
        json("a view")}) {
    INFO(broken.dump());
    const auto decoded = decode_auction_view(broken);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().code == "bad_response");
  }
  const auto page = decode_answer<AuctionPage>(
      json{{"auctions", json::array({without("buyer_count")})}, {"more", false}});
  REQUIRE_FALSE(page.has_value());
  CHECK(page.error().code == "bad_response");
  CHECK(page.error().message ==
        "fetch_auctions answer: auctions[]: auction view: missing field 'buyer_count'");
  // A page of buyers or of links is checked the same way.
  CHECK_FALSE(decode_answer<BuyerPage>(json{{"auction_id", 1},
                                            {"buyers", json::array({{{"username", "bob"}}})},
                                            {"more", false}})
                  .has_value());
  CHECK_FALSE(
      decode_answer<BuyerPage>(
          json{{"auction_id", 1},
               {"buyers", json::array({{{"username", "bob"}, {"active", true}, {"address", 5}}})},
               {"more", false}})
          .has_value());
  CHECK_FALSE(
      decode_answer<LinkPage>(
          json{{"auction_id", 1}, {"from", 0}, {"links", json::array({1})}, {"more", false}})
          .has_value());
  CHECK_FALSE(
      decode_answer<LinkPage>(json{{"auction_id", 1}, {"links", json::array()}, {"more", false}})
          .has_value());
}

TEST_CASE("platform: answers with fields a client does not know still decode",
          "[platform][answers]") {
  // A newer platform may answer with more; an older client reads what it knows.
  auto created = decode_answer<CreatedAuction>(json{{"auction_id", 3}, {"note", "new"}});
  REQUIRE(created.has_value());
  CHECK(created->auction_id == AuctionId{3});
  json view = encode_auction_view(sale_view(AuctionId{1}, Stage::created, Role::none));
  view["watchers"] = 12;
  auto decoded = decode_auction_view(view);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == sale_view(AuctionId{1}, Stage::created, Role::none));
}

TEST_CASE("platform: a page assembled from serialized views is the encoded page, byte for byte",
          "[platform][answers]") {
  AuctionView seller_view = sale_view(AuctionId{2}, Stage::started, Role::seller);
  seller_view.progress = progress(1, Cents{1100}, 1, 1);
  const std::vector<AuctionView> views{sale_view(AuctionId{1}, Stage::created, Role::none),
                                       seller_view};
  for (const bool more : {false, true}) {
    AuctionPageText text;
    for (const AuctionView& v : views) text.add_view(encode_auction_view(v).dump());
    CHECK(std::move(text).finish(more) == encode_answer(AuctionPage{views, more}).dump());
  }
  CHECK(AuctionPageText().finish(false) == encode_answer(AuctionPage{}).dump());
}

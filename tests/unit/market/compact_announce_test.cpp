// The compact announcement (docs/auction.md, "Compact announcements"): its codec, how a
// buyer takes it, and that an ack tells the seller which form the buyer can take.
#include <catch2/catch.hpp>

#include "auction/market/buyer_auction.hpp"
#include "auction/market/peer_messages.hpp"
#include "unit/market/variants.hpp"

using namespace auction::market;
using auction::Cents;
using auction::RoundId;
using market_test::all_of;
using market_test::count_of;
using nlohmann::json;

namespace {

json over_the_wire(const json& j) { return json::parse(j.dump()); }

BuyerAuction make_buyer() {
  BuyerConfig c;
  c.auction_id = 4;
  c.username = "amy";
  c.period_ms = 1000;
  return BuyerAuction::create(c, 0).value();
}

AnnouncePrice full(RoundId round, std::vector<BuyerEntry> buyers) {
  return AnnouncePrice{4, round, Cents(1000 + 100 * static_cast<std::int64_t>(round)),
                       std::move(buyers), false};
}

AnnouncePrice compact(RoundId round, std::vector<BuyerEntry> withdrawn) {
  return AnnouncePrice{4, round, Cents(1000 + 100 * static_cast<std::int64_t>(round)),
                       std::move(withdrawn), true};
}

const std::vector<BuyerEntry> all_active = {
    {"amy", BuyerStatus::active}, {"bob", BuyerStatus::active}, {"cat", BuyerStatus::active}};

}  // namespace

TEST_CASE("market: a compact announcement survives a round trip and lists withdrawn buyers only",
          "[market][protocol]") {
  const AnnouncePrice a = compact(7, {{"bob", BuyerStatus::withdrawn_silent}});
  const json encoded = encode(a);
  CHECK(encoded.contains("withdrawn"));
  CHECK_FALSE(encoded.contains("buyers"));
  CHECK(decode_announce_price(over_the_wire(encoded)).value() == a);

  auto active = json::parse(
      R"({"auction_id":4,"round_id":3,"price":1300,"withdrawn":[{"username":"amy","active":true}]})");
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
  const PeerAck with{4, 12, true};
  CHECK(decode_peer_ack(over_the_wire(encode(with))).value() == with);
  CHECK(encode(PeerAck{4, 12}) == json{{"auction_id", 4}, {"round_id", 12}});
  CHECK(decode_peer_ack(json{{"auction_id", 4}, {"round_id", 12}}).value().has_buyers == false);
  CHECK(decode_peer_ack(json{{"auction_id", 4}, {"round_id", 12}, {"has_buyers", 1}})
            .error()
            .code == "bad_request");
}

TEST_CASE("market: a buyer without the list acks a compact announcement but takes nothing",
          "[market][buyer]") {
  BuyerAuction b = make_buyer();
  auto step = b.on_announce(compact(3, {}), 10);
  CHECK(step.ack == PeerAck{4, 3, false});  // acked: not silent; has_buyers false: send it all
  CHECK_FALSE(b.round_id().has_value());
  CHECK(count_of<buyer_event::PriceChanged>(step.events) == 0);

  auto taken = b.on_announce(full(4, all_active), 20);
  CHECK(taken.ack == PeerAck{4, 4, true});
  CHECK(b.round_id() == 4);
}

TEST_CASE("market: a compact announcement gives the same statuses as the full list",
          "[market][buyer]") {
  BuyerAuction by_full = make_buyer();
  BuyerAuction by_compact = make_buyer();
  (void)by_full.on_announce(full(0, all_active), 10);
  (void)by_compact.on_announce(full(0, all_active), 10);

  const std::vector<BuyerEntry> round_5 = {{"amy", BuyerStatus::active},
                                           {"bob", BuyerStatus::withdrawn_silent},
                                           {"cat", BuyerStatus::active}};
  auto a = by_full.on_announce(full(5, round_5), 5010);
  auto b = by_compact.on_announce(compact(5, {{"bob", BuyerStatus::withdrawn_silent}}), 5010);
  CHECK(b.ack == PeerAck{4, 5, true});
  CHECK(by_compact.buyers() == by_full.buyers());
  CHECK(by_compact.price() == Cents(1500));
  auto left = all_of<buyer_event::BuyerWithdrew>(b.events);
  REQUIRE(left.size() == 1);
  CHECK(left[0].username == "bob");
  CHECK(count_of<buyer_event::BuyerWithdrew>(a.events) == 1);

  // The same news is not reported twice.
  auto again = by_compact.on_announce(compact(6, {{"bob", BuyerStatus::withdrawn_silent}}), 6010);
  CHECK(count_of<buyer_event::BuyerWithdrew>(again.events) == 0);

  // A seller restarted from an older push lists bob active again (by not listing him): the
  // buyer shows him active, as the full list would.
  (void)by_compact.on_announce(compact(7, {}), 7010);
  CHECK(by_compact.buyers().at("bob") == BuyerStatus::active);
}

TEST_CASE("market: a buyer who asked out and is not listed withdrawn asks again",
          "[market][buyer]") {
  BuyerAuction b = make_buyer();
  (void)b.on_announce(full(0, all_active), 10);
  (void)b.request_withdraw();
  auto step = b.on_announce(compact(1, {{"bob", BuyerStatus::withdrawn_silent}}), 1010);
  CHECK(count_of<buyer_event::SendWithdraw>(step.events) == 1);
  auto out = b.on_announce(compact(2, {{"amy", BuyerStatus::withdrawn_by_request}}), 2010);
  CHECK(count_of<buyer_event::SendWithdraw>(out.events) == 0);
  CHECK_FALSE(b.is_active());
}

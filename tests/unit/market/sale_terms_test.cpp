// Tests of an auction's terms in the pure market layer (base/sale_terms.hpp): the increment
// table as the clock's prices, the reserve (met, met by the last buyer's standing bid, not
// met), restoring such outcomes, and a transcript of a reserve auction, public or hidden,
// replayed by anyone.
#include <catch2/catch.hpp>

#include "auction/market/auction_rules.hpp"
#include "auction/market/seller_auction.hpp"
#include "auction/market/transcript.hpp"
#include "unit/market/signed_peers.hpp"
#include "unit/market/variants.hpp"

using namespace auction;
using namespace auction::market;
using auction::test::all_of;
using auction::test::error_code_of;
using auction::test::public_key_of;
using auction::test::seller_keys;
using auction::test::test_cluster;

namespace {

constexpr AuctionId the_auction{21};

SaleTerms reserve_of(std::int64_t cents, bool hidden = false) {
  SaleTerms terms;
  terms.reserve = Cents(cents);
  terms.reserve_hidden = hidden;
  if (hidden) terms.reserve_salt = std::string(32, '5');
  return terms;
}

// Started rules at 10.00 rising by 1.00.
AuctionRules started(std::vector<std::string> buyers, SaleTerms terms) {
  auto rules = AuctionRules::create(the_auction, Cents(1000), Cents(100), std::move(buyers),
                                    std::move(terms));
  REQUIRE(rules.has_value());
  REQUIRE(rules->start().has_value());
  return std::move(*rules);
}

void advance(AuctionRules& rules, RoundId to) { REQUIRE(rules.advance_to(to).has_value()); }

}  // namespace

TEST_CASE("market: an increment table raises the clock by the increment of the price's level",
          "[market][rules][terms]") {
  SaleTerms terms;
  terms.increment_steps = {{Cents(1200), Cents(500)}, {Cents(3000), Cents(1000)}};
  AuctionRules rules = started({"amy", "bob"}, terms);
  std::vector<Cents> prices{rules.price()};
  for (int i = 0; i < 7; ++i) {
    REQUIRE(rules.next_round().has_value());
    prices.push_back(rules.price());
  }
  // +1.00 below 12.00, +5.00 from there, +10.00 from 30.00.
  CHECK(prices == std::vector<Cents>{Cents(1000), Cents(1100), Cents(1200), Cents(1700),
                                     Cents(2200), Cents(2700), Cents(3200), Cents(4200)});
  CHECK(rules.prices().is_price_at(6, Cents(3200)));
}

TEST_CASE("market: terms that break a rule are refused when the rules are made",
          "[market][rules][terms]") {
  const auto refusal = [](SaleTerms terms) {
    auto rules = AuctionRules::create(the_auction, Cents(1000), Cents(100), {"amy"}, terms);
    return rules ? std::string() : rules.error().message;
  };
  CHECK(refusal(reserve_of(1000)).starts_with("reserve"));
  SaleTerms no_salt = reserve_of(2000);
  no_salt.reserve_hidden = true;
  CHECK(refusal(no_salt).starts_with("reserve_salt"));
  SaleTerms bad_step;
  bad_step.increment_steps = {{Cents(900), Cents(10)}};
  CHECK(refusal(bad_step).starts_with("increment_steps"));
  CHECK(refusal(reserve_of(INT64_MAX)) == "reserve: no price of the clock reaches it");
  CHECK(refusal(reserve_of(2000, true)).empty());
}

TEST_CASE("market: with the reserve reached the last buyer in wins at the clock price",
          "[market][rules][terms]") {
  AuctionRules rules = started({"amy", "bob"}, reserve_of(1300));
  advance(rules, 4);  // 14.00
  CHECK(rules.withdraw("amy", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::withdrawn);
  REQUIRE(rules.is_finished());
  CHECK(rules.winner() == "bob");
  CHECK(rules.price() == Cents(1400));
  CHECK_FALSE(rules.reserve_not_met());
}

TEST_CASE(
    "market: below the reserve the clock goes on for the last buyer alone, who wins where it "
    "reaches the reserve, or leaves and nothing is sold",
    "[market][rules][terms]") {
  SECTION("the lone buyer stays in: it wins at the first round at or above the reserve") {
    AuctionRules rules = started({"amy", "bob"}, reserve_of(1250));
    advance(rules, 1);  // 11.00
    CHECK(rules.withdraw("amy", BuyerStatus::withdrawn_silent) == WithdrawOutcome::withdrawn);
    CHECK(rules.is_running());
    CHECK(rules.active_count() == 1);
    REQUIRE(rules.next_round().has_value());  // 12.00: still below
    CHECK(rules.is_running());
    REQUIRE(rules.next_round().has_value());  // 13.00: reached, announced to bob
    CHECK(rules.is_running());
    CHECK(AuctionRules::restore(rules.state()).has_value());
    // The clock does not pass it: the same round again.
    REQUIRE(rules.next_round().has_value());
    CHECK(rules.round_id() == 3);
    rules.on_round_closed();  // bob stayed in
    REQUIRE(rules.is_finished());
    CHECK(rules.winner() == "bob");
    CHECK(rules.round_id() == 3);
    CHECK(rules.price() == Cents(1300));
    CHECK(rules.withdraw("bob", BuyerStatus::withdrawn_by_request) ==
          WithdrawOutcome::you_are_the_winner);
    CHECK(AuctionRules::restore(rules.state()).value().state() == rules.state());
  }
  SECTION("a jump over the reserve stops where the clock reached it") {
    AuctionRules rules = started({"amy", "bob"}, reserve_of(1250));
    (void)rules.withdraw("amy", BuyerStatus::withdrawn_by_request);
    advance(rules, 40);
    CHECK(rules.round_id() == 3);
    CHECK(rules.is_running());
    rules.on_round_closed();
    CHECK(rules.winner() == "bob");
  }
  SECTION("the lone buyer declines the round that reaches the reserve: not met") {
    AuctionRules rules = started({"amy", "bob"}, reserve_of(1250));
    (void)rules.withdraw("amy", BuyerStatus::withdrawn_by_request);
    advance(rules, 3);  // 13.00
    CHECK(rules.withdraw("bob", BuyerStatus::withdrawn_silent) == WithdrawOutcome::withdrawn);
    CHECK(rules.reserve_not_met());
    CHECK(rules.price() == Cents(1300));
    CHECK(AuctionRules::restore(rules.state()).value().reserve_not_met());
  }
  SECTION("the lone buyer leaves: the reserve was not met") {
    AuctionRules rules = started({"amy", "bob"}, reserve_of(1300));
    advance(rules, 2);  // 12.00
    CHECK(rules.withdraw("amy", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::withdrawn);
    CHECK(rules.withdraw("bob", BuyerStatus::withdrawn_max_price) == WithdrawOutcome::withdrawn);
    REQUIRE(rules.is_finished());
    CHECK(rules.reserve_not_met());
    CHECK(rules.winner() == std::nullopt);
    CHECK(rules.price() == Cents(1200));
    CHECK(rules.withdraw("bob", BuyerStatus::withdrawn_by_request) ==
          WithdrawOutcome::already_withdrawn);
    const FinishRecord record = rules.finish_record();
    CHECK(record.reserve_not_met());
    CHECK(decode_finish_record(encode(record)).value() == record);
    CHECK(AuctionRules::restore(rules.state()).value().reserve_not_met());
  }
  SECTION("one buyer at the start: its clock runs to the reserve") {
    AuctionRules alone = started({"amy"}, reserve_of(1050));
    CHECK(alone.is_running());
    REQUIRE(alone.next_round().has_value());
    alone.on_round_closed();
    CHECK(alone.winner() == "amy");
    CHECK(alone.price() == Cents(1100));
  }
  SECTION("at or above the reserve the original rule: the last one in wins at once") {
    AuctionRules rules = started({"amy", "bob"}, reserve_of(1300));
    advance(rules, 4);  // 14.00
    (void)rules.withdraw("amy", BuyerStatus::withdrawn_by_request);
    CHECK(rules.winner() == "bob");
    CHECK(rules.price() == Cents(1400));
  }
}

TEST_CASE("market: a restored state is refused when its outcome breaks the reserve rule",
          "[market][rules][terms]") {
  AuctionRules rules = started({"amy", "bob"}, reserve_of(1300));
  advance(rules, 2);
  (void)rules.withdraw("amy", BuyerStatus::withdrawn_by_request);
  (void)rules.withdraw("bob", BuyerStatus::withdrawn_by_request);
  REQUIRE(rules.reserve_not_met());
  AuctionState forged = rules.state();  // not met, no winner
  forged.terms.reserve = Cents(1100);   // ... though bob would have won when amy left
  CHECK(error_code_of(AuctionRules::restore(forged)) == "invalid_argument");
  AuctionState sold_below = rules.state();
  sold_below.winner = "bob";  // a winner below the reserve
  sold_below.buyers[1].status = BuyerStatus::active;
  CHECK(error_code_of(AuctionRules::restore(sold_below)) == "invalid_argument");
  AuctionState lone_above = rules.state();  // running alone above the reserve: it has won
  lone_above.stage = Stage::running;
  lone_above.buyers[1].status = BuyerStatus::active;
  lone_above.terms.reserve = Cents(1100);
  CHECK(error_code_of(AuctionRules::restore(lone_above)) == "invalid_argument");
}

TEST_CASE(
    "market: a reserve auction's transcript replays, and a hidden reserve is bound by its "
    "commitment",
    "[market][terms][transcript]") {
  const std::vector<std::string> buyers{"amy", "bob"};
  const bool hidden = GENERATE(false, true);
  INFO("hidden " << hidden);
  SellerConfig config;
  config.period_ms = 1000;
  config.ack_deadline_ms = 800;
  auto rules =
      AuctionRules::create(the_auction, Cents(1000), Cents(100), buyers, reserve_of(1300, hidden));
  auto s = SellerAuction::create(std::move(*rules), config, seller_keys(buyers)).value();
  (void)s.start(0).value();
  // amy stays silent in round 0 and is withdrawn; bob, alone at 10.00, is short of 13.00:
  // the clock goes on for him, and he leaves at 11.00.
  (void)s.on_ack("bob", 0, 10);
  (void)s.on_tick(800);
  CHECK(s.rules().is_running());
  (void)s.on_tick(1000);  // round 1
  const auto left =
      s.on_withdraw_request(auction::test::signed_withdraw(
                                the_auction, "bob", WithdrawReason::by_request, 1, Cents(1100)),
                            1100);
  REQUIRE(left.has_value());
  const auto finishes = all_of<seller_action::Finish>(left->actions);
  REQUIRE(finishes.size() == 1);
  const seller_action::Finish& finish = finishes.front();
  CHECK(finish.finish.record.winner == std::nullopt);
  CHECK(s.rules().reserve_not_met());

  TranscriptKeys keys{public_key_of("sam"), {}};
  for (const std::string& b : buyers) keys.buyers.emplace(b, public_key_of(b));
  const Transcript transcript{s.chain().opening(), finish.links, finish.finish};
  CHECK(verify_transcript(transcript, keys, test_cluster).has_value());
  // Anyone who claims another reserve gets another chain: the seller's signature over the
  // head does not cover it.
  Transcript other = transcript;
  other.opening.terms.reserve = Cents(1100);
  CHECK(error_code_of(verify_transcript(other, keys, test_cluster)) == "transcript_invalid");
  if (hidden) {
    Transcript other_salt = transcript;
    other_salt.opening.terms.reserve_salt = std::string(32, '6');
    CHECK(error_code_of(verify_transcript(other_salt, keys, test_cluster)) == "transcript_invalid");
  }
  // The opening's JSON carries the terms.
  const auto decoded = decode_transcript(nlohmann::json::parse(encode(transcript).dump()));
  REQUIRE(decoded.has_value());
  CHECK(decoded->opening.terms == transcript.opening.terms);
}

TEST_CASE("market: default terms leave an opening's digest as it was before terms existed",
          "[market][terms][chain]") {
  ChainOpening opening{the_auction, "sam", Cents(1000), Cents(100), {"amy", "bob"}};
  const auto plain = chain_opening_digest(opening);
  opening.terms.grace_rounds = 2;
  CHECK(chain_opening_digest(opening) != plain);
  opening.terms = SaleTerms{};
  CHECK(chain_opening_digest(opening) == plain);
  // A hidden reserve's commitment differs with its salt and its value.
  CHECK(hidden_reserve_commitment(the_auction, Cents(500), std::string(32, 'a')) !=
        hidden_reserve_commitment(the_auction, Cents(500), std::string(32, 'b')));
  CHECK(hidden_reserve_commitment(the_auction, Cents(500), std::string(32, 'a')) !=
        hidden_reserve_commitment(the_auction, Cents(501), std::string(32, 'a')));
}

TEST_CASE(
    "market: a lone buyer's clock runs on to the reserve in the seller's engine, and the "
    "transcript of its win replays with no link for it",
    "[market][terms][transcript]") {
  const std::vector<std::string> buyers{"amy", "bob"};
  SellerConfig config;
  config.period_ms = 1000;
  config.ack_deadline_ms = 800;
  auto rules = AuctionRules::create(the_auction, Cents(1000), Cents(100), buyers,
                                    reserve_of(1200, /*hidden=*/true));
  auto s = SellerAuction::create(std::move(*rules), config, seller_keys(buyers)).value();
  (void)s.start(0).value();
  (void)s.on_ack("bob", 0, 10);
  (void)s.on_tick(800);  // amy silent: out; bob alone below the reserve
  std::optional<seller_action::Finish> finish;
  for (std::int64_t t = 1000; !finish && t <= 5000; t += 1000) {
    (void)s.on_tick(t);  // the next round, announced to bob
    // bob's acknowledgement closes the round at once (everyone in has answered).
    for (const auto& f :
         all_of<seller_action::Finish>(s.on_ack("bob", s.rules().round_id(), t + 10))) {
      finish = f;
    }
  }
  REQUIRE(finish.has_value());
  CHECK(finish->finish.record.winner == "bob");
  CHECK(finish->finish.record.round_id == 2);
  CHECK(finish->finish.record.price == Cents(1200));
  CHECK(finish->links.size() == 1);  // amy's; nothing for the rounds bob ran alone

  TranscriptKeys keys{public_key_of("sam"), {}};
  for (const std::string& b : buyers) keys.buyers.emplace(b, public_key_of(b));
  const Transcript transcript{s.chain().opening(), finish->links, finish->finish};
  CHECK(verify_transcript(transcript, keys, test_cluster).has_value());
  // A result that claims the win a round later than the clock reached the reserve is refused.
  Transcript late = transcript;
  late.finish.record.round_id = 3;
  late.finish.record.price = Cents(1300);
  CHECK(error_code_of(verify_transcript(late, keys, test_cluster)) == "transcript_invalid");
}

TEST_CASE("market: a lone buyer below the reserve who goes silent is out: nothing is sold",
          "[market][terms][seller]") {
  const std::vector<std::string> buyers{"amy", "bob"};
  SellerConfig config;
  config.period_ms = 1000;
  config.ack_deadline_ms = 800;
  auto rules = AuctionRules::create(the_auction, Cents(1000), Cents(100), buyers, reserve_of(1500));
  auto s = SellerAuction::create(std::move(*rules), config, seller_keys(buyers)).value();
  (void)s.start(0).value();
  (void)s.on_ack("bob", 0, 10);
  (void)s.on_tick(800);  // amy silent: out
  (void)s.on_tick(1000);
  // bob says nothing in round 1: one buyer's silence is no sign of the seller's link failing.
  const auto closed = s.on_tick(1800);
  CHECK(all_of<seller_action::Paused>(closed).empty());
  REQUIRE(all_of<seller_action::Finish>(closed).size() == 1);
  CHECK(s.rules().reserve_not_met());
}

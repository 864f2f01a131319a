// Tests of SellerAuction (auction/market/seller_auction.hpp), the seller's pure engine of one
// auction: rounds, deadlines, silent buyers, the pause rule, withdrawals, pushes and resuming
// after a restart. Time is a plain number handed to it. Then, as an attacker would try them,
// forged withdrawals and acks, refused with nothing changed; and the signatures and the chain
// the engine makes, checked as a buyer and a verifier of the transcript check them.
#include <catch2/catch.hpp>

#include <limits>

#include "auction/market/seller_auction.hpp"
#include "auction/market/transcript.hpp"
#include "unit/market/signed_peers.hpp"
#include "unit/market/variants.hpp"

using namespace auction;
using namespace auction::market;
using auction::test::all_of;
using auction::test::count_of;
using auction::test::error_code_of;
using auction::test::seller_keys;
using auction::test::test_signer;

namespace {

constexpr AuctionId auction_id{9};

SellerConfig test_config() {
  SellerConfig c;
  c.period_ms = 1000;
  c.ack_deadline_ms = 800;
  c.push_period_ms = 1000;
  c.pause_retry_ms_max = 4000;
  return c;
}

SellerAuction make_seller(std::vector<std::string> buyers, SellerConfig config = test_config(),
                          SaleTerms terms = {}) {
  AuctionRules rules =
      AuctionRules::create(auction_id, Cents(1000), Cents(100), buyers, std::move(terms)).value();
  return SellerAuction::create(std::move(rules), config, seller_keys(buyers)).value();
}

SaleTerms grace_of(std::uint32_t rounds) {
  SaleTerms terms;
  terms.grace_rounds = rounds;
  return terms;
}

// `username`'s own signed request to leave, having seen the seller's current round.
WithdrawRequest request_of(const SellerAuction& s, std::string_view username,
                           WithdrawReason reason) {
  return auction::test::signed_withdraw(auction_id, username, reason, s.rules().round_id(),
                                        s.rules().price());
}

// `username` asks to leave, signed, having seen the current round. The request is believed.
SellerAuction::WithdrawResponse withdraw(SellerAuction& s, std::string_view username,
                                         WithdrawReason reason, std::int64_t now_ms) {
  auto response = s.on_withdraw_request(request_of(s, username, reason), now_ms);
  REQUIRE(response.has_value());
  return std::move(*response);
}

// The one announcement among `actions`.
seller_action::Announce the_announce(const std::vector<SellerAction>& actions) {
  auto announces = all_of<seller_action::Announce>(actions);
  REQUIRE(announces.size() == 1);
  return announces.front();
}

// Acks `round` for each of `names`, collecting the actions that follow.
std::vector<SellerAction> ack(SellerAuction& s, const std::vector<std::string>& names,
                              RoundId round, std::int64_t now_ms) {
  std::vector<SellerAction> out;
  for (const auto& n : names) {
    auto a = s.on_ack(n, round, now_ms);
    out.insert(out.end(), a.begin(), a.end());
  }
  return out;
}

}  // namespace

TEST_CASE("market: a seller starts by announcing round 0 to every buyer and pushing",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  auto actions = s.start(0).value();
  auto a = the_announce(actions);
  CHECK(a.message.auction_id == auction_id);
  CHECK(a.message.round_id == 0);
  CHECK(a.message.price == Cents(1000));
  CHECK(a.message.buyers.size() == 3);
  CHECK(a.recipients == std::vector<std::string>{"amy", "bob", "cat"});
  CHECK(a.deadline_ms == 800);
  CHECK(count_of<seller_action::PushUpdate>(actions) == 1);
  CHECK(s.start(1).error().code == "wrong_stage");
}

TEST_CASE("market: the price rises by the increment every period", "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"});
  (void)s.start(0).value();
  for (RoundId r = 0; r < 5; ++r) {
    const std::int64_t t0 = static_cast<std::int64_t>(r) * 1000;
    ack(s, {"amy", "bob"}, r, t0 + 10);
    CHECK_FALSE(s.is_round_open());  // everyone answered: the round closed early
    CHECK(all_of<seller_action::Announce>(s.on_tick(t0 + 999)).empty());
    auto a = the_announce(s.on_tick(t0 + 1000));
    CHECK(a.message.round_id == r + 1);
    CHECK(a.message.price == Cents(1000 + 100 * static_cast<std::int64_t>(r + 1)));
    CHECK(a.deadline_ms == t0 + 1800);
  }
}

TEST_CASE("market: a buyer that does not acknowledge in time is withdrawn as silent",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob"}, 0, 100);
  CHECK(s.on_tick(799).empty());
  auto closed = s.on_tick(800);
  auto gone = all_of<seller_action::BuyerWithdrawn>(closed);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].username == "cat");
  CHECK(gone[0].status == BuyerStatus::withdrawn_silent);
  CHECK(s.rules().is_running());
  auto a = the_announce(s.on_tick(1000));
  CHECK(a.recipients == std::vector<std::string>{"amy", "bob"});
  CHECK(a.message.buyers[2] == BuyerEntry{"cat", BuyerStatus::withdrawn_silent});
  // A late ack for the old round does not bring cat back.
  CHECK(s.on_ack("cat", 0, 1001).empty());
  CHECK(s.on_ack("cat", 1, 1001).empty());
  CHECK_FALSE(s.rules().find("cat")->is_active());
}

TEST_CASE("market: a failed send counts as silence and an ack for another round does not count",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  s.on_ack("amy", 0, 10);
  s.on_send_failed("bob", 0, 10);
  s.on_ack("cat", 1, 10);  // not the open round
  CHECK(s.is_round_open());
  auto closed = s.on_tick(800);
  auto gone = all_of<seller_action::BuyerWithdrawn>(closed);
  REQUIRE(gone.size() == 2);
  CHECK(gone[0].username == "bob");
  CHECK(gone[1].username == "cat");
  CHECK(all_of<seller_action::Finish>(closed).at(0).finish.record.winner == "amy");
}

TEST_CASE("market: when all but one are silent the one who acknowledged wins, once",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob", "cat"}, 0, 10);
  (void)s.on_tick(1000);  // round 1, deadline 1800
  s.on_ack("bob", 1, 1100);
  auto closed = s.on_tick(1800);
  CHECK(count_of<seller_action::BuyerWithdrawn>(closed) == 2);
  auto finishes = all_of<seller_action::Finish>(closed);
  REQUIRE(finishes.size() == 1);
  CHECK(finishes[0].finish.record.winner == "bob");
  CHECK(finishes[0].finish.record.round_id == 1);
  CHECK(finishes[0].finish.record.price == Cents(1100));
  CHECK(s.rules().is_finished());
  // Finished: nothing more, ever.
  for (std::int64_t t = 1801; t < 10000; t += 250) CHECK(s.on_tick(t).empty());
  auto late = withdraw(s, "bob", WithdrawReason::by_request, 5000);
  CHECK(late.reply.outcome == WithdrawOutcome::you_are_the_winner);
  CHECK(late.actions.empty());
}

TEST_CASE("market: a round where every buyer is silent pauses without withdrawing anyone",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob", "cat"}, 0, 10);
  (void)s.on_tick(1000);  // round 1, nobody answers

  auto closed = s.on_tick(1800);
  auto paused = all_of<seller_action::Paused>(closed);
  REQUIRE(paused.size() == 1);
  CHECK(paused[0].round_id == 1);
  CHECK(paused[0].retry_at_ms == 2800);  // first backoff: one period
  CHECK(count_of<seller_action::BuyerWithdrawn>(closed) == 0);
  CHECK(s.rules().active_count() == 3);
  CHECK(s.is_paused());

  // Retries announce the same round at the same price, backing off 1000, 2000, 4000, 4000.
  std::int64_t retry_at = 2800;
  for (std::int64_t backoff : {2000, 4000, 4000}) {
    CHECK(all_of<seller_action::Announce>(s.on_tick(retry_at - 1)).empty());
    auto a = the_announce(s.on_tick(retry_at));
    CHECK(a.message.round_id == 1);
    CHECK(a.message.price == Cents(1100));
    CHECK(a.recipients.size() == 3);
    auto again = s.on_tick(retry_at + 800);
    CHECK(count_of<seller_action::Paused>(again) == 0);  // emitted once per pause
    CHECK(count_of<seller_action::BuyerWithdrawn>(again) == 0);
    retry_at = retry_at + 800 + backoff;
  }
  CHECK(s.rules().active_count() == 3);

  // Connectivity returns: amy and bob answer, cat stays silent and is withdrawn.
  auto a = the_announce(s.on_tick(retry_at));
  CHECK(a.message.round_id == 1);
  ack(s, {"amy", "bob"}, 1, retry_at + 5);
  auto resumed = s.on_tick(retry_at + 800);
  CHECK(count_of<seller_action::Resumed>(resumed) == 1);
  auto gone = all_of<seller_action::BuyerWithdrawn>(resumed);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].username == "cat");
  CHECK_FALSE(s.is_paused());
  auto next = the_announce(s.on_tick(retry_at + 1000));
  CHECK(next.message.round_id == 2);
  CHECK(next.message.price == Cents(1200));
}

TEST_CASE("market: failed sends to every buyer pause at once", "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"});
  (void)s.start(0).value();
  (void)s.on_send_failed("amy", 0, 20);
  auto actions = s.on_send_failed("bob", 0, 30);
  auto paused = all_of<seller_action::Paused>(actions);
  REQUIRE(paused.size() == 1);
  CHECK(paused[0].retry_at_ms == 1030);
  CHECK(s.rules().active_count() == 2);
}

TEST_CASE("market: a seller answers withdraw requests by the rules", "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  CHECK(withdraw(s, "amy", WithdrawReason::by_request, 0).reply.outcome ==
        WithdrawOutcome::not_started);
  (void)s.start(0).value();
  auto first = withdraw(s, "amy", WithdrawReason::by_request, 5);
  CHECK(first.reply.outcome == WithdrawOutcome::withdrawn);
  auto gone = all_of<seller_action::BuyerWithdrawn>(first.actions);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].status == BuyerStatus::withdrawn_by_request);
  CHECK(withdraw(s, "amy", WithdrawReason::by_request, 6).reply.outcome ==
        WithdrawOutcome::already_withdrawn);
  // zoe did not join: without a key for her, her request is not believed at all; with the
  // key the platform registered for her, it is answered not_joined.
  CHECK(error_code_of(s.on_withdraw_request(request_of(s, "zoe", WithdrawReason::by_request), 6)) ==
        "bad_signature");
  SellerKeys with_zoe = seller_keys({"amy", "bob", "cat", "zoe"});
  SellerAuction z = SellerAuction::create(AuctionRules::restore(s.rules().state()).value(),
                                          test_config(), with_zoe, s.chain().links())
                        .value();
  CHECK(withdraw(z, "zoe", WithdrawReason::by_request, 6).reply.outcome ==
        WithdrawOutcome::not_joined);
  auto max = withdraw(s, "bob", WithdrawReason::max_price, 7);
  CHECK(max.reply.outcome == WithdrawOutcome::withdrawn);
  CHECK(s.rules().find("bob")->status == BuyerStatus::withdrawn_max_price);
  auto finishes = all_of<seller_action::Finish>(max.actions);
  REQUIRE(finishes.size() == 1);
  CHECK(finishes[0].finish.record.winner == "cat");
  CHECK(finishes[0].finish.record.price == Cents(1000));
  CHECK(withdraw(s, "cat", WithdrawReason::by_request, 8).reply.outcome ==
        WithdrawOutcome::you_are_the_winner);
  CHECK(withdraw(s, "bob", WithdrawReason::by_request, 8).reply.outcome ==
        WithdrawOutcome::already_withdrawn);
}

TEST_CASE("market: a withdrawal that leaves only answered buyers closes the round early",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob"}, 0, 10);
  REQUIRE(s.is_round_open());
  (void)withdraw(s, "cat", WithdrawReason::by_request, 20);
  CHECK_FALSE(s.is_round_open());
}

TEST_CASE("market: a seller resumed from a pushed state continues at its round and price",
          "[market][seller]") {
  SellerAuction first = make_seller({"amy", "bob", "cat"});
  std::optional<AuctionState> pushed;
  std::vector<ChainLink> pushed_links;
  for (std::int64_t t = 0; t <= 4000; t += 100) {
    auto actions = t == 0 ? first.start(0).value() : first.on_tick(t);
    for (const auto& a : all_of<seller_action::Announce>(actions)) {
      ack(first, a.recipients, a.message.round_id, t);
    }
    if (t == 2000) (void)withdraw(first, "cat", WithdrawReason::by_request, t);
    for (const auto& p : all_of<seller_action::PushUpdate>(actions)) {
      pushed = p.state;
      pushed_links = p.links;
    }
  }
  REQUIRE(pushed.has_value());
  REQUIRE(pushed_links.size() == 1);  // cat's withdrawal
  CHECK(pushed->round_id == 4);
  CHECK(pushed->price == Cents(1400));

  // The seller crashes; a new one restores the pushed state and chain (through their JSON
  // form).
  auto decoded = decode_auction_state(nlohmann::json::parse(encode(*pushed).dump())).value();
  auto links =
      decode_chain_links(nlohmann::json::parse(encode_links(pushed_links).dump()), "links").value();
  SellerAuction second =
      SellerAuction::create(AuctionRules::restore(decoded).value(), test_config(),
                            seller_keys({"amy", "bob", "cat"}), std::move(links))
          .value();
  CHECK(second.chain().head() == first.chain().head());
  auto actions = second.start(50'000).value();
  auto a = the_announce(actions);
  CHECK(a.message.chain_head == first.chain().head());
  CHECK(a.message.round_id == 4);
  CHECK(a.message.price == Cents(1400));
  CHECK(a.recipients == std::vector<std::string>{"amy", "bob"});
  ack(second, {"amy", "bob"}, 4, 50'010);
  auto next = the_announce(second.on_tick(51'000));
  CHECK(next.message.round_id == 5);
  CHECK(next.message.price == Cents(1500));
}

TEST_CASE("market: a seller restored from a finished state emits the finish again",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"});
  (void)s.start(0).value();
  auto r = withdraw(s, "amy", WithdrawReason::by_request, 10);
  REQUIRE(s.rules().is_finished());
  SellerAuction again =
      SellerAuction::create(AuctionRules::restore(s.rules().state()).value(), test_config(),
                            seller_keys({"amy", "bob"}), s.chain().links())
          .value();
  auto actions = again.start(100).value();
  auto finishes = all_of<seller_action::Finish>(actions);
  REQUIRE(finishes.size() == 1);
  const seller_action::Finish before = all_of<seller_action::Finish>(r.actions).at(0);
  CHECK(finishes[0].finish.record == before.finish.record);
  CHECK(finishes[0].finish == before.finish);  // the same signed result, over the same chain
  CHECK(finishes[0].links == before.links);
  CHECK(count_of<seller_action::Announce>(actions) == 0);
}

TEST_CASE("market: updates are pushed every push period", "[market][seller]") {
  SellerConfig config = test_config();
  config.push_period_ms = 2500;
  SellerAuction s = make_seller({"amy", "bob"}, config);
  std::vector<RoundId> pushed_rounds;
  for (std::int64_t t = 0; t <= 10'000; t += 100) {
    auto actions = t == 0 ? s.start(0).value() : s.on_tick(t);
    for (const auto& a : all_of<seller_action::Announce>(actions)) {
      ack(s, a.recipients, a.message.round_id, t);
    }
    for (const auto& p : all_of<seller_action::PushUpdate>(actions)) {
      pushed_rounds.push_back(p.state.round_id);
    }
  }
  CHECK(pushed_rounds == std::vector<RoundId>{0, 2, 5, 7, 10});
}

TEST_CASE("market: a seller config must keep the ack deadline inside the period",
          "[market][seller]") {
  SellerConfig c = test_config();
  c.ack_deadline_ms = 1000;
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.period_ms = 0;
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.push_period_ms = 0;
  CHECK(validate(c).error().code == "invalid_argument");
  c = test_config();
  c.pause_retry_ms_max = 999;
  CHECK(validate(c).error().code == "invalid_argument");
  CHECK(validate(SellerConfig{}).has_value());
}

TEST_CASE(
    "market: of two last buyers withdrawing at once the second is told it won, and the "
    "finish is emitted once",
    "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"});
  (void)s.start(0).value();
  auto first = withdraw(s, "bob", WithdrawReason::by_request, 100);
  auto second = withdraw(s, "amy", WithdrawReason::by_request, 100);
  CHECK(first.reply.outcome == WithdrawOutcome::withdrawn);
  CHECK(second.reply.outcome == WithdrawOutcome::you_are_the_winner);
  CHECK(count_of<seller_action::Finish>(first.actions) == 1);
  CHECK(second.actions.empty());
  CHECK(s.rules().winner() == "amy");
}

TEST_CASE("market: a price that would overflow stays capped and the round is announced again",
          "[market][seller]") {
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  AuctionRules rules =
      AuctionRules::create(auction_id, Cents(max - 150), Cents(100), {"amy", "bob"}).value();
  SellerAuction s =
      SellerAuction::create(std::move(rules), test_config(), seller_keys({"amy", "bob"})).value();
  (void)s.start(0).value();
  ack(s, {"amy", "bob"}, 0, 10);
  auto a1 = the_announce(s.on_tick(1000));
  CHECK(a1.message.round_id == 1);
  ack(s, {"amy", "bob"}, 1, 1010);
  auto a2 = the_announce(s.on_tick(2000));
  CHECK(a2.message.round_id == 1);
  CHECK(a2.message.price == Cents(max - 50));
  // Buyers can still leave, so the auction still ends.
  auto w = withdraw(s, "amy", WithdrawReason::by_request, 2100);
  CHECK(all_of<seller_action::Finish>(w.actions).at(0).finish.record.winner == "bob");
}

TEST_CASE("market: a seller says when it is next due: the round's deadline, then the next round",
          "[market][seller]") {
  SellerConfig config = test_config();
  config.push_period_ms = 5000;  // the pushes fall after the rounds here
  SellerAuction s = make_seller({"amy", "bob", "cat"}, config);
  CHECK_FALSE(s.next_tick_due_ms().has_value());  // not started: only start() moves it
  (void)s.start(0);
  CHECK(s.next_tick_due_ms() == 800);  // the open round's deadline
  // Once everyone answered the round is closed: next is the next round, a period later.
  (void)ack(s, {"amy", "bob", "cat"}, 0, 100);
  CHECK(s.next_tick_due_ms() == 1000);
  // Nothing happens before the due time; at it, the next round goes out.
  CHECK(all_of<seller_action::Announce>(s.on_tick(999)).empty());
  CHECK(the_announce(s.on_tick(1000)).message.round_id == 1);
  CHECK(s.next_tick_due_ms() == 1800);
  // Finished: nothing is due any more.
  (void)s.on_tick(1800);  // nobody acked round 1: all silent, a pause, nobody withdrawn
  (void)withdraw(s, "amy", WithdrawReason::by_request, 1900);
  (void)withdraw(s, "bob", WithdrawReason::by_request, 1900);
  CHECK(s.rules().is_finished());
  CHECK_FALSE(s.next_tick_due_ms().has_value());
}

// An attacker (a stranger on the network, or another buyer) tries to make the seller drop a
// buyer or count a forged ack. Every attempt is refused and nothing changes. Then what the
// seller signs, checked the way a buyer and a verifier of the transcript check it.

namespace {

using auction::test::public_key_of;
using auction::test::signed_ack;
using auction::test::signed_withdraw;
using auction::test::test_cluster;

// Runs rounds 0 .. `round` with every active buyer acking each; returns the last actions.
std::vector<SellerAction> run_to_round(SellerAuction& s, RoundId round) {
  std::vector<SellerAction> actions = s.start(0).value();
  for (RoundId r = 0;; ++r) {
    ack(s, the_announce(actions).recipients, r, static_cast<std::int64_t>(r) * 1000 + 10);
    if (r == round) return actions;
    actions = s.on_tick(static_cast<std::int64_t>(r + 1) * 1000);
  }
}

bool is_sellers(std::string_view statement, identity::SigningPurpose purpose,
                const identity::Signature& signature) {
  return verify_statement(public_key_of("sam"), test_cluster, purpose, statement, signature);
}

}  // namespace

TEST_CASE(
    "market: a withdraw request signed by a stranger or another buyer or for another auction or "
    "in another cluster is bad_signature and the buyer stays active",
    "[market][seller][attack]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)run_to_round(s, 2);
  const RoundId r = 2;
  const Cents price(1200);
  const auto by_request = WithdrawReason::by_request;
  struct Forgery {
    const char* what;
    WithdrawRequest request;
  };
  std::vector<Forgery> forgeries = {
      {"a stranger", signed_withdraw(auction_id, "amy", by_request, r, price, test_signer("zed"))},
      {"another buyer",
       signed_withdraw(auction_id, "amy", by_request, r, price, test_signer("bob"))},
      {"amy in another cluster",
       signed_withdraw(auction_id, "amy", by_request, r, price, test_signer("amy", "other"))},
      {"amy for another auction",
       signed_withdraw(AuctionId{10}, "amy", by_request, r, price, test_signer("amy"))},
      {"nobody", WithdrawRequest{auction_id, "amy", by_request, r, price, {}}},
  };
  // amy's own request for auction 10, sent as one for this auction.
  WithdrawRequest moved = signed_withdraw(AuctionId{10}, "amy", by_request, r, price);
  moved.auction_id = auction_id;
  forgeries.push_back({"amy's for another auction, readdressed", moved});
  // amy's signature under another purpose (an ack's) over the same statement.
  WithdrawRequest wrong_purpose{auction_id, "amy", by_request, r, price, {}};
  wrong_purpose.signature =
      sign_statement(test_signer("amy"), identity::SigningPurpose::ack,
                     withdraw_statement(auction_id, "amy", by_request, r, price));
  forgeries.push_back({"amy under another purpose", wrong_purpose});
  // amy's real request, its reason changed after signing.
  WithdrawRequest changed = signed_withdraw(auction_id, "amy", by_request, r, price);
  changed.reason = WithdrawReason::max_price;
  forgeries.push_back({"amy, reason changed", changed});
  // bob's real request, sent as amy's.
  WithdrawRequest renamed = signed_withdraw(auction_id, "bob", by_request, r, price);
  renamed.username = "amy";
  forgeries.push_back({"bob's, renamed", renamed});

  const identity::Sha256Digest head = s.chain().head();
  for (const Forgery& forgery : forgeries) {
    INFO(forgery.what);
    auto refused = s.on_withdraw_request(forgery.request, 2100);
    CHECK(error_code_of(refused) == "bad_signature");
    CHECK(s.rules().find("amy")->is_active());
    CHECK(s.rules().active_count() == 3);
    CHECK(s.chain().links().empty());
    CHECK(s.chain().head() == head);
  }
  // The next round still lists amy active and announces to her.
  auto next = the_announce(s.on_tick(3000));
  CHECK(next.message.round_id == 3);
  CHECK(next.recipients == std::vector<std::string>{"amy", "bob", "cat"});
  CHECK(next.message.chain_head == head);
}

TEST_CASE(
    "market: a correctly signed withdraw request withdraws the buyer and appends a chain link "
    "with its proof",
    "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)run_to_round(s, 2);
  const identity::Sha256Digest opened = s.chain().head();
  CHECK(opened == chain_opening_digest(s.chain().opening()));
  // amy asked having seen round 1 only (her request crossed round 2's announcement).
  const WithdrawRequest request =
      signed_withdraw(auction_id, "amy", WithdrawReason::by_request, 1, Cents(1100));
  auto response = s.on_withdraw_request(request, 2100).value();
  CHECK(response.reply.outcome == WithdrawOutcome::withdrawn);
  CHECK(count_of<seller_action::BuyerWithdrawn>(response.actions) == 1);
  CHECK_FALSE(s.rules().find("amy")->is_active());

  const ChainLink expected{2,
                           {ChainWithdrawal{"amy", BuyerStatus::withdrawn_by_request,
                                            WithdrawProof{1, Cents(1100), request.signature}}}};
  REQUIRE(s.chain().links().size() == 1);
  CHECK(s.chain().links()[0] == expected);
  CHECK(s.chain().head() == chain_next_digest(opened, expected));

  // Sent again (the buyer did not hear the reply): already out, no second link.
  CHECK(s.on_withdraw_request(request, 2200).value().reply.outcome ==
        WithdrawOutcome::already_withdrawn);
  CHECK(s.chain().links().size() == 1);

  // The next round names the new head, and the push carries the link.
  auto actions = s.on_tick(3000);
  CHECK(the_announce(actions).message.chain_head == s.chain().head());
  auto pushes = all_of<seller_action::PushUpdate>(actions);
  REQUIRE(pushes.size() == 1);
  CHECK(pushes[0].links == std::vector<ChainLink>{expected});
}

TEST_CASE("market: a withdraw request whose price is not its round's price is implausible_round",
          "[market][seller][attack]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  (void)run_to_round(s, 2);
  for (const auto& [round, price] : std::vector<std::pair<RoundId, Cents>>{
           {2, Cents(1150)}, {2, Cents(99'999'900)}, {RoundId{1} << 40, Cents(1200)}}) {
    INFO(round << " at " << price.value);
    auto refused = s.on_withdraw_request(
        signed_withdraw(auction_id, "amy", WithdrawReason::by_request, round, price), 2100);
    CHECK(error_code_of(refused) == "implausible_round");
    CHECK(s.rules().find("amy")->is_active());
    CHECK(s.chain().links().empty());
  }
}

TEST_CASE("market: an ack signed by another key or for another announcement is not a signed ack",
          "[market][seller][attack]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"});
  auto actions = run_to_round(s, 1);
  const AnnouncePrice message = the_announce(actions).message;
  REQUIRE(message.round_id == 1);
  CHECK(s.is_signed_ack("amy", signed_ack(message, "amy")));
  CHECK(s.is_signed_ack("amy", signed_ack(message, "amy"), message));
  CHECK(s.is_signed_ack("amy", signed_ack(message, "amy", false)));

  AnnouncePrice round_0 = message;  // what round 0 said
  round_0.round_id = 0;
  round_0.price = Cents(1000);
  AnnouncePrice other_head = message;
  other_head.chain_head = identity::sha256("another history");
  PeerAck wrong_round = signed_ack(message, "amy");
  wrong_round.round_id = 0;
  PeerAck other_auction = signed_ack(message, "amy");
  other_auction.auction_id = AuctionId{10};
  struct Forgery {
    const char* what;
    std::string username;
    PeerAck ack;
  };
  const std::vector<Forgery> forgeries = {
      {"a stranger's", "amy", signed_ack(message, "amy", true, test_signer("zed"))},
      {"bob's key for amy", "amy", signed_ack(message, "amy", true, test_signer("bob"))},
      {"amy's own, claimed by bob", "bob", signed_ack(message, "amy")},
      {"amy's in another cluster", "amy",
       signed_ack(message, "amy", true, test_signer("amy", "other"))},
      {"amy's of round 0", "amy", signed_ack(round_0, "amy")},
      {"amy's of another chain head", "amy", signed_ack(other_head, "amy")},
      {"amy's for another round id", "amy", wrong_round},
      {"amy's for another auction", "amy", other_auction},
      {"unsigned", "amy", PeerAck{auction_id, 1, true, {}}},
      {"a stranger's own", "zed", signed_ack(message, "zed")},
  };
  for (const Forgery& forgery : forgeries) {
    INFO(forgery.what);
    CHECK_FALSE(s.is_signed_ack(forgery.username, forgery.ack));
    CHECK_FALSE(s.is_signed_ack(forgery.username, forgery.ack, message));
  }
  // The three-argument form checks against the message given: round 0's ack is round 0's.
  CHECK(s.is_signed_ack("amy", signed_ack(round_0, "amy"), round_0));
  CHECK_FALSE(s.is_signed_ack("amy", signed_ack(message, "amy"), round_0));
}

TEST_CASE("market: silent withdrawals at a round's close append one link naming those buyers",
          "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat", "dan"});
  (void)s.start(0).value();
  ack(s, {"amy", "bob"}, 0, 100);
  const identity::Sha256Digest opened = s.chain().head();
  auto closed = s.on_tick(800);
  CHECK(count_of<seller_action::BuyerWithdrawn>(closed) == 2);
  const ChainLink expected{0,
                           {ChainWithdrawal{"cat", BuyerStatus::withdrawn_silent, std::nullopt},
                            ChainWithdrawal{"dan", BuyerStatus::withdrawn_silent, std::nullopt}}};
  REQUIRE(s.chain().links().size() == 1);
  CHECK(s.chain().links()[0] == expected);
  CHECK(s.chain().head() == chain_next_digest(opened, expected));
  // A round where everyone answers adds nothing.
  auto next = the_announce(s.on_tick(1000));
  CHECK(next.message.chain_head == s.chain().head());
  ack(s, {"amy", "bob"}, 1, 1100);
  (void)s.on_tick(1800);
  CHECK(s.chain().links().size() == 1);
  // Nor does a pause: everyone silent withdraws nobody.
  (void)the_announce(s.on_tick(2000));
  CHECK(count_of<seller_action::Paused>(s.on_tick(2800)) == 1);
  CHECK(s.chain().links().size() == 1);
}

TEST_CASE(
    "market: every announcement verifies with the seller's key and names the chain head and "
    "the result verifies as a transcript",
    "[market][seller]") {
  // A whole auction: amy leaves by request in round 1, cat is silent in round 3, bob's proxy
  // withdraws him in round 4 (he asked having seen round 3), dan leaves by request in round 5
  // and eve wins.
  const std::vector<std::string> buyers = {"amy", "bob", "cat", "dan", "eve"};
  SellerAuction s = make_seller(buyers);
  std::vector<SellerAction> all;
  std::vector<seller_action::Announce> announces;
  std::optional<seller_action::Finish> finish;
  auto take = [&](const std::vector<SellerAction>& actions) {
    for (const auto& a : all_of<seller_action::Announce>(actions)) {
      const AnnouncePrice& m = a.message;
      INFO("round " << m.round_id);
      CHECK_FALSE(m.is_compact);
      CHECK(m.chain_head == s.chain().head());  // the head as of this announcement
      CHECK(m.price == Cents(1000 + 100 * static_cast<std::int64_t>(m.round_id)));
      CHECK(is_sellers(announcement_statement(m), identity::SigningPurpose::announcement,
                       m.signature));
      CHECK_FALSE(verify_statement(public_key_of("sam"), "other-cluster",
                                   identity::SigningPurpose::announcement,
                                   announcement_statement(m), m.signature));
      announces.push_back(a);
    }
    for (const auto& f : all_of<seller_action::Finish>(actions)) {
      CHECK_FALSE(finish.has_value());
      finish = f;
    }
  };
  auto withdraw_as = [&](std::string_view name, WithdrawReason reason, RoundId seen,
                         std::int64_t now) {
    const Cents price(1000 + 100 * static_cast<std::int64_t>(seen));
    auto response =
        s.on_withdraw_request(signed_withdraw(auction_id, name, reason, seen, price), now);
    REQUIRE(response.has_value());
    CHECK(response->reply.outcome == WithdrawOutcome::withdrawn);
    take(response->actions);
  };
  take(s.start(0).value());
  for (RoundId r = 0; !finish && r < 20; ++r) {
    const std::int64_t t0 = static_cast<std::int64_t>(r) * 1000;
    if (r > 0) take(s.on_tick(t0));
    std::vector<std::string> answering = announces.back().recipients;
    if (r >= 3) std::erase(answering, "cat");
    take(ack(s, answering, r, t0 + 10));
    if (r == 1) withdraw_as("amy", WithdrawReason::by_request, 1, t0 + 20);
    if (r == 4) withdraw_as("bob", WithdrawReason::max_price, 3, t0 + 20);
    if (r == 5) withdraw_as("dan", WithdrawReason::by_request, 5, t0 + 20);
    take(s.on_tick(t0 + 800));
  }
  REQUIRE(finish.has_value());
  const SignedFinish& signed_result = finish->finish;
  CHECK(signed_result.record.winner == "eve");
  CHECK(signed_result.record.round_id == 5);
  CHECK(signed_result.record.price == Cents(1500));
  CHECK(signed_result.chain_head == s.chain().head());
  CHECK(is_sellers(finished_statement(signed_result.record, signed_result.chain_head),
                   identity::SigningPurpose::auction_finished, signed_result.signature));
  CHECK(finish->links == s.chain().links());
  CHECK(finish->links.size() == 4);  // amy, cat, bob, dan: each left in a round of its own

  // The transcript: the chain's opening, the links, the signed result.
  TranscriptKeys keys{public_key_of("sam"), {}};
  for (const std::string& b : buyers) keys.buyers.emplace(b, public_key_of(b));
  const Transcript transcript{s.chain().opening(), finish->links, signed_result};
  auto replay = verify_transcript(transcript, keys, test_cluster);
  INFO(auction::test::error_code_of(replay));
  REQUIRE(replay.has_value());
  REQUIRE(replay->withdrawals.size() == 4);
  CHECK(replay->withdrawals[0].username == "amy");
  CHECK(replay->withdrawals[1].username == "cat");
  CHECK_FALSE(replay->withdrawals[1].proof.has_value());
  CHECK(replay->withdrawals[2].username == "bob");
  CHECK(replay->withdrawals[2].status == BuyerStatus::withdrawn_max_price);
  CHECK(replay->withdrawals[3].username == "dan");
  CHECK(replay->head == signed_result.chain_head);
  // And through its JSON form, as anyone would be handed it.
  auto decoded = decode_transcript(nlohmann::json::parse(encode(transcript).dump()));
  REQUIRE(decoded.has_value());
  CHECK(verify_transcript(*decoded, keys, test_cluster).has_value());
  // Not in another cluster, nor with a link left out.
  CHECK(error_code_of(verify_transcript(transcript, keys, "other-cluster")) == "bad_signature");
  Transcript dropped = transcript;
  dropped.links.erase(dropped.links.begin() + 1);  // cat's silence
  CHECK_FALSE(verify_transcript(dropped, keys, test_cluster).has_value());

  // The other signed messages: the introduction and seller_back.
  const AnnouncePrice intro = s.introduction();
  CHECK(intro.chain_head == s.chain().head());
  CHECK(is_sellers(announcement_statement(intro), identity::SigningPurpose::announcement,
                   intro.signature));
  const SellerBack back = s.seller_back("10.0.0.2:7001");
  CHECK(back.round_id == s.rules().round_id());
  CHECK(is_sellers(seller_back_statement(back), identity::SigningPurpose::seller_back,
                   back.signature));
}

TEST_CASE(
    "market: with a grace of two rounds a buyer is withdrawn as silent at its second "
    "missed acknowledgement in a row",
    "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob", "cat"}, test_config(), grace_of(2));
  (void)s.start(0).value();
  // Round 0: cat misses its first. Still in, and announced to.
  ack(s, {"amy", "bob"}, 0, 100);
  CHECK(all_of<seller_action::BuyerWithdrawn>(s.on_tick(800)).empty());
  CHECK(s.rules().find("cat")->is_active());
  auto a1 = the_announce(s.on_tick(1000));
  CHECK(a1.recipients == std::vector<std::string>{"amy", "bob", "cat"});
  // Round 1: cat answers, which starts its count again; bob misses his first.
  ack(s, {"amy", "cat"}, 1, 1100);
  CHECK(all_of<seller_action::BuyerWithdrawn>(s.on_tick(1800)).empty());
  (void)s.on_tick(2000);
  // Round 2: cat misses one (its first again), bob his second in a row: bob leaves.
  ack(s, {"amy"}, 2, 2100);
  auto gone = all_of<seller_action::BuyerWithdrawn>(s.on_tick(2800));
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].username == "bob");
  CHECK(gone[0].round_id == 2);
  CHECK(s.rules().find("cat")->is_active());
  (void)s.on_tick(3000);
  // Round 3: cat's second in a row; amy alone is left, and wins.
  ack(s, {"amy"}, 3, 3100);
  auto closed = s.on_tick(3800);
  CHECK(count_of<seller_action::BuyerWithdrawn>(closed) == 1);
  REQUIRE(count_of<seller_action::Finish>(closed) == 1);
  CHECK(all_of<seller_action::Finish>(closed).at(0).finish.record.winner == "amy");
}

TEST_CASE(
    "market: a round where every buyer is silent counts as missed for nobody, whatever "
    "the grace",
    "[market][seller]") {
  SellerAuction s = make_seller({"amy", "bob"}, test_config(), grace_of(2));
  (void)s.start(0).value();
  ack(s, {"amy"}, 0, 100);
  (void)s.on_tick(800);  // bob: one missed
  (void)s.on_tick(1000);
  // Round 1: nobody answers (the seller's link fails): a pause, and no count moves.
  auto paused = s.on_tick(1800);
  CHECK(count_of<seller_action::Paused>(paused) == 1);
  CHECK(all_of<seller_action::BuyerWithdrawn>(paused).empty());
  // The same round again: bob answers now, amy does not (her first); both stay in.
  auto again = the_announce(s.on_tick(2800));
  CHECK(again.message.round_id == 1);
  ack(s, {"bob"}, 1, 2900);
  auto resumed = s.on_tick(3600);
  CHECK(count_of<seller_action::Resumed>(resumed) == 1);
  CHECK(all_of<seller_action::BuyerWithdrawn>(resumed).empty());
  CHECK(s.rules().is_running());
}

TEST_CASE("market: the grace is one round or more, up to its bound", "[market][seller]") {
  const auto rules_with_grace = [](std::uint32_t rounds) {
    return AuctionRules::create(auction_id, Cents(1000), Cents(100), {"amy"}, grace_of(rounds));
  };
  CHECK(rules_with_grace(0).error().message.starts_with("grace_rounds"));
  CHECK(rules_with_grace(limits::grace_rounds_max + 1).error().message.starts_with("grace_rounds"));
  CHECK(rules_with_grace(limits::grace_rounds_max).has_value());
}

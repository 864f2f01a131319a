// The first demonstration, with real processes: three replicas, a seller and three buyers.
// An auction is created, joined and started; prices rise; one buyer withdraws by command and
// one by its max price; the right buyer wins at the right price, and every participant and a
// fresh fetch_auctions agree. Also: a buyer cannot join a started auction, and a non-owner
// cannot start, update or finish another seller's auction.
#include <catch2/catch.hpp>

#include "integration/auction_cli.hpp"

using namespace auction::test;

TEST_CASE("auction: a seller and three buyers run an auction to the right winner and price",
          "[auction][integration]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");

  AuctionCli alice("seller", cluster, "alice", {"--state-dir", state.path().string()});
  AuctionCli bob("buyer", cluster, "bob");
  AuctionCli carol("buyer", cluster, "carol", {"--max-price", "12.50"});
  AuctionCli dave("buyer", cluster, "dave");

  alice.ask(R"(create "spring sale" lamp 10.00 0.50 300 "a brass lamp")", "created auction 1");
  for (AuctionCli* b : {&bob, &carol, &dave}) b->ask("join 1", "joined auction 1");
  alice.ask("start 1", "auction 1 started");

  // Prices rise; dave leaves by command once he has seen round 2.
  // Each round line says how many are still in and when the price moves next.
  dave.expect("auction 1: round 2, price 11.00; 3 of 3 still in; next price 11.50 in 300 ms");
  dave.ask("withdraw 1", "asked the seller to let you out of auction 1");
  dave.expect("you asked to leave; the seller answered your withdrawal: you are out");

  // carol's proxy leaves at the first price above 12.50, so bob wins at the price of the
  // round in which the last of the others left.
  const std::string dave_out = alice.expect("dave withdrew (by request) in round ");
  // bob learns it from the next announcement, and names the same round as the seller.
  bob.expect_anywhere("auction 1: dave withdrew (by request) in round " +
                      std::to_string(round_in(dave_out)));
  // carol's proxy names the price that passed her max (the answer may come after the end).
  carol.expect_anywhere(
      "auction 1: the price 13.00 passed your max price 12.50; the seller answered your "
      "withdrawal: you are out");
  const std::string carol_out = alice.expect("carol withdrew (max price) in round ");
  const std::uint64_t last_round = round_in(carol_out);
  CHECK(last_round >= 6);
  const std::string price = dollars(1000 + 50 * static_cast<std::int64_t>(last_round));
  const std::string result =
      "finished in round " + std::to_string(last_round) + ": bob wins at " + price;
  alice.expect("auction 1: " + result);
  bob.expect(result + " (you won)");
  carol.expect(result + " (you did not win)");
  dave.expect(result + " (you did not win)");
  alice.expect("auction 1: result recorded by the platform");

  // A fresh reader agrees.
  PlatformUser reader(cluster.client_options());
  reader.act_as("dave", auction::test::cli_keys(cluster, "dave"));
  auto fetched = reader.call("fetch_auctions", {{"username", "dave"}});
  REQUIRE(fetched.has_value());
  const json& auction = (*fetched)["auctions"].at(0);
  CHECK(auction["stage"] == "finished");
  CHECK(auction["winner"] == "bob");
  CHECK(auction["price"] == 1000 + 50 * static_cast<std::int64_t>(last_round));
  bob.ask("show 1", "won by bob at " + price);
  bob.expect("  a brass lamp");  // the item's description, on the line after

  // Anyone who took part can check the result from the transcript the platform keeps: the
  // chain replays to it, dave's and carol's withdrawals carry their signatures, alice signed it.
  dave.ask("verify 1", "dave withdrew (by_request), signed by dave");
  dave.expect("carol withdrew (max_price), signed by carol");
  dave.expect("result: bob wins in round " + std::to_string(last_round) + " at " + price);
  dave.expect("your key: matches");
  dave.expect("verified: the result follows from the seller's chain by the rules");
  alice.ask("verify 1", "verified: the result follows");
}

TEST_CASE(
    "auction: a buyer cannot join a started auction, and a non-owner cannot start, "
    "update or finish another seller's auction",
    "[auction][integration]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");
  AuctionCli alice("seller", cluster, "alice", {"--state-dir", state.path().string()});
  AuctionCli bob("buyer", cluster, "bob");
  AuctionCli carol("buyer", cluster, "carol");
  TempDir other_state("ppapd-seller");
  AuctionCli mallory("seller", cluster, "mallory", {"--state-dir", other_state.path().string()});

  alice.ask("create lamp lamp 1.00 0.10 300", "created auction 1");
  bob.ask("join 1", "joined auction 1");
  carol.ask("join 1", "joined auction 1");
  mallory.ask("start 1", "start: mallory is not the seller of auction 1");
  mallory.ask("cancel 1", "cancel: mallory is not the seller of auction 1");
  alice.ask("start 1", "auction 1 started");
  bob.expect("auction 1: round 1,");

  AuctionCli erin("buyer", cluster, "erin");
  erin.ask("join 1", "join: auction 1 has already started: that can be done only before the start");
  mallory.ask("resume 1", "resume: auction 1 is not yours");

  // mallory, with her own key, is still not alice.
  PlatformUser intruder(cluster.client_options());
  intruder.act_as("mallory", auction::test::cli_keys(cluster, "mallory"));
  auto update = intruder.call("update_auction", {{"seller", "mallory"},
                                                 {"auction_id", 1},
                                                 {"round_id", 50},
                                                 {"current_price", 600},
                                                 {"links", json::array()}});
  REQUIRE_FALSE(update.has_value());
  CHECK(update.error().code == "not_owner");
  auto finish = intruder.call("finish_auction", {{"seller", "mallory"},
                                                 {"auction_id", 1},
                                                 {"winner", "bob"},
                                                 {"price", 600},
                                                 {"round_id", 50},
                                                 {"links", json::array()},
                                                 {"chain_head", std::string(64, '0')},
                                                 {"signature", std::string(128, '0')}});
  REQUIRE_FALSE(finish.has_value());
  CHECK(finish.error().code == "not_owner");

  // A stranger who names alice, with a key that is not alice's, can do nothing as alice:
  // not push a round far ahead, not finish, not read her seller's view, not move her address.
  PlatformUser stranger(cluster.client_options());  // proves a key of its own for "alice"
  auto forged_update = stranger.call("update_auction", {{"seller", "alice"},
                                                        {"auction_id", 1},
                                                        {"round_id", 1'000'000'000'000},
                                                        {"current_price", 600},
                                                        {"links", json::array()}});
  REQUIRE_FALSE(forged_update.has_value());
  CHECK(forged_update.error().code == "unauthenticated");
  auto forged_finish = stranger.call("finish_auction", {{"seller", "alice"},
                                                        {"auction_id", 1},
                                                        {"winner", "carol"},
                                                        {"price", 600},
                                                        {"round_id", 50},
                                                        {"links", json::array()},
                                                        {"chain_head", std::string(64, '0')},
                                                        {"signature", std::string(128, '0')}});
  REQUIRE_FALSE(forged_finish.has_value());
  CHECK(forged_finish.error().code == "unauthenticated");
  auto seller_view = stranger.call("fetch_auctions", {{"username", "alice"}});
  REQUIRE_FALSE(seller_view.has_value());
  CHECK(seller_view.error().code == "unauthenticated");
  auto moved = stranger.call("login", {{"username", "alice"}, {"address", "10.6.6.6:666"}});
  REQUIRE_FALSE(moved.has_value());
  CHECK(moved.error().code == "unauthenticated");
  auto joined_as_bob = stranger.call("quit_auction", {{"username", "bob"}, {"auction_id", 1}});
  REQUIRE_FALSE(joined_as_bob.has_value());
  CHECK(joined_as_bob.error().code == "unauthenticated");

  carol.ask("withdraw 1", "asked the seller");
  alice.expect("auction 1: finished in round ");
  alice.expect("result recorded by the platform");
  auto fetched = intruder.call("fetch_auctions", {{"username", "mallory"}});
  REQUIRE(fetched.has_value());
  CHECK((*fetched)["auctions"].at(0)["winner"] == "bob");
}

// The second and third demonstrations with real processes, and the other failures a running
// auction must survive: the seller killed mid-auction (buyers see the pause, the seller comes
// back at a new port and resumes from its last pushed state), every replica killed
// mid-auction (the auction finishes peer to peer; the journaled result lands once the
// platform is back and a newcomer sees it), a buyer killed mid-auction (withdrawn at its next
// missed round), and many auctions run at once by one seller.
#include <catch2/catch.hpp>

#include <csignal>

#include "integration/auction_cli.hpp"

using namespace auction::test;

namespace {

// A started auction with seller alice and buyers bob and carol; returns when bob has seen
// round `round`.
struct Running {
  explicit Running(Cluster& cluster, std::uint64_t round = 2)
      : alice("seller", cluster, "alice",
              {"--state-dir", state.path().string(), "--push-period-ms", "100"}),
        bob("buyer", cluster, "bob"),
        carol("buyer", cluster, "carol") {
    alice.ask("create lamp lamp 10.00 0.50 300", "created auction 1");
    bob.ask("join 1", "joined auction 1");
    carol.ask("join 1", "joined auction 1");
    alice.ask("start 1", "auction 1 started");
    bob.expect("auction 1: round " + std::to_string(round) + ",");
  }
  TempDir state{"ppapd-seller"};
  AuctionCli alice;
  AuctionCli bob;
  AuctionCli carol;
};

std::string finish_line(std::uint64_t round, const std::string& winner) {
  return "finished in round " + std::to_string(round) + ": " + winner + " wins at " +
         dollars(1000 + 50 * static_cast<std::int64_t>(round));
}

}  // namespace

TEST_CASE(
    "auction: a seller killed mid-auction comes back at a new port, its buyers are told, "
    "and the auction resumes from the last pushed state",
    "[auction][integration]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  Running run(cluster, 3);

  run.alice.process().signal(SIGKILL);
  run.bob.expect("auction 1: paused: no word from the seller");
  run.carol.expect("auction 1: paused: no word from the seller");

  AuctionCli again("seller", cluster, "alice",
                   {"--state-dir", run.state.path().string(), "--push-period-ms", "100"});
  again.expect("auction 1: paused at round ");
  again.ask("list", "(paused: resume 1)");
  const std::string resumed = again.ask("resume 1", "auction 1 resumed from round ");
  const std::uint64_t from = round_in(resumed);
  // bob saw round 3; the seller pushed (to its journal and the platform) every 100 ms, so
  // round 2 at least was kept, and nothing it never reached.
  CHECK(from >= 2);
  CHECK(from <= 3);
  run.bob.expect("auction 1: seller alice is back, at ");
  run.bob.expect("auction 1: resumed at round");
  run.carol.expect("auction 1: resumed at round");

  run.carol.ask("withdraw 1", "asked the seller");
  const std::string finished = again.expect("auction 1: finished in round ");
  const std::uint64_t last = round_in(finished);
  CHECK(last >= from);
  CHECK(finished.find(finish_line(last, "bob")) != std::string::npos);
  run.bob.expect(finish_line(last, "bob") + " (you won)");
  run.carol.expect(finish_line(last, "bob") + " (you did not win)");
  again.expect("auction 1: result recorded by the platform");
}

TEST_CASE(
    "auction: a seller restarted with --resume resumes its paused auction by itself, and its "
    "buyers hear of its login before the auction goes on",
    "[auction][integration]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  Running run(cluster, 3);

  run.alice.process().signal(SIGKILL);
  run.bob.expect("auction 1: paused: no word from the seller");
  AuctionCli again(
      "seller", cluster, "alice",
      {"--state-dir", run.state.path().string(), "--push-period-ms", "100", "--resume"});
  run.bob.expect("alice logged in again (at 127.0.0.1:");
  run.carol.expect("alice logged in again (at 127.0.0.1:");
  again.expect("auction 1: paused at round ");
  again.expect(": resuming it");
  again.expect("auction 1 resumed from round ");
  run.bob.expect("auction 1: resumed at round");
  run.carol.ask("withdraw 1", "asked the seller");
  again.expect("auction 1: finished in round ");
}

TEST_CASE("auction: a seller's screen says an auction started before it says it ended",
          "[auction][integration]") {
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");
  AuctionCli alice("seller", cluster, "alice", {"--state-dir", state.path().string()});
  AuctionCli bob("buyer", cluster, "bob");
  // One buyer: the auction ends in its first round, while `start` is still being answered.
  alice.ask("create solo lamp 1.00 0.10 300", "created auction 1");
  bob.ask("join 1", "joined auction 1");
  alice.ask("start 1", "auction 1 started");
  alice.expect("auction 1: finished in round 0: bob wins at 1.00");
  alice.expect("auction 1: result recorded by the platform");
}

TEST_CASE(
    "auction: with every replica killed the auction finishes peer to peer, and the "
    "journaled result lands when the platform is back",
    "[auction][integration]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  Running run(cluster);

  for (std::uint64_t id = 1; id <= 3; ++id) cluster.kill(id);
  run.bob.expect("auction 1: round 5,");  // rounds go on without the platform
  run.carol.ask("withdraw 1", "asked the seller");
  const std::string finished = run.alice.expect("auction 1: finished in round ");
  const std::uint64_t last = round_in(finished);
  CHECK(finished.find(finish_line(last, "bob")) != std::string::npos);
  run.bob.expect(finish_line(last, "bob") + " (you won)");
  run.carol.expect(finish_line(last, "bob") + " (you did not win)");
  CHECK(run.alice.output().find("result recorded") == std::string::npos);

  cluster.start_all();
  run.alice.expect("auction 1: result recorded by the platform");
  AuctionCli erin("buyer", cluster, "erin");
  erin.ask("list", "won by bob at " + dollars(1000 + 50 * static_cast<std::int64_t>(last)));
}

TEST_CASE("auction: a buyer killed mid-auction is withdrawn as silent at its next round",
          "[auction][integration]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");
  AuctionCli alice("seller", cluster, "alice", {"--state-dir", state.path().string()});
  AuctionCli bob("buyer", cluster, "bob");
  AuctionCli carol("buyer", cluster, "carol");
  AuctionCli dave("buyer", cluster, "dave");
  alice.ask("create lamp lamp 1.00 0.10 300", "created auction 1");
  for (AuctionCli* b : {&bob, &carol, &dave}) b->ask("join 1", "joined auction 1");
  alice.ask("start 1", "auction 1 started");
  dave.expect("auction 1: round 1,");
  dave.process().signal(SIGKILL);
  alice.expect("auction 1: dave withdrew (silent) in round ");
  bob.expect("dave withdrew (silent)");
  carol.ask("withdraw 1", "asked the seller");
  alice.expect("auction 1: finished in round ");
  bob.expect("(you won)");
}

TEST_CASE("auction: one seller runs many auctions at once", "[auction][integration]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");
  AuctionCli alice("seller", cluster, "alice", {"--state-dir", state.path().string()});
  AuctionCli bob("buyer", cluster, "bob", {"--max-price", "1.50"});
  AuctionCli carol("buyer", cluster, "carol");
  constexpr int count = 5;
  for (int id = 1; id <= count; ++id) {
    alice.ask("create lot" + std::to_string(id) + " item 1.00 0.10 200",
              "created auction " + std::to_string(id));
    bob.ask("join " + std::to_string(id), "joined auction " + std::to_string(id));
    carol.ask("join " + std::to_string(id), "joined auction " + std::to_string(id));
  }
  for (int id = 1; id <= count; ++id) {
    alice.ask("start " + std::to_string(id), "auction " + std::to_string(id) + " started");
  }
  // bob's proxy leaves every auction at 1.60 (round 6): carol wins each at that price.
  for (int id = 1; id <= count; ++id) {
    alice.ask("wait recorded " + std::to_string(id) + " 60",
              "wait recorded " + std::to_string(id) + ": done");
  }
  PlatformUser reader(cluster.client_options());
  reader.act_as("carol", auction::test::cli_keys(cluster, "carol"));
  auto fetched = reader.call("fetch_auctions", {{"username", "carol"}});
  REQUIRE(fetched.has_value());
  REQUIRE((*fetched)["auctions"].size() == count);
  for (const json& a : (*fetched)["auctions"]) {
    CHECK(a["stage"] == "finished");
    CHECK(a["winner"] == "carol");
    CHECK(a["price"] == 160);
  }
}

TEST_CASE(
    "auction: status says where a running auction stands, and quitting a buyer or a seller in "
    "it says what it would cost, and only a second quit (or Ctrl-C) leaves",
    "[auction][integration]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  Running run(cluster, 2);

  // `status` says where each stands.
  run.alice.ask("status", "auction 1: running, round ");
  run.alice.expect("2 of 2 still in (bob, carol)");
  run.bob.ask("status", "auction 1: running, round ");
  run.bob.expect("2 of 2 still in; you are in");

  // The seller: a first Ctrl-C says what leaving costs, the second leaves.
  run.alice.process().signal(SIGINT);
  run.alice.expect(
      "auction 1 is running here: if you leave, its buyers see it paused until you start the "
      "seller again and resume it; press Ctrl-C again to leave anyway");
  run.alice.process().signal(SIGINT);
  CHECK(run.alice.process().wait_exit(cli_wait_max) == 0);
  run.carol.expect("auction 1: paused: no word from the seller");

  // The buyer, in the paused auction: a quit says what leaving costs; any other line in
  // between cancels it.
  run.bob.ask("quit",
              "you are still in auction 1: if you leave, you miss the next round and are out "
              "for silence (`withdraw ID` leaves by request); type quit again to leave anyway");
  run.bob.ask("help", "commands (");
  run.bob.ask("quit", "type quit again to leave anyway");
  run.bob.send("quit");
  CHECK(run.bob.process().wait_exit(cli_wait_max) == 0);
}

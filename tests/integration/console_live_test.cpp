// The consoles keep a person informed without polling, with real processes: the lobby lines
// (a new auction, joins and quits, a start seen from outside), a seller's new login told to
// its buyers, a second program with the same --user told to the first, and the platform
// going away and coming back.
#include <catch2/catch.hpp>

#include "integration/auction_cli.hpp"

using namespace auction::test;

TEST_CASE("consoles: the lobby, logins and the platform's absence print live",
          "[auction][integration][watch]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");

  auto alice = std::make_unique<AuctionCli>(
      "seller", cluster, "alice", std::vector<std::string>{"--state-dir", state.path().string()});
  AuctionCli bob("buyer", cluster, "bob");
  AuctionCli carol("buyer", cluster, "carol");
  AuctionCli dave("buyer", cluster, "dave");

  alice->ask(R"(create "spring sale" lamp 10.00 0.50 300 "a brass lamp")", "created auction 1");
  for (AuctionCli* b : {&bob, &carol, &dave}) {
    b->expect(R"(new: #1 "spring sale" (lamp) by alice: created, base 10.00, +0.50 every 300 ms)");
  }
  bob.ask("join 1", "joined auction 1");
  alice->expect("auction 1: bob joined (1 buyer now)");
  carol.ask("join 1", "joined auction 1");
  alice->expect("auction 1: carol joined (2 buyers now)");
  bob.expect("auction 1: carol joined (2 buyers now)");
  dave.ask("join 1", "joined auction 1");
  carol.expect("auction 1: dave joined (3 buyers now)");
  dave.ask("leave 1", "left auction 1");
  alice->expect("auction 1: dave left (2 buyers now)");
  bob.expect("auction 1: dave left (2 buyers now)");

  // The seller's program is restarted: its buyers hear of its new login at once.
  alice.reset();
  alice = std::make_unique<AuctionCli>(
      "seller", cluster, "alice", std::vector<std::string>{"--state-dir", state.path().string()});
  bob.expect("alice logged in again (at 127.0.0.1:");
  carol.expect("alice logged in again (at 127.0.0.1:");

  // Seen from outside, the start closes the auction.
  alice->ask("start 1", "auction 1 started");
  dave.expect("auction 1 has started without you: it takes no new buyers");
  bob.expect("auction 1: round 1,");

  // A second program as dave takes dave's peers: the first says so.
  AuctionCli dave_again("buyer", cluster, "dave");
  dave.expect("warning: another program logged in as dave at 127.0.0.1:");

  // The platform goes away and comes back; the auction goes on peer to peer meanwhile.
  for (std::uint64_t id = 1; id <= cluster.size(); ++id) cluster.kill(id);
  bob.expect("the platform cannot be reached (");
  alice->expect("the platform cannot be reached (");
  carol.ask("withdraw 1", "asked the seller");
  alice->expect("auction 1: finished in round ");
  cluster.start_all();
  bob.expect("the platform answers again");
  alice->expect_anywhere("auction 1: result recorded by the platform");
  // The result, as bob and a bystander learn it from the platform.
  bob.expect_anywhere("the platform recorded the result of auction 1: bob won at ");
  dave.expect_anywhere("auction 1 finished: bob won at ");

  // What each does not see: its own actions, and the joins of an auction it is not in.
  CHECK(bob.output().find("auction 1: bob joined") == std::string::npos);
  CHECK(alice->output().find("new: #1") == std::string::npos);
  CHECK(dave_again.output().find("auction 1: carol joined") == std::string::npos);
}

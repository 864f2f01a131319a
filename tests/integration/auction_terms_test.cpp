// An auction's terms with real processes: a seller sets a hidden reserve, an increment table
// and a grace when it creates the auction; buyers see that there is a reserve but not what it
// is; the clock follows the table; the auction ends below the reserve, so nothing is sold,
// and every program, the platform's record and a buyer's check of the transcript say so --
// and once it has ended, everyone may see what the reserve was.
#include <catch2/catch.hpp>

#include "integration/auction_cli.hpp"

using namespace auction::test;

namespace {

// One replica, a seller (alice) and two buyers (bob, carol), each a real process.
struct Sale {
  Cluster cluster{1};
  // Up before the programs, which wait for it (members are made in this order).
  bool is_up = (cluster.start_all(), cluster.wait_for_leader(), true);
  TempDir state{"ppapd-seller"};
  AuctionCli alice{"seller", cluster, "alice", {"--state-dir", state.path().string()}};
  AuctionCli bob{"buyer", cluster, "bob"};
  AuctionCli carol{"buyer", cluster, "carol"};
};

}  // namespace

TEST_CASE(
    "auction: a hidden reserve that the clock does not reach sells nothing and every screen "
    "says so",
    "[auction][integration][terms]") {
  Sale sale;
  AuctionCli& alice = sale.alice;
  AuctionCli& bob = sale.bob;
  AuctionCli& carol = sale.carol;

  alice.ask(R"(create "rare vase" vase 10.00 1.00 300 "" hidden_reserve=100.00 )"
            R"(increments=12.00:5.00 grace=2)",
            "created auction 1");
  // The seller sees its reserve; a buyer only that there is one.
  alice.ask("show 1", "(increments +5.00 from 12.00; reserve 100.00 (hidden); grace 2 missed");
  bob.ask("show 1", "(increments +5.00 from 12.00; a hidden reserve; grace 2 missed rounds)");
  CHECK(bob.output().find("100.00") == std::string::npos);

  for (AuctionCli* b : {&bob, &carol}) b->ask("join 1", "joined auction 1");
  alice.ask("start 1", "auction 1 started");
  // The clock: 10.00, 11.00, 12.00, then +5.00 from 12.00 on.
  bob.expect("auction 1: round 3, price 17.00");
  carol.ask("withdraw 1", "asked the seller to let you out of auction 1");

  // bob is the last one in, far below the reserve: the clock goes on for him alone, and
  // when he leaves too, nothing is sold.
  alice.expect("carol withdrew (by request)");
  bob.ask("withdraw 1", "asked the seller to let you out of auction 1");
  const std::string ended = alice.expect(": unsold: the reserve was not met");
  CHECK(ended.find("auction 1: finished in round ") != std::string::npos);
  bob.expect("unsold: the reserve was not met");
  carol.expect_anywhere("unsold: the reserve was not met");
  alice.expect("auction 1: result recorded by the platform");

  // The platform's record says so, and the reserve is public now.
  bob.ask("show 1", "unsold: the reserve was not met");
  bob.ask("show 1", "reserve 100.00 (hidden)");
  // Anyone who took part can replay it: the hidden reserve matches the seller's commitment.
  bob.ask("verify 1", "reserve 100.00 (hidden)");
  bob.expect("result: unsold: the reserve was not met");
  bob.expect("verified: the result follows");
}

TEST_CASE(
    "auction: a scheduled auction starts by itself at its time, not before, and buyers see "
    "when",
    "[auction][integration][terms]") {
  Sale sale;
  AuctionCli& alice = sale.alice;
  AuctionCli& bob = sale.bob;
  AuctionCli& carol = sale.carol;

  // A few seconds ahead: enough for two joins, which take milliseconds.
  alice.ask(R"(create "dawn sale" clock 5.00 0.50 300 "" start_in=6)", "created auction 1");
  alice.expect("auction 1 starts by itself at ");
  bob.ask("show 1", " ms (starts at ");
  for (AuctionCli* b : {&bob, &carol}) b->ask("join 1", "joined auction 1");
  // Not before its time, not even by its seller.
  alice.ask("start 1", "start: auction 1 starts by itself at ");
  // Then by itself: the seller's program starts it, as `start 1`, and the buyers hear round 0.
  alice.expect("auction 1 started");
  bob.expect("auction 1: round 0, price 5.00");
  carol.expect("auction 1: round 0, price 5.00");
  bob.ask("withdraw 1", "asked the seller to let you out of auction 1");
  carol.expect("finished in round ");
  alice.expect("result recorded by the platform");
}

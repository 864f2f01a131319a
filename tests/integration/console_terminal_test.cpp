// A console at a terminal (a pseudo-terminal, as a person has): the line being typed stays
// intact while events print, and runs whole when Enter is pressed.
#include <catch2/catch.hpp>

#include "integration/auction_cli.hpp"

using namespace auction::test;

namespace {

// `cli` gets `keys` typed, and leaves with exit code 0.
void types_and_leaves(AuctionCli& cli, const std::string& keys) {
  cli.process().write_input(keys);
  const auto exited = cli.process().wait_exit(cli_wait_max);
  INFO("its output:\n" << cli.output());
  REQUIRE(exited.has_value());
  CHECK(*exited == 0);
}

}  // namespace

TEST_CASE("consoles: at a terminal, events print above the line being typed, which stays whole",
          "[auction][integration][watch]") {
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  AuctionCli bob("buyer", cluster, "bob", {}, ChildProcess::Terminal::pty);
  AuctionCli alice("seller", cluster, "alice");

  // bob has typed half a command when an auction is created.
  bob.process().write_input("lis");
  bob.expect("lis");
  alice.ask(R"(create lot lamp 10.00 0.50 1000 "a brass lamp")", "created auction 1");
  const std::string event = bob.expect(R"(new: #1 "lot" (lamp) by alice)");
  // The typed line is cleared (carriage return, erase to the end of the screen) before the
  // event is printed, and drawn again below it.
  CHECK(event.find("lis\r\x1b[Jnew: #1") != std::string::npos);
  bob.expect("> lis");
  CHECK(bob.output().find("lisnew") == std::string::npos);
  // What bob typed goes on where it was: the whole line runs.
  bob.process().write_input("t\n");
  bob.expect(R"(#1 "lot" (lamp) by alice: created)");
  // Earlier lines come back with the arrow up.
  bob.process().write_input("\x1b[A\n");
  bob.expect(R"(#1 "lot" (lamp) by alice: created)");
  // Ctrl-C is still the terminal's interrupt: with nothing at stake, the buyer leaves.
  types_and_leaves(bob, "\x03");
}

TEST_CASE("consoles: at a terminal, a typed line that wraps is cleared on every row it takes",
          "[auction][integration][watch]") {
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  AuctionCli bob("buyer", cluster, "bob", {}, ChildProcess::Terminal::pty);
  AuctionCli alice("seller", cluster, "alice");

  // On 80 columns, the prompt and 100 typed characters take two rows: before the event,
  // the cursor goes up one row, then the screen is cleared from there down.
  // 99 x's and a y: once the y is echoed, libedit has taken every key before it.
  const std::string typed = std::string(99, 'x') + "y";
  bob.process().write_input(typed);
  bob.expect("xy");
  alice.ask("create one lamp 10.00 0.50 1000", "created auction 1");
  const std::string first = bob.expect(R"(new: #1 "one" (lamp) by alice)");
  CHECK(first.find("\x1b[1A\r\x1b[Jnew: #1") != std::string::npos);

  // The window is made narrower, 40 columns: the same line now takes three rows. (The rows
  // are counted with the width the terminal has when the event prints; libedit learns of
  // it from SIGWINCH for its own redraw, which this does not see.)
  bob.process().resize_terminal(24, 40);
  alice.ask("create two lamp 10.00 0.50 1000", "created auction 2");
  const std::string second = bob.expect(R"(new: #2 "two" (lamp) by alice)");
  CHECK(second.find("\x1b[2A\r\x1b[Jnew: #2") != std::string::npos);

  // The typed line is still whole: erased (Ctrl-U) it leaves nothing to run, and the next
  // runs.
  bob.process().write_input("\x15list\n");
  bob.expect(R"(#2 "two" (lamp) by alice: created)");
  // Ctrl-\ (SIGQUIT) leaves at once, the clean way: exit code 0, no core.
  types_and_leaves(bob, "\x1c");
}

TEST_CASE(
    "consoles: at a terminal, text beyond ASCII is typed, edited and sent whole, whatever "
    "the locale",
    "[auction][integration][watch]") {
  // The environment's locale, as the test runs (often C, where libedit once dropped such
  // keys): the editor takes UTF-8 characters in any case.
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  AuctionCli alice("seller", cluster, "alice", {}, ChildProcess::Terminal::pty);
  // "cafe" with an e-acute, and a stray key erased: the erase takes the whole character.
  alice.process().write_input("create \"caf\xc3\xa9x\x7f\" lamp 10.00 0.50 1000\n");
  alice.expect("created auction 1");
  alice.process().write_input("list\n");
  alice.expect("#1 \"caf\xc3\xa9\" (lamp) by alice");
}

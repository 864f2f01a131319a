// Tests of what the consoles say in plain words: errors without their codes, the nearest
// command to a typo, and periods for people (console/console_text.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "auction/base/error.hpp"
#include "console/console_text.hpp"

using auction::Error;
using namespace auction::console::detail;

TEST_CASE(
    "console: the platform's wrong_stage is said in plain words, other errors by their "
    "message",
    "[console]") {
  CHECK(plain_error_text(Error{"wrong_stage", "auction 5 is started, needs created"}) ==
        "auction 5 has already started: that can be done only before the start");
  CHECK(plain_error_text(Error{"wrong_stage", "auction 7 is finished, needs started"}) ==
        "auction 7 is over: that can be done only while it runs");
  CHECK(plain_error_text(Error{"wrong_stage", "auction 2 is created, needs started or finished"}) ==
        "auction 2 has not started yet: that can be done only once it has started");
  // A message of another shape is kept as it is.
  CHECK(plain_error_text(Error{"wrong_stage", "something else"}) == "something else");
  CHECK(plain_error_text(Error{"unknown_user", "no user named bob"}) == "no user named bob");
  CHECK(plain_error_text(Error{"unavailable", "no leader answered"}) ==
        "the platform cannot be reached now; try again shortly (no leader answered)");
  CHECK(plain_error_text(Error{"connection_lost", "the connection dropped"}) ==
        "the connection dropped (it may still have happened: look before trying again)");
  // What a peer or the platform wrote is escaped, here as everywhere.
  CHECK(plain_error_text(Error{"internal", "x\x1b[2Jy"}) == "x\\x1b[2Jy");
}

TEST_CASE(
    "console: a typo of a command is answered with the nearest one, and only a likely "
    "one",
    "[console]") {
  const std::vector<std::string> commands = commands_in_help(
      "commands (money as 12.50):\n"
      "  list [mine] [after ID]   a page of auctions\n"
      "  start ID                 start an auction\n"
      "  show ID                  one auction\n"
      "  wait auction ID [SECONDS]    until the auction exists\n"
      "  wait round ID N [SECONDS]    until round N\n"
      "  help, quit");
  CHECK(commands == std::vector<std::string>{"list", "start", "show", "wait", "help", "quit"});
  CHECK(nearest_command("stat", commands) == "start");
  CHECK(nearest_command("lsit", commands) == "list");
  CHECK(nearest_command("shw", commands) == "show");
  CHECK_FALSE(nearest_command("fly", commands).has_value());
  CHECK_FALSE(nearest_command("x", commands).has_value());
  CHECK_FALSE(nearest_command("withdraw", commands).has_value());
}

TEST_CASE("console: periods are said for people", "[console]") {
  CHECK(format_period(250) == "250 ms");
  CHECK(format_period(1000) == "1.0 s");
  CHECK(format_period(1549) == "1.5 s");
  CHECK(format_period(59'999) == "60.0 s");
  CHECK(format_period(120'000) == "2 min");
  CHECK(format_period(5'400'000) == "1 h 30 min");
  CHECK(format_period(3'600'000) == "1 h");
}

// Tests of SellerConsole (auction/console/seller_console.hpp), the seller's command
// interpreter, with a real SellerRuntime whose platform is unreachable (a closed port): every
// bad input gets a one-line explanation, nothing crashes, and commands that need the platform
// say it is unavailable.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "auction/console/seller_console.hpp"
#include "unit/console/console_session.hpp"
#include "unit/wire/loopback.hpp"

using namespace auction;
using namespace auction::test;
namespace asio = boost::asio;
using auction::test::run_async;

TEST_CASE("console: the seller console explains bad input in one line and never crashes",
          "[console][seller]") {
  const std::filesystem::path state =
      std::filesystem::temp_directory_path() / ("ppapd-console-" + std::to_string(::getpid()));
  const std::vector<std::string> lines{"",
                                       "help",
                                       "fly away",
                                       "stat 1",
                                       "create a b 12.345 1 100",
                                       "create a b 1 0 100",
                                       "create a b",
                                       "create a b 10 1 100 reserve=1.234",
                                       "create a b 10 1 100 d grace=0",
                                       "create a b 10 1 100 increments=20",
                                       "create a b 10 1 100 hidden_reserve=20 grace=2",
                                       "start x",
                                       "start 0",
                                       "show",
                                       "create \"unclosed 1 1 1",
                                       "wait finished 3 1",
                                       "wait joined 1",
                                       "list",
                                       "list mine after 3",
                                       "list everything",
                                       "list after x",
                                       "quit"};
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    platform::Client platform(ex, unreachable_platform("alice"));
    market::SellerRuntimeOptions options;
    options.peer.username = "alice";
    options.state_dir = state;
    market::SellerRuntime runtime(ex, platform, options);
    std::vector<std::string> printed;
    console::SellerConsole console(runtime,
                                   [&](const std::string& line) { printed.push_back(line); });
    REQUIRE(runtime.start().has_value());
    co_await async_session(console, printed, lines);
    CHECK(has_line(printed, "create NAME ITEM BASE INCREMENT PERIOD_MS"));
    CHECK(has_line(printed, "fly: no command \"fly\" (try help)"));
    CHECK(has_line(printed, "stat: no command \"stat\"; did you mean \"start\"? (try help)"));
    CHECK(has_line(printed, "create: base price: amount \"12.345\": at most two decimals"));
    CHECK(has_line(printed, "create: increment: must be at least 0.01"));
    CHECK(has_line(printed, "usage: create NAME ITEM"));
    CHECK(has_line(printed, "create: reserve: amount \"1.234\": at most two decimals"));
    CHECK(has_line(printed, "create: grace: must be 1..100 rounds"));
    CHECK(has_line(printed, "create: increments: each step is FROM_PRICE:INCREMENT"));
    // Terms that parse go to the platform, here unreachable.
    CHECK(has_line(printed, "create: the platform cannot be reached now"));
    // Plain words: the codes stay in --json.
    CHECK(has_line(printed, "start: an auction id must be a whole number"));
    CHECK(has_line(printed, "auction ids start at 1"));
    CHECK(has_line(printed, "usage: show ID"));
    CHECK(has_line(printed, "input: a quote is not closed"));
    CHECK(has_line(printed, "wait: wait finished 3: timed out"));
    CHECK(has_line(printed, "list: the platform cannot be reached now; try again shortly ("));
    CHECK(has_line(printed, "usage: list [mine] [after ID]"));
    CHECK(has_line(printed, "list: an auction id must be a whole number"));
    CHECK(printed.back() == "<quit>");
    for (const std::string& line : printed) {
      if (line.find("commands (") == std::string::npos) CHECK(line.find('\n') == std::string::npos);
    }
  });
  std::filesystem::remove_all(state);
}

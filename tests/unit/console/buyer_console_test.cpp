// Tests of BuyerConsole (auction/console/buyer_console.hpp), the buyer's command interpreter,
// with a real BuyerRuntime whose platform is unreachable (a closed port): the peer-side
// commands answer on their own, commands that need the platform say it is unavailable, and
// in JSON mode every line is one JSON object.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/console/buyer_console.hpp"
#include "unit/console/console_session.hpp"
#include "unit/wire/loopback.hpp"

using namespace auction;
using namespace auction::test;
namespace asio = boost::asio;
using auction::test::run_async;

TEST_CASE(
    "console: the buyer console sets max prices, refuses withdrawals it cannot make, and "
    "speaks JSON lines when asked",
    "[console][buyer]") {
  const std::vector<std::string> lines{"max all 12.50",   "max 3 none", "max 3 -1",
                                       "withdraw 4",      "join 4",     "wait round 4 2 1",
                                       "wait sideways 4", "help"};
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    platform::Client platform(ex, unreachable_platform("bob"));
    market::BuyerRuntimeOptions options;
    options.peer.username = "bob";
    market::BuyerRuntime runtime(ex, platform, options);
    std::vector<std::string> printed;
    console::ConsoleOptions json_options;
    json_options.json = true;
    console::BuyerConsole console(
        runtime, [&](const std::string& line) { printed.push_back(line); }, json_options);
    REQUIRE(runtime.start().has_value());
    co_await async_session(console, printed, lines);
    REQUIRE(printed.size() == 8);
    for (const std::string& line : printed) {
      CHECK(nlohmann::json::accept(line));  // every line is one JSON object
    }
    auto at = [&](std::size_t i) { return nlohmann::json::parse(printed.at(i)); };
    CHECK(at(0)["ok"] == true);
    CHECK(at(0)["result"]["max_price"] == 1250);
    CHECK(at(1)["result"]["max_price"].is_null());
    CHECK(at(2)["error"]["code"] == "invalid_argument");
    CHECK(at(3)["error"]["code"] == "unknown_auction");
    CHECK(at(4)["error"]["code"] == "unavailable");
    CHECK(at(5)["error"]["code"] == "timeout");
    CHECK(at(6)["error"]["code"] == "invalid_argument");
    CHECK(at(7)["reply"] == "help");  // the help too, as an answer
    CHECK(at(7)["result"]["help"].get<std::string>().find("withdraw") != std::string::npos);
    CHECK(runtime.peer().options().max_price == Cents{1250});
  });
}

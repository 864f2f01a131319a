// Tests of the seller's and buyer's command interpreters (SellerConsole, BuyerConsole) with
// real engines whose platform is unreachable (a closed port): every bad input gets a one-line
// explanation, nothing crashes, commands that need the platform say it is unavailable, and
// the peer-side commands answer on their own.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "auction/market/buyer_console.hpp"
#include "auction/market/seller_console.hpp"
#include "auction/platform/client.hpp"
#include "unit/wire/loopback.hpp"

using namespace auction::market;
using auction::Cents;
using auction::RoundId;
namespace asio = boost::asio;
using wire_test::run_async;

namespace {

// A platform nobody answers at (nothing listens on port 1): every call ends quickly with
// `unavailable`.
auction::platform::ClientOptions unreachable_platform() {
  auction::platform::ClientOptions options;
  options.replicas = {"127.0.0.1:1"};
  options.deadline = std::chrono::milliseconds(300);
  options.attempt_timeout = std::chrono::milliseconds(100);
  options.connect_timeout = std::chrono::milliseconds(100);
  return options;
}

// Runs `lines` through a console and returns everything it printed.
template <class Console>
asio::awaitable<std::vector<std::string>> async_session(Console& console,
                                                        std::vector<std::string>& printed,
                                                        std::vector<std::string> lines) {
  for (std::string& line : lines) {
    const bool more = co_await console.async_execute(std::move(line));
    if (!more) printed.push_back("<quit>");
  }
  co_return printed;
}

bool has_line(const std::vector<std::string>& printed, const std::string& text) {
  for (const std::string& line : printed) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("market: the seller console explains bad input in one line and never crashes",
          "[market][console]") {
  const std::filesystem::path state =
      std::filesystem::temp_directory_path() / ("ppapd-console-" + std::to_string(::getpid()));
  const std::vector<std::string> lines{
      "", "help", "fly away", "create a b 12.345 1 100", "create a b", "start x", "start 0",
      "show", "create \"unclosed 1 1 1", "wait finished 3 1", "wait joined 1", "list", "quit"};
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auction::platform::Client platform(ex, unreachable_platform());
    SellerEngineOptions options;
    options.peer.username = "alice";
    options.state_dir = state;
    SellerEngine engine(ex, platform, options);
    std::vector<std::string> printed;
    SellerConsole console(engine, [&](const std::string& line) { printed.push_back(line); });
    REQUIRE(engine.start().has_value());
    co_await async_session(console, printed, lines);
    CHECK(has_line(printed, "create NAME ITEM BASE INCREMENT PERIOD_MS"));
    CHECK(has_line(printed, "fly: unknown_command"));
    CHECK(has_line(printed, "create: invalid_argument"));  // a third decimal is refused
    CHECK(has_line(printed, "usage: create NAME ITEM"));
    CHECK(has_line(printed, "start: invalid_argument: an auction id must be a whole number"));
    CHECK(has_line(printed, "auction ids start at 1"));
    CHECK(has_line(printed, "usage: show ID"));
    CHECK(has_line(printed, "input: invalid_argument: a quote is not closed"));
    CHECK(has_line(printed, "wait: timeout: wait finished 3: timed out"));
    CHECK(has_line(printed, "list: unavailable"));
    CHECK(printed.back() == "<quit>");
    for (const std::string& line : printed) {
      if (line.find("commands (") == std::string::npos) CHECK(line.find('\n') == std::string::npos);
    }
  });
  std::filesystem::remove_all(state);
}

TEST_CASE("market: the buyer console sets max prices, refuses withdrawals it cannot make, and "
          "speaks JSON lines when asked",
          "[market][console]") {
  const std::vector<std::string> lines{"max all 12.50", "max 3 none",       "max 3 -1",
                                       "withdraw 4",    "join 4",           "wait round 4 2 1",
                                       "wait sideways 4"};
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auction::platform::Client platform(ex, unreachable_platform());
    BuyerEngineOptions options;
    options.peer.username = "bob";
    BuyerEngine engine(ex, platform, options);
    std::vector<std::string> printed;
    ConsoleOptions json_options;
    json_options.json = true;
    BuyerConsole console(engine, [&](const std::string& line) { printed.push_back(line); },
                         json_options);
    REQUIRE(engine.start().has_value());
    co_await async_session(console, printed, lines);
    REQUIRE(printed.size() == 7);
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
    CHECK(engine.peer().options().max_price == Cents{1250});
  });
}

// What the consoles print of text that other users wrote: an auction whose name, item and
// description hold control and bidirectional characters (committed by an older version,
// which did not refuse them) comes from a platform played by an in-process wire::Server, and
// every line the buyer and seller consoles print shows those characters as escapes, in
// readable and in JSON mode alike.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/text_rules.hpp"
#include "auction/console/buyer_console.hpp"
#include "auction/console/seller_console.hpp"
#include "auction/platform/answers.hpp"
#include "auction/platform/views.hpp"
#include "unit/console/console_session.hpp"
#include "unit/wire/loopback.hpp"
#include "wire/server.hpp"

using namespace auction;
using namespace auction::test;
namespace asio = boost::asio;
using auction::test::run_async;

namespace {

const std::string clear_screen = "x\x1b[2J";
const std::string fake_line = "lamp\nauction 1: finished in round 9: bob wins at 1.00 (you won)";
const std::string reversed =
    "sale \xe2\x80\xae"
    "gnp.exe";  // U+202E, right-to-left override

// A platform that answers every fetch_auctions with one auction, alice's, whose texts hold
// control and bidirectional characters.
class OldPlatform {
 public:
  explicit OldPlatform(const asio::any_io_executor& ex) : server_(ex, wire::ServerOptions{}) {
    server_.handle("fetch_auctions", [](wire::Request) -> asio::awaitable<wire::Reply> {
      platform::AuctionView view;
      view.auction_id = AuctionId{1};
      view.auction_name = clear_screen;
      view.item_name = fake_line;
      view.item_description = reversed + "\r\x7f\xc2\x9b";
      view.seller = "alice";
      view.base_price = Cents{100};
      view.increment = Cents{10};
      view.period_ms = 1000;
      platform::AuctionPage page;
      page.auctions.push_back(view);
      co_return wire::Reply::success(platform::encode_answer(page));
    });
    auto port = server_.start();
    REQUIRE(port.has_value());
    options_.replicas = {"127.0.0.1:" + std::to_string(*port)};
    options_.is_plain = true;  // the fake platform speaks plain TCP
  }
  const platform::ClientOptions& client_options() const { return options_; }

 private:
  wire::Server server_;
  platform::ClientOptions options_;
};

// No line holds a character a terminal would act on; the newlines between the lines of one
// answer are the console's own (`show` prints the description on a line of its own).
void check_all_shown(const std::vector<std::string>& printed) {
  for (const std::string& answer : printed) {
    std::size_t from = 0;
    for (std::size_t end = 0; end != std::string::npos; from = end + 1) {
      end = answer.find('\n', from);
      const std::string line = answer.substr(from, end == std::string::npos ? end : end - from);
      INFO(line);
      CHECK_FALSE(first_refused_char(line));
    }
  }
}

}  // namespace

TEST_CASE("console: names and descriptions from the platform are printed escaped, never raw",
          "[console]") {
  // Built outside the coroutine: g++ 12 miscompiles braced lists inside a coroutine body.
  const std::vector<std::string> list_and_show{"list", "show 1"};
  const std::vector<std::string> show_one{"show 1"};
  const std::filesystem::path state =
      std::filesystem::temp_directory_path() / ("ppapd-escape-" + std::to_string(::getpid()));
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    OldPlatform old_platform(ex);
    platform::Client platform(ex, old_platform.client_options());

    market::BuyerRuntimeOptions buyer_options;
    buyer_options.peer.username = "bob";
    // The fake platform proves no one: the client is anonymous, so the buyer is given what it
    // signs with directly.
    buyer_options.peer.signer = market::PeerSigner{"bob", test_keys("bob"), "test-cluster"};
    market::BuyerRuntime buyer(ex, platform, buyer_options);
    REQUIRE(buyer.start().has_value());
    std::vector<std::string> printed;
    console::BuyerConsole buyer_console(buyer,
                                        [&](const std::string& line) { printed.push_back(line); });
    co_await async_session(buyer_console, printed, list_and_show);
    REQUIRE(printed.size() == 2);
    check_all_shown(printed);
    CHECK(printed[0] ==
          "#1 \"x\\x1b[2J\" (lamp\\x0aauction 1: finished in round 9: bob wins at 1.00 (you "
          "won)) by alice: created, base 1.00, +0.10 every 1000 ms");
    // `show` adds the description on a line of its own, escaped the same way.
    CHECK(printed[1] == printed[0] + "\n  sale \\u202egnp.exe\\x0d\\x7f\\u009b");

    std::vector<std::string> as_json;
    console::ConsoleOptions json_options;
    json_options.json = true;
    console::BuyerConsole json_console(
        buyer, [&](const std::string& line) { as_json.push_back(line); }, json_options);
    co_await async_session(json_console, as_json, show_one);
    REQUIRE(as_json.size() == 1);
    check_all_shown(as_json);
    const auto parsed = nlohmann::json::parse(as_json[0]);
    CHECK(parsed["result"]["auction_name"] == clear_screen);  // JSON keeps the text exact
    CHECK(parsed["result"]["item_description"] == reversed + "\r\x7f\xc2\x9b");

    market::SellerRuntimeOptions seller_options;
    seller_options.peer.username = "alice";
    seller_options.state_dir = state;
    market::SellerRuntime seller(ex, platform, seller_options);
    REQUIRE(seller.start().has_value());
    std::vector<std::string> seller_printed;
    console::SellerConsole seller_console(
        seller, [&](const std::string& line) { seller_printed.push_back(line); });
    co_await async_session(seller_console, seller_printed, show_one);
    REQUIRE(seller_printed.size() == 1);
    // The one newline is the console's own, before the description.
    const std::string& shown = seller_printed[0];
    CHECK(shown.ends_with("\n  sale \\u202egnp.exe\\x0d\\x7f\\u009b"));
    CHECK(std::count(shown.begin(), shown.end(), '\n') == 1);
    CHECK_FALSE(first_refused_char(shown.substr(shown.find('\n') + 1)));
    buyer.stop();
    seller.stop();
  });
  std::filesystem::remove_all(state);
}

TEST_CASE("console: a seller cannot create an auction whose name holds a control character",
          "[console][seller]") {
  const std::vector<std::string> creates{"create \"x\x1b[2J\" lamp 1 1 1000",
                                         "create sale lamp 1 1 1000 \"two\tparts\""};
  const std::filesystem::path state =
      std::filesystem::temp_directory_path() / ("ppapd-refuse-" + std::to_string(::getpid()));
  run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    platform::Client platform(ex, unreachable_platform("alice"));
    market::SellerRuntimeOptions options;
    options.peer.username = "alice";
    options.state_dir = state;
    market::SellerRuntime runtime(ex, platform, options);
    REQUIRE(runtime.start().has_value());
    std::vector<std::string> printed;
    console::SellerConsole console(runtime,
                                   [&](const std::string& line) { printed.push_back(line); });
    co_await async_session(console, printed, creates);
    // Refused before the platform is asked (which would have answered unavailable).
    REQUIRE(printed.size() == 2);
    CHECK(printed[0] ==
          "create: auction_name: must not hold U+001B (no control or "
          "bidirectional formatting characters)");
    CHECK(
        printed[1].starts_with("create: item_description: must not hold "
                               "U+0009"));
    runtime.stop();
  });
  std::filesystem::remove_all(state);
}

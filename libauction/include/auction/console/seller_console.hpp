// SellerConsole: the seller's command interpreter, shared by the `seller` CLI and its tests.
//
// Takes one typed line at a time (create, list, show, start, resume, cancel, wait, help,
// quit), runs it against a SellerRuntime and prints the answer; it also becomes the runtime's
// observer and prints every event as it happens (each round and price, who withdrew and why,
// paused, resumed, finished with winner and price, the result recorded by the platform), one
// readable line each, or one JSON object per line with `json` set (for programs). Money is
// typed and shown as dollars and cents ("12.50"). Bad input gets a one-line explanation.
//
// Sits in console/, above market/runtime/. Threading: the runtime's executor thread. Never
// throws for anything a user types.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "auction/console/console_options.hpp"
#include "auction/market/runtime/seller_runtime.hpp"
#include "auction/platform/watch_event.hpp"

namespace auction::console {

namespace detail {
struct ConsoleOutput;  // console_output.hpp
}

class SellerConsole {
 public:
  // Installs itself as `runtime`'s observer. `runtime` must outlive the console.
  SellerConsole(market::SellerRuntime& runtime, PrintLine print, ConsoleOptions options = {});
  ~SellerConsole();
  SellerConsole(const SellerConsole&) = delete;
  SellerConsole& operator=(const SellerConsole&) = delete;

  // Runs one command line and prints its answer. Returns false when the line was `quit`.
  boost::asio::awaitable<bool> async_execute(std::string line);
  // Runs one command line a web page sent: its answer goes to `answers_to` alone, as a JSON
  // line (console_output.hpp's answers_only_to); nothing is printed.
  boost::asio::awaitable<bool> async_execute(std::string line, PrintLine answers_to);

  // Once the program has logged in, before the first command: prints one line for each
  // started auction of this seller that no process runs here (after a restart: each waits
  // for `resume ID`), and with ConsoleOptions::resumes_paused resumes each as `resume ID`
  // would; schedules each of its created auctions that has a scheduled start (started by
  // itself then, as `start ID`; at once when the time has passed). Prints nothing when the
  // platform cannot be read.
  boost::asio::awaitable<void> async_on_ready();

  // What leaving now would cost, said to the user before `quit` or Ctrl-C takes effect
  // (console_program.hpp); "" when nothing is at stake.
  std::string leaving_warning() const;

  // What the platform's watch says, printed as it comes (console_program.hpp); peers reach
  // this program at `my_address`.
  void on_platform_event(const platform::WatchEvent& event, std::string_view my_address);
  void on_platform_reachable(bool reachable, const Error* why);
  void on_platform_missed();

  static const char* help_text();

  struct State;  // what the console has seen; defined in seller_console.cpp

 private:
  // Runs one command line, its answer through `out`.
  boost::asio::awaitable<bool> async_execute_with(const detail::ConsoleOutput& out,
                                                  std::string line);
  // Waits until `start_at_ms` by the system clock, then runs `start ID`.
  boost::asio::awaitable<void> async_start_when_due(AuctionId id, std::int64_t start_at_ms);

  market::SellerRuntime& runtime_;
  std::shared_ptr<State> state_;
};

}  // namespace auction::console

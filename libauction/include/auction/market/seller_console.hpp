// SellerConsole: the seller's command interpreter, shared by the `seller` CLI and its tests.
//
// Takes one typed line at a time (create, list, show, start, resume, cancel, wait, help,
// quit), runs it against a SellerEngine and prints the answer; it also becomes the engine's
// observer and prints every event as it happens (each round and price, who withdrew and why,
// paused, resumed, finished with winner and price, the result recorded by the platform), one
// readable line each, or one JSON object per line with `json` set (for programs). Money is
// typed and shown as dollars and cents ("12.50"). Bad input gets a one-line explanation.
//
// Threading: the engine's executor thread. Never throws for anything a user types.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "auction/market/seller_engine.hpp"

namespace auction::market {

struct ConsoleOptions {
  bool json = false;                           // events and answers as JSON lines
  std::chrono::milliseconds wait_timeout{120'000};  // `wait` without a SECONDS argument
  std::chrono::milliseconds platform_poll{200};     // how often `wait` asks the platform
};

// Receives every line the console prints (without the newline).
using PrintLine = std::function<void(const std::string& line)>;

class SellerConsole {
 public:
  // Installs itself as `engine`'s observer. `engine` must outlive the console.
  SellerConsole(SellerEngine& engine, PrintLine print, ConsoleOptions options = {});
  ~SellerConsole();
  SellerConsole(const SellerConsole&) = delete;
  SellerConsole& operator=(const SellerConsole&) = delete;

  // Runs one command line and prints its answer. Returns false when the line was `quit`.
  boost::asio::awaitable<bool> async_execute(std::string line);

  // Prints one line for each started auction of this seller that no process runs here (after
  // a restart: each waits for `resume ID`). Prints nothing when the platform cannot be read.
  boost::asio::awaitable<void> async_show_paused();

  static const char* help_text();

  struct State;  // what the console has seen; defined in seller_console.cpp

 private:
  SellerEngine& engine_;
  std::shared_ptr<State> state_;
};

}  // namespace auction::market

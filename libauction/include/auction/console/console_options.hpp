// ConsoleOptions: how a console interpreter prints and waits, and PrintLine, where its lines
// go. Shared by the seller's and the buyer's interpreters, so that neither includes the other.
//
// Sits in console/, above market/runtime/. Plain values (and a callback, called on the
// console's executor).
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace auction::console {

struct ConsoleOptions {
  bool json = false;                                // events and answers as JSON lines
  std::chrono::milliseconds wait_timeout{120'000};  // `wait` without a SECONDS argument
  std::chrono::milliseconds platform_poll{200};     // how often `wait` asks the platform
  // The seller, once ready: resume every started auction of its that no process runs (after
  // a restart) instead of only listing them (`seller --resume`, for scripts).
  bool resumes_paused = false;
  // Also gets every answer and event as its JSON line (what `json` prints), whatever `json`
  // says, with the readable line in "text": the program's web page
  // (src/console/web_console.hpp). Unset: none.
  std::function<void(const std::string& json_line)> json_sink;
};

// Receives every line a console prints (without the newline).
using PrintLine = std::function<void(const std::string& line)>;

}  // namespace auction::console

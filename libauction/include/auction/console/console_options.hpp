// ConsoleOptions: how a console interpreter prints and waits, and PrintLine, where its lines
// go. Shared by the seller's and the buyer's interpreters, so that neither includes the other.
//
// Sits in console/, above market/runtime/. Plain values; safe from any thread.
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
};

// Receives every line a console prints (without the newline).
using PrintLine = std::function<void(const std::string& line)>;

}  // namespace auction::console

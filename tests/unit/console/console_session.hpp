// Test helpers for the console interpreters (SellerConsole, BuyerConsole): a platform nobody
// answers at, a session that runs typed lines through a console, and a search of what it
// printed. Everything runs on the test's executor thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "auction/platform/client.hpp"
#include "support/test_keys.hpp"

namespace auction::test {

// A platform nobody answers at (nothing listens on port 1): every call ends quickly with
// `unavailable`. The client acts as `user`, with its test keys, in a test cluster (a seller
// or buyer signs its peer messages with them).
inline platform::ClientOptions unreachable_platform(const std::string& user) {
  platform::ClientOptions options;
  options.user = test_user(user);
  options.cluster_id = "test-cluster";
  options.replicas = {"127.0.0.1:1"};
  options.is_plain = true;  // nothing to check a certificate against: nobody answers
  options.deadline = std::chrono::milliseconds(300);
  options.attempt_timeout = std::chrono::milliseconds(100);
  options.connect_timeout = std::chrono::milliseconds(100);
  return options;
}

// Runs `lines` through `console`; a line that ends the session (quit) prints "<quit>".
template <class Console>
boost::asio::awaitable<void> async_session(Console& console, std::vector<std::string>& printed,
                                           std::vector<std::string> lines) {
  for (std::string& line : lines) {
    const bool more = co_await console.async_execute(std::move(line));
    if (!more) printed.push_back("<quit>");
  }
}

// Whether one of the printed lines holds `text`.
inline bool has_line(const std::vector<std::string>& printed, const std::string& text) {
  for (const std::string& line : printed) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace auction::test

// CommandLine: one line a user typed into a console, split into words, and its answer
// (private to src/console/).
//
// What both interpreters do with a line alike is here -- split it, read its arguments (an
// auction id, a `wait` request), say how a command is used, answer it, list auctions -- so
// each interpreter says only what its own commands do. Every reading function answers a
// bad argument itself (one line, as the command's answer) and returns nullopt, so the
// interpreter only has to stop.
// Runs on the console's executor thread; never throws for what a user types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/market/runtime/auction_list.hpp"
#include "console/console_output.hpp"

namespace auction::console::detail {

class CommandLine {
 public:
  // Splits `text` (split_words). A line that cannot be split is answered at once, as the
  // command "input", and then has no words. `out` must outlive the line.
  CommandLine(const ConsoleOutput& out, std::string_view text);

  bool is_empty() const { return words_.empty(); }
  // The command: the first word. Precondition: !is_empty().
  const std::string& command() const { return words_.front(); }
  // Words, the command included.
  std::size_t size() const { return words_.size(); }
  // Precondition: i < size().
  const std::string& word(std::size_t i) const { return words_[i]; }
  // Where the answer goes (and whether it is JSON).
  const ConsoleOutput& out() const { return out_; }

  // Answers the command: `text` when `outcome` holds a value, the error otherwise (in JSON
  // mode, the value or the error).
  void answer(const Result<nlohmann::json>& outcome, const std::string& text) const;
  // The same for a command that returns nothing: `result` is its answer in JSON mode.
  void answer(const Result<void>& outcome, const nlohmann::json& result,
              const std::string& text) const;
  // Answers "usage: <text>" (invalid_argument).
  void answer_usage(std::string_view text) const;
  // Answers that there is no such command (unknown_command), with the nearest of the
  // commands `help_text` lists when one is near (a typo).
  void answer_unknown(std::string_view help_text) const;

  // The value `parsed` holds; when it holds an error, answers it and returns nullopt.
  template <class T>
  std::optional<T> take(Result<T> parsed) const {
    if (parsed) return std::move(*parsed);
    answer(std::unexpected(parsed.error()), "");
    return std::nullopt;
  }

  // The ID of a line "COMMAND ID" (the usage answer when the line has another shape).
  std::optional<AuctionId> only_auction_id() const;

 private:
  const ConsoleOutput& out_;
  std::vector<std::string> words_;
};

// Whether `text` is a line that leaves the console: its command is `quit` or `exit`.
bool is_quit_line(std::string_view text);

// Runs one typed line: answers `help` (with `help_text`), `quit` and `exit` (false: the
// program ends) and an unknown command itself, and hands every other command to `run`,
// which returns false for a command it does not know. `out` and `run` must outlive the call:
// pass a named `run`, not a temporary (g++ 12 may destroy a temporary of a co_await
// expression twice, and with it what the closure holds).
using CommandRunner = std::function<boost::asio::awaitable<bool>(const CommandLine& line)>;
boost::asio::awaitable<bool> async_execute_line(const ConsoleOutput& out, std::string_view text,
                                                std::string_view help_text,
                                                const CommandRunner& run);

// What a line "wait WHAT ID [N] [SECONDS]" asks to wait for.
struct WaitRequest {
  std::string what;
  AuctionId auction_id;
  std::uint64_t count = 0;            // N, when `what` is the one thing that takes it
  std::chrono::milliseconds timeout;  // SECONDS, or the console's default
};

// Reads a wait line: `whats` are what one may wait for, `counted` the one of them that takes
// N ("" for none); `usage` is the answer to a line of any other shape.
std::optional<WaitRequest> read_wait(const CommandLine& line,
                                     std::initializer_list<std::string_view> whats,
                                     std::string_view counted, std::string_view usage,
                                     std::chrono::milliseconds default_timeout);

// Answers a wait that is over: "wait WHAT ID: done", or the timeout error.
void answer_wait(const CommandLine& line, const WaitRequest& wait, bool done);

// Reads a line "list [mine] [after ID]": which page of auctions it asks for.
std::optional<market::AuctionListRequest> read_list(const CommandLine& line);

// Answers `list`: every auction of the page on one line (`describe` it), then how to ask for
// the next page when more follow; or, in JSON, {"auctions": [views], "more": bool}.
void answer_auction_list(const CommandLine& line, const market::AuctionListRequest& request,
                         const Result<market::AuctionListPage>& list,
                         const std::function<std::string(const nlohmann::json&)>& describe);

}  // namespace auction::console::detail

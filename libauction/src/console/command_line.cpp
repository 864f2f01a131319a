// One command line and its answer; see console/command_line.hpp.
#include "console/command_line.hpp"

#include <algorithm>
#include <utility>

#include "console/console_text.hpp"

namespace auction::console::detail {

using nlohmann::json;

CommandLine::CommandLine(const ConsoleOutput& out, std::string_view text) : out_(out) {
  auto words = split_words(text);
  if (!words) {
    out_.answer("input", std::unexpected(words.error()), "");
    return;
  }
  words_ = std::move(*words);
}

void CommandLine::answer(const Result<json>& outcome, const std::string& text) const {
  out_.answer(command(), outcome, text);
}

void CommandLine::answer(const Result<void>& outcome, const json& result,
                         const std::string& text) const {
  answer(outcome ? Result<json>(result) : std::unexpected(outcome.error()), text);
}

void CommandLine::answer_usage(std::string_view text) const {
  answer(fail(code::invalid_argument, "usage: " + std::string(text)), "");
}

void CommandLine::answer_unknown(std::string_view help_text) const {
  const auto nearest = nearest_command(command(), commands_in_help(help_text));
  answer(
      fail(code::unknown_command,
           "no command \"" + shown(command()) + "\"" +
               (nearest ? "; did you mean \"" + *nearest + "\"?" : std::string()) + " (try help)"),
      "");
}

std::optional<AuctionId> CommandLine::only_auction_id() const {
  if (size() != 2) {
    answer_usage(command() + " ID");
    return std::nullopt;
  }
  return take(parse_auction_id(word(1)));
}

namespace {

bool is_quit_command(std::string_view command) { return command == "quit" || command == "exit"; }

}  // namespace

bool is_quit_line(std::string_view text) {
  const auto words = split_words(text);
  return words && !words->empty() && is_quit_command(words->front());
}

boost::asio::awaitable<bool> async_execute_line(const ConsoleOutput& out, std::string_view text,
                                                std::string_view help_text,
                                                const CommandRunner& run) {
  const CommandLine line(out, text);
  if (line.is_empty()) co_return true;
  if (line.command() == "help") {
    // An answer like any other: one JSON line with --json, and to a web page too.
    line.answer(Result<nlohmann::json>(nlohmann::json{{"help", help_text}}),
                std::string(help_text));
  } else if (is_quit_command(line.command())) {
    co_return false;
  } else if (!co_await run(line)) {
    line.answer_unknown(help_text);
  }
  co_return true;
}

std::optional<WaitRequest> read_wait(const CommandLine& line,
                                     std::initializer_list<std::string_view> whats,
                                     std::string_view counted, std::string_view usage,
                                     std::chrono::milliseconds default_timeout) {
  const std::size_t n = line.size();
  if (n < 3) {
    line.answer_usage(usage);
    return std::nullopt;
  }
  WaitRequest wait{line.word(1), AuctionId{}, 0, default_timeout};
  const bool is_known = std::find(whats.begin(), whats.end(), wait.what) != whats.end();
  const bool is_counted = !counted.empty() && wait.what == counted;
  const std::size_t seconds_at = is_counted ? 4 : 3;
  auto id = parse_auction_id(line.word(2));
  if (!is_known || !id || (is_counted && n < 4) || n > seconds_at + 1) {
    line.answer_usage(usage);
    return std::nullopt;
  }
  wait.auction_id = *id;
  if (n == seconds_at + 1) {
    auto timeout = line.take(parse_seconds(line.word(seconds_at)));
    if (!timeout) return std::nullopt;
    wait.timeout = *timeout;
  }
  if (is_counted) {
    auto count = line.take(parse_count(line.word(3), "N"));
    if (!count) return std::nullopt;
    wait.count = *count;
  }
  return wait;
}

void answer_wait(const CommandLine& line, const WaitRequest& wait, bool done) {
  const std::string text = "wait " + wait.what + " " + std::to_string(wait.auction_id.value);
  const json waited = {{"auction_id", wait.auction_id.value}, {"waited", wait.what}};
  line.answer(done ? Result<json>(waited) : fail(code::timeout, text + ": timed out"),
              text + ": done");
}

std::optional<market::AuctionListRequest> read_list(const CommandLine& line) {
  market::AuctionListRequest request;
  std::size_t i = 1;
  if (i < line.size() && line.word(i) == "mine") {
    request.mine = true;
    ++i;
  }
  if (i + 2 == line.size() && line.word(i) == "after") {
    auto after = parse_count(line.word(i + 1), "an auction id");
    if (!after) {
      line.answer(std::unexpected(after.error()), "");
      return std::nullopt;
    }
    request.after = AuctionId{*after};
    i += 2;
  }
  if (i != line.size()) {
    line.answer_usage("list [mine] [after ID]");
    return std::nullopt;
  }
  return request;
}

void answer_auction_list(const CommandLine& line, const market::AuctionListRequest& request,
                         const Result<market::AuctionListPage>& list,
                         const std::function<std::string(const json&)>& describe) {
  if (!list) {
    line.answer(std::unexpected(list.error()), "");
  } else if (line.out().json) {
    line.answer(json{{"auctions", list->views}, {"more", list->more}}, "");
  } else {
    line.out().answer_to_sink(line.command(),
                              json{{"auctions", list->views}, {"more", list->more}});
    if (list->views.empty()) {
      line.out().print(request.after.value == 0
                           ? (request.mine ? "no auctions of yours yet" : "no auctions yet")
                           : "no auctions after " + std::to_string(request.after.value));
    }
    for (const json& view : list->views) line.out().print(describe(view));
    if (list->more && !list->views.empty()) {
      const std::uint64_t last = list->views.back().value("auction_id", std::uint64_t{0});
      line.out().print(std::string("more: list ") + (request.mine ? "mine " : "") + "after " +
                       std::to_string(last));
    }
  }
}

}  // namespace auction::console::detail

// ConsoleOutput: how both interpreters print (private to src/console/): the answer to a
// command and an event, each as one readable line or, in JSON mode, as one JSON object per
// line (docs/auction.md, "The CLIs"):
//   {"reply":"join","ok":true,"result":{...}}  {"reply":"join","ok":false,"error":{...}}
//   {"event":"round",...}
// Every JSON line goes through json_line(); readable lines are built with shown()
// (console_text.hpp) around whatever another user or the network wrote.
// Runs on the console's executor thread; never throws for what it prints.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/console/console_options.hpp"
#include "auction/platform/watch_event.hpp"

namespace auction::console::detail {

// `value` as one JSON line that a terminal shows as it is: dump(), with the control and
// bidirectional characters that JSON leaves raw written as JSON escapes (printable_text).
std::string json_line(const nlohmann::json& value);

struct ConsoleOutput {
  PrintLine print;    // where every line goes
  bool json = false;  // JSON lines instead of readable ones
  // Also gets every answer and event as its JSON line, with the readable line in "text"
  // (for an answer printed as several lines of its own, none); may be unset.
  PrintLine json_sink;

  // The answer to `command`: `text` when it succeeded, "command: code: message" when not.
  void answer(const std::string& command, const Result<nlohmann::json>& outcome,
              const std::string& text) const;

  // An event: `as_json` in JSON mode, `text` otherwise.
  void event(const nlohmann::json& as_json, const std::string& text) const;

  // The answer to `command` to the json_sink only (for an answer printed otherwise, as
  // several lines of its own).
  void answer_to_sink(const std::string& command, const Result<nlohmann::json>& outcome) const;
};

// The answer to `command` as its one JSON line ({"reply":...,"ok":...,"result"|"error":...}),
// for a line answered outside an interpreter (a web page's command refused before it runs).
std::string answer_line(const std::string& command, const Result<nlohmann::json>& outcome);

// An output for the answers to a web page's command: each goes to `page` alone, as its JSON
// line with the readable line in "text"; nothing is printed (the terminal and the other
// pages see the events, not another page's answers).
ConsoleOutput answers_only_to(PrintLine page);

// Writes `line` and a newline to the standard output, flushed: the one place a console line
// reaches it (console_program.cpp; LineReader when no editor draws the screen).
void write_line(std::string_view line);

// What the platform's watch says (platform_watch.hpp), as both interpreters print it.
// An event `me` may see, unless the console says it otherwise (describe_watch_event).
void print_platform_event(const ConsoleOutput& out, const platform::WatchEvent& event,
                          std::string_view me, std::string_view my_address);
// The platform stopped answering (with why) or answers again. `waiting`: what waits for it
// here, said with the line ("" for nothing).
void print_platform_reachable(const ConsoleOutput& out, bool reachable, const Error* why,
                              const std::string& waiting);
// The watch fell behind what the replicas keep: some events were not shown.
void print_platform_missed(const ConsoleOutput& out);

// What every interpreter's state begins with: where it prints, and the options it was given.
struct ConsoleState {
  ConsoleState(PrintLine print, ConsoleOptions console_options)
      : out{std::move(print), console_options.json, console_options.json_sink},
        options(console_options) {}

  ConsoleOutput out;
  ConsoleOptions options;
};

}  // namespace auction::console::detail

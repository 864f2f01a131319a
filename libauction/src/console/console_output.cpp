// How both interpreters print; see console/console_output.hpp.
#include "console/console_output.hpp"

#include <cstdio>

#include "auction/base/error_codes.hpp"
#include "auction/base/text_rules.hpp"
#include "console/console_text.hpp"

namespace auction::console::detail {

std::string json_line(const nlohmann::json& value) {
  // dump() escapes C0 controls but leaves DEL, C1 controls and bidirectional controls raw.
  return printable_text(value.dump(), Escapes::json);
}

namespace {

nlohmann::json answer_json(const std::string& command, const Result<nlohmann::json>& outcome) {
  nlohmann::json line = {{"reply", command}, {"ok", outcome.has_value()}};
  if (outcome) {
    line["result"] = *outcome;
  } else {
    line["error"] = {{"code", outcome.error().code}, {"message", outcome.error().message}};
  }
  return line;
}

// What the json_sink gets: the JSON line with the readable line in "text" (a page shows
// the same words as the terminal).
void to_sink(const ConsoleOutput& out, nlohmann::json line, const std::string& text) {
  if (!out.json_sink) return;
  if (!text.empty()) line["text"] = text;
  out.json_sink(json_line(line));
}

}  // namespace

void ConsoleOutput::answer(const std::string& command, const Result<nlohmann::json>& outcome,
                           const std::string& text) const {
  const std::string readable = outcome ? text : command + ": " + plain_error_text(outcome.error());
  if (json || json_sink) {
    nlohmann::json line = answer_json(command, outcome);
    if (json) print(json_line(line));
    to_sink(*this, std::move(line), readable);
  }
  if (!json) print(readable);
}

void ConsoleOutput::answer_to_sink(const std::string& command,
                                   const Result<nlohmann::json>& outcome) const {
  to_sink(*this, answer_json(command, outcome), "");
}

void ConsoleOutput::event(const nlohmann::json& as_json, const std::string& text) const {
  print(json ? json_line(as_json) : text);
  to_sink(*this, as_json, text);
}

std::string answer_line(const std::string& command, const Result<nlohmann::json>& outcome) {
  return json_line(answer_json(command, outcome));
}

ConsoleOutput answers_only_to(PrintLine page) {
  return ConsoleOutput{[](const std::string&) {}, false, std::move(page)};
}

void write_line(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void print_platform_event(const ConsoleOutput& out, const platform::WatchEvent& event,
                          std::string_view me, std::string_view my_address) {
  if (const auto text = describe_watch_event(event, me, my_address)) {
    out.event(watch_event_json(event), *text);
  }
}

void print_platform_reachable(const ConsoleOutput& out, bool reachable, const Error* why,
                              const std::string& waiting) {
  const std::string tail = waiting.empty() ? "" : "; " + waiting;
  if (reachable) {
    out.event({{"event", "platform_back"}}, "the platform answers again" + tail);
    return;
  }
  const std::string reason = why != nullptr ? shown(why->message) : std::string();
  nlohmann::json j = {{"event", "platform_unreachable"}};
  if (why != nullptr) j["error"] = {{"code", why->code}, {"message", why->message}};
  const bool is_busy = why != nullptr && why->code == code::overloaded;
  out.event(j, (is_busy ? "the platform is too busy to send live updates now ("
                        : "the platform cannot be reached (") +
                   reason +
                   "); auctions that run go on peer to peer, and what needs the platform "
                   "waits until it is back" +
                   tail);
}

void print_platform_missed(const ConsoleOutput& out) {
  out.event({{"event", "platform_events_missed"}},
            "some platform events were missed while this program was behind; `list` shows "
            "where the auctions stand");
}

}  // namespace auction::console::detail

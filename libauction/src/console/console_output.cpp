// How both interpreters print; see console/console_output.hpp.
#include "console/console_output.hpp"

#include "auction/base/text_rules.hpp"
#include "console/console_text.hpp"

namespace auction::console::detail {

std::string json_line(const nlohmann::json& value) {
  // dump() escapes C0 controls but leaves DEL, C1 controls and bidirectional controls raw.
  return printable_text(value.dump(), Escapes::json);
}

void ConsoleOutput::answer(const std::string& command, const Result<nlohmann::json>& outcome,
                           const std::string& text) const {
  if (json) {
    nlohmann::json line = {{"reply", command}, {"ok", outcome.has_value()}};
    if (outcome) {
      line["result"] = *outcome;
    } else {
      line["error"] = {{"code", outcome.error().code}, {"message", outcome.error().message}};
    }
    print(json_line(line));
  } else {
    print(outcome ? text : command + ": " + plain_error_text(outcome.error()));
  }
}

void ConsoleOutput::event(const nlohmann::json& as_json, const std::string& text) const {
  print(json ? json_line(as_json) : text);
}

}  // namespace auction::console::detail

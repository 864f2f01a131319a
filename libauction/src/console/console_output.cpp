// How both interpreters print; see console/console_output.hpp.
#include "console/console_output.hpp"

#include "console/console_text.hpp"

namespace auction::console::detail {

void ConsoleOutput::answer(const std::string& command, const Result<nlohmann::json>& outcome,
                           const std::string& text) const {
  if (json) {
    nlohmann::json line = {{"reply", command}, {"ok", outcome.has_value()}};
    if (outcome) {
      line["result"] = *outcome;
    } else {
      line["error"] = {{"code", outcome.error().code}, {"message", outcome.error().message}};
    }
    print(line.dump());
  } else {
    print(outcome ? text : command + ": " + error_text(outcome.error()));
  }
}

void ConsoleOutput::event(const nlohmann::json& as_json, const std::string& text) const {
  print(json ? as_json.dump() : text);
}

}  // namespace auction::console::detail

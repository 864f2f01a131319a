// The answer text of a platform command: the bytes StateMachine::apply() returns, that a
// session keeps and replays byte for byte, and that the replica reads back to answer the
// client who proposed the command (docs/platform.md, "Answers"). Its shape is decided here
// once, for the side that writes it and the side that reads it:
//
//   {"ok":true,"result":{...}}                          a success; "result" is the op's
//   {"error":{"code":"...","message":"..."},"ok":false} a failure
//
// exactly what dumping such an object gives (keys sorted), so that success_result_text()
// finds a success's result without parsing the answer.
// Pure: no I/O. Never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"

namespace auction::platform {

// The answer text of an outcome: its result object, or its error's code and message.
std::string answer_text(const Result<nlohmann::json>& outcome);

// The "result" of a success answer, as the JSON text it holds, found without a parse;
// nullopt for anything else (an error answer is small: parse it with parse_answer()).
std::optional<std::string_view> success_result_text(std::string_view answer);

// An answer as JSON: {"ok":..., "result"|"error":...}. Precondition: `answer` came from
// answer_text() (or was kept by a session that got it from there); anything else is a bug
// and aborts.
nlohmann::json parse_answer(std::string_view answer);

}  // namespace auction::platform

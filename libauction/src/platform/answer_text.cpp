// The answer text of a platform command (see answer_text.hpp).
#include "platform/answer_text.hpp"

#include "auction/base/assert.hpp"

namespace auction::platform {

namespace {

using nlohmann::json;

constexpr std::string_view success_prefix = R"({"ok":true,"result":)";

}  // namespace

std::string answer_text(const Result<json>& outcome) {
  // Every string in state passed UTF-8 checks; `replace` only guarantees dump() never throws.
  const auto dump = [](const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  if (outcome) return std::string(success_prefix) + dump(*outcome) + "}";
  json error = json::object();
  error["code"] = outcome.error().code;
  error["message"] = outcome.error().message;
  return "{\"error\":" + dump(error) + ",\"ok\":false}";
}

std::optional<std::string_view> success_result_text(std::string_view answer) {
  if (!answer.starts_with(success_prefix) || !answer.ends_with('}')) return std::nullopt;
  answer.remove_prefix(success_prefix.size());
  answer.remove_suffix(1);
  return answer;
}

json parse_answer(std::string_view answer) {
  json parsed = json::parse(answer, nullptr, /*allow_exceptions=*/false);
  AUCTION_ASSERT(parsed.is_object() && parsed.contains("ok") && parsed["ok"].is_boolean(),
                 "a platform answer is not an answer envelope");
  return parsed;
}

}  // namespace auction::platform

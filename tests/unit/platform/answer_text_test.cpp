// Tests of the answer text (src/platform/answer_text.hpp): the one shape of an answer, as the
// state machine writes it and the replica reads it back.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "platform/answer_text.hpp"

namespace {

using nlohmann::json;
using namespace auction::platform;

}  // namespace

TEST_CASE(
    "platform: a success answer is written with sorted keys and its result is found "
    "without a parse",
    "[platform]") {
  const json result = {{"username", "alice"}, {"created", true}, {"address", "h:1"}};
  const std::string text = answer_text(result);
  CHECK(text == R"({"ok":true,"result":{"address":"h:1","created":true,"username":"alice"}})");
  CHECK(text == json{{"result", result}, {"ok", true}}.dump());
  const auto found = success_result_text(text);
  REQUIRE(found.has_value());
  CHECK(json::parse(*found) == result);
  CHECK(parse_answer(text) == json{{"ok", true}, {"result", result}});
}

TEST_CASE("platform: an error answer carries code and message, and has no success result",
          "[platform]") {
  const std::string text =
      answer_text(auction::fail(auction::code::wrong_stage, "auction 1 is finished"));
  CHECK(text == R"({"error":{"code":"wrong_stage","message":"auction 1 is finished"},"ok":false})");
  CHECK_FALSE(success_result_text(text).has_value());
  const json parsed = parse_answer(text);
  CHECK(parsed.at("ok") == false);
  CHECK(parsed.at("error").at("code") == "wrong_stage");
  CHECK_FALSE(success_result_text("not an answer").has_value());
}

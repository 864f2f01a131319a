// Unit tests of the envelope: what a request line must look like, and the replies' shape.
#include <catch2/catch.hpp>

#include <string>

#include "auction/base/error_codes.hpp"
#include "auction/base/text_rules.hpp"
#include "wire/envelope.hpp"

using namespace auction;
using namespace auction::wire;

namespace {
// The error a line gets, with the id it would be answered with.
RequestError rejection(std::string_view line) {
  auto parsed = parse_request(line);
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}
}  // namespace

TEST_CASE("wire: a request line parses into id, op and the remaining fields", "[wire]") {
  auto parsed = parse_request(R"({"id":7,"op":"join","auction":3,"user":"ann"})");
  REQUIRE(parsed.has_value());
  CHECK(parsed->id == 7);
  CHECK(parsed->op == "join");
  CHECK(parsed->body == Json{{"auction", 3}, {"user", "ann"}});

  auto with_string_id = parse_request(R"({"op":"ping","id":"abc"})");
  REQUIRE(with_string_id.has_value());
  CHECK(with_string_id->id == "abc");
  CHECK(with_string_id->body == Json::object());
}

TEST_CASE("wire: lines that are not a JSON object are bad requests with a null id", "[wire]") {
  for (const char* line : {"not json", "[1,2,3]", "42", "\"ping\"", "{\"id\":1,", "{} {}"}) {
    INFO(line);
    const auto error = rejection(line);
    CHECK(error.error.code == code::bad_request);
    CHECK(error.id.is_null());
  }
}

TEST_CASE("wire: a missing or ill-typed id is a bad request answered with a null id", "[wire]") {
  for (const char* line :
       {R"({"op":"ping"})", R"({"id":1.5,"op":"ping"})", R"({"id":null,"op":"ping"})",
        R"({"id":[1],"op":"ping"})", R"({"id":true,"op":"ping"})"}) {
    INFO(line);
    const auto error = rejection(line);
    CHECK(error.error.code == code::bad_request);
    CHECK(error.id.is_null());
  }
  const auto long_id = rejection(R"({"op":"ping","id":")" + std::string(129, 'a') + "\"}");
  CHECK(long_id.error.code == code::bad_request);
}

TEST_CASE("wire: a missing or ill-typed op is a bad request answered with the id", "[wire]") {
  for (const char* line : {R"({"id":5})", R"({"id":5,"op":3})", R"({"id":5,"op":""})"}) {
    INFO(line);
    const auto error = rejection(line);
    CHECK(error.error.code == code::bad_request);
    CHECK(error.id == 5);
  }
}

TEST_CASE("wire: invalid UTF-8 is a bad request", "[wire]") {
  for (const std::string& line :
       {std::string("{\"id\":1,\"op\":\"p\xff\"}"), std::string("{\"id\":1,\"op\":\"\xc3\"}"),
        std::string("{\"id\":1,\"op\":\"\xed\xa0\x80\"}"),  // a UTF-16 surrogate
        std::string("{\"id\":1,\"op\":\"\xc0\xaf\"}")}) {   // an overlong '/'
    const auto error = rejection(line);
    CHECK(error.error.code == code::bad_request);
    CHECK(error.id.is_null());
  }
  CHECK(auction::is_valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
}

TEST_CASE("wire: deep nesting is rejected before the recursive parser sees it", "[wire]") {
  // Deep enough to overflow the stack if it reached nlohmann's recursive parser.
  const std::string deep = "{\"id\":1,\"op\":\"x\",\"a\":" + std::string(1'000'000, '[') +
                           std::string(1'000'000, ']') + "}";
  const auto error = rejection(deep);
  CHECK(error.error.code == code::bad_request);

  const std::string at_limit =
      "{\"id\":1,\"op\":\"x\",\"a\":" + std::string(31, '[') + std::string(31, ']') + "}";
  CHECK(parse_request(at_limit).has_value());
  const std::string past_limit =
      "{\"id\":1,\"op\":\"x\",\"a\":" + std::string(32, '[') + std::string(32, ']') + "}";
  CHECK_FALSE(parse_request(past_limit).has_value());
  // Brackets inside strings (escaped quotes included) do not count.
  CHECK(is_nesting_within(R"({"a":"[[[[\"[[[["})", 1));
}

TEST_CASE("wire: replies encode as one line and parse back", "[wire]") {
  const auto ok_line = encode_reply(3, Reply::success({{"n", 1}}));
  CHECK(ok_line == "{\"id\":3,\"ok\":true,\"result\":{\"n\":1}}\n");
  auto ok = parse_response(std::string_view(ok_line).substr(0, ok_line.size() - 1));
  REQUIRE(ok.has_value());
  CHECK(ok->id == 3);
  CHECK(ok->reply.ok);
  CHECK(ok->reply.result == Json{{"n", 1}});

  const auto error_line = encode_reply(
      "a", Reply::failure({"not_leader", "ask another"}, Json{{"leader", "127.0.0.1:7001"}}));
  auto failed = parse_response(error_line.substr(0, error_line.size() - 1));
  REQUIRE(failed.has_value());
  CHECK_FALSE(failed->reply.ok);
  CHECK(failed->reply.code() == "not_leader");
  CHECK(failed->reply.error["leader"] == "127.0.0.1:7001");
  CHECK(failed->reply.to_error() == auction::Error{"not_leader", "ask another"});
  CHECK(error_line ==
        Json{{"id", "a"},
             {"ok", false},
             {"error",
              {{"code", "not_leader"}, {"message", "ask another"}, {"leader", "127.0.0.1:7001"}}}}
                .dump() +
            "\n");
}

TEST_CASE("wire: a result kept serialized is sent as the same line as the built one", "[wire]") {
  const Json result = {{"n", 1}, {"list", {1, 2}}, {"s", "x"}};
  CHECK(encode_reply(7, Reply::success_text(result.dump())) ==
        encode_reply(7, Reply::success(result)));
  CHECK(encode_reply("id", Reply::success_text("{}")) ==
        "{\"id\":\"id\",\"ok\":true,\"result\":{}}\n");
}

TEST_CASE("wire: a reply holding invalid UTF-8 still encodes as valid UTF-8", "[wire]") {
  const auto line = encode_reply(1, Reply::success({{"s", "bad\xff"}}));
  CHECK(auction::is_valid_utf8(line));
}

TEST_CASE("wire: a response line without the envelope's keys is a bad response", "[wire]") {
  for (const char* line : {"nope", R"({"id":1})", R"({"id":1,"ok":"yes"})", R"({"id":1,"ok":true})",
                           R"({"id":1,"ok":false,"error":{}})", R"({"ok":true,"result":{}})"}) {
    INFO(line);
    const auto parsed = parse_response(line);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == code::bad_response);
  }
}

TEST_CASE("wire: a request encodes with its fields, id and op", "[wire]") {
  const auto line = encode_request(9, "join", {{"auction", 2}});
  auto parsed = parse_request(line.substr(0, line.size() - 1));
  REQUIRE(parsed.has_value());
  CHECK(parsed->id == 9);
  CHECK(parsed->op == "join");
  CHECK(parsed->body == Json{{"auction", 2}});
}

TEST_CASE("wire: a prepared request is the same request under every id, its bytes shared",
          "[wire]") {
  const PreparedRequest prepared("announce", {{"round", 3}, {"id", "ignored"}, {"op", "x"}});
  CHECK(prepared.op() == "announce");
  for (const Json& id : {Json(1), Json(987654321), Json("a-string-id")}) {
    const std::string frame = PreparedRequest::head(id) + *prepared.tail();
    REQUIRE(frame.back() == '\n');
    auto parsed = parse_request(frame.substr(0, frame.size() - 1));
    REQUIRE(parsed.has_value());
    CHECK(parsed->id == id);
    CHECK(parsed->op == "announce");
    CHECK(parsed->body == Json{{"round", 3}});  // the fields' own id and op never leak in
  }
  const PreparedRequest copy = prepared;
  CHECK(copy.tail() == prepared.tail());  // one encoding, however many sends
  const PreparedRequest bare("ping", nullptr);
  CHECK(PreparedRequest::head(7) + *bare.tail() == "{\"id\":7,\"op\":\"ping\"}\n");
}

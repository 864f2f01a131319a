// Unit tests of the typed field getters handlers use to read their inputs.
#include <catch2/catch.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/wire/fields.hpp"

using namespace auction::wire;

namespace {
const Json body = Json::parse(R"({"name":"ann","n":-5,"big":18446744073709551615,
  "f":1.0,"yes":true,"nothing":null})");
}

TEST_CASE("wire: fields of the right type are read", "[wire]") {
  CHECK(get_string(body, "name", 10).value() == "ann");
  CHECK(get_int64(body, "n").value() == -5);
  CHECK(get_uint64(body, "big").value() == 18446744073709551615ull);
  CHECK(get_bool(body, "yes").value());
  CHECK(get_optional_string(body, "absent", 10).value() == std::nullopt);
  CHECK(get_optional_int64(body, "nothing").value() == std::nullopt);
  CHECK(get_optional_uint64(body, "absent").value() == std::nullopt);
  CHECK(get_optional_bool(body, "yes").value() == true);
}

TEST_CASE("wire: a missing or ill-typed field is a bad request naming the field", "[wire]") {
  const auto missing = get_string(body, "user", 10);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == code::bad_request);
  CHECK(missing.error().message.find("\"user\"") != std::string::npos);

  for (const auto& error : {get_string(body, "n", 10).error(), get_int64(body, "name").error(),
                            get_int64(body, "f").error(), get_bool(body, "n").error(),
                            get_uint64(body, "f").error()}) {
    CHECK(error.code == code::bad_request);
  }
  CHECK(get_int64(Json::array(), "n").error().code == code::bad_request);
}

TEST_CASE("wire: a value out of range is an invalid argument naming the field", "[wire]") {
  const auto too_long = get_string(body, "name", 2);
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().code == code::invalid_argument);
  CHECK(too_long.error().message.find("\"name\"") != std::string::npos);

  CHECK(get_int64(body, "n", 0, 10).error().code == code::invalid_argument);
  CHECK(get_int64(body, "big").error().code == code::invalid_argument);
  CHECK(get_uint64(body, "n").error().code == code::invalid_argument);
  CHECK(get_uint64(body, "big", 100).error().code == code::invalid_argument);
  CHECK(get_optional_int64(body, "n", -4, 4).error().code == code::invalid_argument);
}

// Tests of how the consoles read an auction's terms from `create`'s options and show them
// (console/console_text.hpp): every option, and the refusals a typo gets.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "console/console_text.hpp"

using namespace auction;
using namespace auction::console::detail;
using nlohmann::json;

TEST_CASE("console: create's options make an auction's terms", "[console][terms]") {
  const auto terms =
      parse_terms_options({"hidden_reserve=50.00", "increments=20.00:0.50,100.00:5", "grace=3"}, 0);
  REQUIRE(terms.has_value());
  CHECK(terms->reserve == Cents(5000));
  CHECK(terms->reserve_hidden);
  CHECK(terms->reserve_salt.empty());  // the seller's runtime draws it
  CHECK(terms->increment_steps ==
        std::vector<IncrementStep>{{Cents(2000), Cents(50)}, {Cents(10000), Cents(500)}});
  CHECK(terms->grace_rounds == 3);
  CHECK(parse_terms_options({"reserve=12"}, 0).value().reserve == Cents(1200));
  CHECK(parse_terms_options({}, 0).value() == SaleTerms{});

  const auto refusal = [](std::vector<std::string> options) {
    auto parsed = parse_terms_options(options, 0);
    return parsed ? std::string() : parsed.error().message;
  };
  CHECK(refusal({"reserve=abc"}).starts_with("reserve: "));
  CHECK(refusal({"increments=20.00"}).starts_with("increments: each step is FROM_PRICE:INCREMENT"));
  CHECK(refusal({"increments=20.00:x"}).starts_with("increments: "));
  CHECK(refusal({"grace=101"}) == "grace: must be 1..100 rounds");
  CHECK(refusal({"grace=-1"}).starts_with("grace"));
  CHECK(refusal({"colour=red"}).starts_with("unknown option"));
  CHECK(refusal({"increments="}).starts_with("increments: each step"));
  CHECK(refusal({"increments=20.00:1.00,"}).starts_with("increments: each step"));
  CHECK(refusal({"start_at=tomorrow"}).starts_with("start_at: "));
  CHECK(refusal({"start_at=2026-02-30T10:00:00Z"}).starts_with("start_at: "));
  CHECK(refusal({"start_in=99999999"}).starts_with("start_in: at most a year"));
  CHECK(parse_terms_options({"start_in=90"}, 1'000'000).value().start_at_ms == 1'090'000);
  CHECK(parse_terms_options({"start_at=2026-12-08T01:00:00Z"}, 0).value().start_at_ms ==
        1'796'691'600'000);
  CHECK(is_terms_option("grace=2"));
  CHECK_FALSE(is_terms_option("a lamp"));
}

TEST_CASE("console: an auction's terms are shown in plain words", "[console][terms]") {
  CHECK(terms_text(json::object()).empty());
  CHECK(terms_text(
            {{"grace_rounds", 1}, {"reserve_hidden", false}, {"increment_steps", json::array()}})
            .empty());
  CHECK(terms_text({{"increment_steps", json::array({{{"from_price", 2000}, {"increment", 50}}})},
                    {"reserve", 5000},
                    {"grace_rounds", 2}}) ==
        " (increments +0.50 from 20.00; reserve 50.00; grace 2 missed rounds)");
  CHECK(terms_text({{"reserve_hidden", true}}) == " (a hidden reserve)");
  CHECK(terms_text({{"start_at_ms", 1'796'691'600'000}}) == " (starts at 2026-12-08 01:00:00 UTC)");
  CHECK(terms_text({{"reserve_hidden", true}, {"reserve", 5000}}) == " (reserve 50.00 (hidden))");
}

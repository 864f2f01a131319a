// Tests of the seller's announcement chain (auction/market/auction_chain.hpp): the opening and
// link digests (deterministic, blind to buyer order, moved by every field), AuctionChain's
// head as the fold of the digests, and the JSON codecs of openings and links (round trips,
// and every malformed field refused with the right code, naming the field).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/market/auction_chain.hpp"
#include "signed_chain_fixture.hpp"

using namespace auction;
using namespace auction::market;
using namespace auction::market::chain_test;
using nlohmann::json;

namespace {

json over_the_wire(const json& j) { return json::parse(j.dump()); }

// A signature whose bytes are 0, 1, 2, ... (a value, not a real signature).
identity::Signature counting_signature() {
  identity::Signature s;
  for (std::size_t i = 0; i < s.bytes.size(); ++i) s.bytes[i] = static_cast<std::uint8_t>(i);
  return s;
}

// A link holding one withdrawal of each status.
ChainLink mixed_link() {
  return ChainLink{3,
                   {ChainWithdrawal{"amy", BuyerStatus::withdrawn_by_request,
                                    WithdrawProof{3, Cents(1300), counting_signature()}},
                    ChainWithdrawal{"bob", BuyerStatus::withdrawn_silent, std::nullopt},
                    ChainWithdrawal{"cat", BuyerStatus::withdrawn_max_price,
                                    WithdrawProof{2, Cents(1200), counting_signature()}}}};
}

// Every digest in `digests` differs from every other.
void check_all_distinct(const std::vector<identity::Sha256Digest>& digests) {
  std::set<std::string> texts;
  for (const auto& d : digests) texts.insert(d.to_text());
  CHECK(texts.size() == digests.size());
}

json valid_link_json() {
  return json::parse(R"({"round_id":3,"withdrawn":[
    {"username":"amy","reason":"by_request",
     "proof":{"round_id":3,"price":1300,"signature":")" +
                     std::string(128, 'a') + R"("}},
    {"username":"bob","reason":"silent"}]})");
}

json valid_opening_json() {
  return json::parse(
      R"({"auction_id":7,"seller":"sam","base_price":1000,"increment":100,"buyers":["amy","bob"]})");
}

}  // namespace

TEST_CASE("market: a chain opening digest is deterministic and blind to buyer order",
          "[market][chain]") {
  const ChainOpening opening = honest_opening();
  CHECK(chain_opening_digest(opening) == chain_opening_digest(opening));
  CHECK(chain_opening_digest(opening) == chain_opening_digest(honest_opening()));

  ChainOpening shuffled = opening;
  shuffled.buyers = {"dan", "bob", "amy", "cat"};
  CHECK(chain_opening_digest(shuffled) == chain_opening_digest(opening));
  // Order does not matter for the digest, but the opening keeps the order it was given.
  CHECK_FALSE(shuffled == opening);
}

TEST_CASE("market: every field of a chain opening moves its digest", "[market][chain]") {
  const ChainOpening base = honest_opening();
  std::vector<identity::Sha256Digest> digests{chain_opening_digest(base)};
  auto with = [&](auto change) {
    ChainOpening o = base;
    change(o);
    digests.push_back(chain_opening_digest(o));
  };
  with([](ChainOpening& o) { o.auction_id = AuctionId{8}; });
  with([](ChainOpening& o) { o.seller = "sal"; });
  with([](ChainOpening& o) { o.base_price = Cents(1001); });
  with([](ChainOpening& o) { o.increment = Cents(101); });
  with([](ChainOpening& o) { o.buyers[2] = "cay"; });
  with([](ChainOpening& o) { o.buyers.push_back("eve"); });
  with([](ChainOpening& o) { o.buyers.pop_back(); });
  with([](ChainOpening& o) { o.buyers.clear(); });
  // The seller's name and a buyer's name cannot trade bytes: every text carries its length.
  with([](ChainOpening& o) {
    o.seller = "samamy";
    o.buyers = {"bob", "cat", "dan"};
  });
  with([](ChainOpening& o) {
    o.base_price = Cents(100);
    o.increment = Cents(1000);
  });
  check_all_distinct(digests);

  // Two buyer lists with the same concatenated bytes differ.
  ChainOpening split_a = base;
  split_a.buyers = {"ab", "c"};
  ChainOpening split_b = base;
  split_b.buyers = {"a", "bc"};
  CHECK(chain_opening_digest(split_a) != chain_opening_digest(split_b));
}

TEST_CASE("market: every field of a chain link moves the next head", "[market][chain]") {
  const identity::Sha256Digest head = chain_opening_digest(honest_opening());
  const ChainLink base = mixed_link();
  CHECK(chain_next_digest(head, base) == chain_next_digest(head, mixed_link()));

  std::vector<identity::Sha256Digest> digests{chain_next_digest(head, base)};
  auto with = [&](auto change) {
    ChainLink l = base;
    change(l);
    digests.push_back(chain_next_digest(head, l));
  };
  with([](ChainLink& l) { l.round_id = 4; });
  with([](ChainLink& l) { l.withdrawals[0].username = "amz"; });
  with([](ChainLink& l) { l.withdrawals[1].username = "bo"; });
  with([](ChainLink& l) { l.withdrawals[0].status = BuyerStatus::withdrawn_max_price; });
  with([](ChainLink& l) { l.withdrawals[2].status = BuyerStatus::withdrawn_by_request; });
  // Silent with a proof, and by_request without one, break the invariant but must still
  // not collide with the valid links.
  with([](ChainLink& l) { l.withdrawals[0].status = BuyerStatus::withdrawn_silent; });
  with([](ChainLink& l) { l.withdrawals[0].proof.reset(); });
  with([](ChainLink& l) { l.withdrawals[1].proof = WithdrawProof{3, Cents(1300), {}}; });
  with([](ChainLink& l) { l.withdrawals[0].proof->round_id = 2; });
  with([](ChainLink& l) { l.withdrawals[0].proof->price = Cents(1301); });
  with([](ChainLink& l) { l.withdrawals[0].proof->signature.bytes[0] ^= 1; });
  with([](ChainLink& l) { l.withdrawals[2].proof->signature.bytes[63] ^= 0x80; });
  with([](ChainLink& l) { std::swap(l.withdrawals[0], l.withdrawals[2]); });
  with([](ChainLink& l) { l.withdrawals.pop_back(); });
  with([](ChainLink& l) {
    l.withdrawals.push_back({"dan", BuyerStatus::withdrawn_silent, std::nullopt});
  });
  identity::Sha256Digest other_head = head;
  other_head.bytes[31] ^= 1;
  digests.push_back(chain_next_digest(other_head, base));
  check_all_distinct(digests);
}

TEST_CASE("market: an AuctionChain head is the fold of the opening and link digests",
          "[market][chain]") {
  const ChainOpening opening = honest_opening();
  const std::vector<ChainLink> links = honest_links();

  AuctionChain chain(opening);
  CHECK(chain.opening() == opening);
  CHECK(chain.links().empty());
  CHECK(chain.head() == chain_opening_digest(opening));

  identity::Sha256Digest folded = chain_opening_digest(opening);
  for (const ChainLink& link : links) {
    chain.append(link);
    folded = chain_next_digest(folded, link);
    CHECK(chain.head() == folded);
  }
  CHECK(chain.links() == links);

  // A restarted seller resumes from its opening and links to the same head.
  const AuctionChain restored(opening, links);
  CHECK(restored.head() == chain.head());
  CHECK(restored.links() == links);
  CHECK(restored.opening() == opening);

  // The same links in another order are another history.
  std::vector<ChainLink> reordered = links;
  std::swap(reordered[0], reordered[1]);
  CHECK(AuctionChain(opening, reordered).head() != chain.head());
  // And the same links from another opening too.
  ChainOpening other = opening;
  other.auction_id = AuctionId{8};
  CHECK(AuctionChain(other, links).head() != chain.head());
  // A prefix is not the whole chain.
  CHECK(AuctionChain(opening, {links[0], links[1]}).head() != chain.head());
}

TEST_CASE("market: a chain opening survives a round trip", "[market][chain][codec]") {
  const ChainOpening opening = honest_opening();
  const json j = encode(opening);
  CHECK(j == json::parse(R"({"auction_id":7,"seller":"sam","base_price":1000,"increment":100,
                             "buyers":["amy","bob","cat","dan"]})"));
  auto back = decode_chain_opening(over_the_wire(j), "opening");
  REQUIRE(back.has_value());
  CHECK(*back == opening);

  const ChainOpening unsold{AuctionId{9}, "sam", Cents(0), Cents(1), {}};
  auto unsold_back = decode_chain_opening(over_the_wire(encode(unsold)), "opening");
  REQUIRE(unsold_back.has_value());
  CHECK(*unsold_back == unsold);
  CHECK(encode(unsold)["buyers"].is_array());
}

TEST_CASE("market: chain links survive a round trip", "[market][chain][codec]") {
  const ChainLink link = mixed_link();
  const json j = encode(link);
  CHECK(j["round_id"] == 3);
  REQUIRE(j["withdrawn"].size() == 3);
  CHECK(j["withdrawn"][0]["reason"] == "by_request");
  CHECK(j["withdrawn"][0]["proof"]["signature"] == counting_signature().to_text());
  CHECK(j["withdrawn"][1]["reason"] == "silent");
  CHECK_FALSE(j["withdrawn"][1].contains("proof"));
  CHECK(j["withdrawn"][2]["reason"] == "max_price");

  auto back = decode_chain_link(over_the_wire(j), "link");
  REQUIRE(back.has_value());
  CHECK(*back == link);

  const std::vector<ChainLink> links = honest_links();
  auto list = decode_chain_links(over_the_wire(encode_links(links)), "links");
  REQUIRE(list.has_value());
  CHECK(*list == links);

  auto none = decode_chain_links(over_the_wire(encode_links({})), "links");
  REQUIRE(none.has_value());
  CHECK(none->empty());

  // The documented shape decodes.
  auto documented = decode_chain_link(valid_link_json(), "link");
  REQUIRE(documented.has_value());
  CHECK(documented->round_id == 3);
  REQUIRE(documented->withdrawals.size() == 2);
  CHECK(documented->withdrawals[0].proof->price == Cents(1300));
  CHECK_FALSE(documented->withdrawals[1].proof.has_value());
}

TEST_CASE("market: a malformed chain opening is refused naming the field",
          "[market][chain][codec]") {
  check_refused(decode_chain_opening(json::array(), "ctx"), "bad_request",
                "ctx: must be an object");
  check_refused(decode_chain_opening(json("x"), "ctx"), "bad_request", "ctx");

  auto with = [](const char* field, json value) {
    json j = valid_opening_json();
    j[field] = std::move(value);
    return decode_chain_opening(j, "transcript.opening");
  };
  auto without = [](const char* field) {
    json j = valid_opening_json();
    j.erase(field);
    return decode_chain_opening(j, "transcript.opening");
  };
  REQUIRE(decode_chain_opening(valid_opening_json(), "transcript.opening").has_value());

  for (const char* field : {"auction_id", "seller", "base_price", "increment", "buyers"}) {
    check_refused(without(field), "bad_request", std::string("transcript.opening.") + field);
    check_refused(with(field, nullptr), "bad_request", std::string("transcript.opening.") + field);
  }
  check_refused(with("auction_id", "7"), "bad_request", "transcript.opening.auction_id");
  check_refused(with("auction_id", -1), "invalid_argument", "transcript.opening.auction_id");
  check_refused(with("auction_id", 1.5), "bad_request", "transcript.opening.auction_id");
  check_refused(with("seller", 3), "bad_request", "transcript.opening.seller");
  check_refused(with("seller", "no spaces"), "invalid_argument", "transcript.opening.seller");
  check_refused(with("seller", ""), "invalid_argument", "transcript.opening.seller");
  check_refused(with("base_price", -1), "invalid_argument", "transcript.opening.base_price");
  check_refused(with("base_price", json(std::uint64_t{1} << 63)), "invalid_argument",
                "transcript.opening.base_price");
  check_refused(with("increment", 0), "invalid_argument", "transcript.opening.increment");
  check_refused(with("increment", -5), "invalid_argument", "transcript.opening.increment");
  check_refused(with("buyers", "amy"), "bad_request", "transcript.opening.buyers");
  check_refused(with("buyers", json::object()), "bad_request", "transcript.opening.buyers");
  check_refused(with("buyers", json::array({"amy", 5})), "bad_request",
                "transcript.opening.buyers[1]");
  check_refused(with("buyers", json::array({"amy", nullptr})), "bad_request",
                "transcript.opening.buyers[1]");
  check_refused(with("buyers", json::array({"bad name"})), "invalid_argument",
                "transcript.opening.buyers[0]");
  check_refused(with("buyers", json::array({std::string(33, 'a')})), "invalid_argument",
                "transcript.opening.buyers[0]");
  check_refused(with("buyers", json::array({"amy", "bob", "amy"})), "invalid_argument",
                "transcript.opening.buyers[2]: repeated");
  check_refused(with("buyers", json::array({"amy", "sam"})), "invalid_argument",
                "transcript.opening.buyers[1]: the seller is not one of its buyers");

  json too_many = json::array();
  for (std::size_t i = 0; i <= limits::buyers_per_auction_max; ++i) {
    too_many.push_back("u" + std::to_string(i));
  }
  check_refused(with("buyers", too_many), "invalid_argument", "transcript.opening.buyers");
  too_many.erase(too_many.size() - 1);
  CHECK(with("buyers", too_many).has_value());
}

TEST_CASE("market: a malformed chain link is refused naming the field", "[market][chain][codec]") {
  REQUIRE(decode_chain_link(valid_link_json(), "update_auction.links[2]").has_value());
  check_refused(decode_chain_link(json::array(), "update_auction.links[2]"), "bad_request",
                "update_auction.links[2]: must be an object");
  check_refused(decode_chain_link(json(3), "ctx"), "bad_request", "ctx");

  auto edited = [](auto change) {
    json j = valid_link_json();
    change(j);
    return decode_chain_link(j, "update_auction.links[2]");
  };
  const std::string ctx = "update_auction.links[2]";
  check_refused(edited([](json& j) { j.erase("round_id"); }), "bad_request", ctx + ".round_id");
  check_refused(edited([](json& j) { j["round_id"] = -1; }), "invalid_argument", ctx + ".round_id");
  check_refused(edited([](json& j) { j["round_id"] = "3"; }), "bad_request", ctx + ".round_id");
  check_refused(edited([](json& j) { j.erase("withdrawn"); }), "bad_request", ctx + ".withdrawn");
  check_refused(edited([](json& j) { j["withdrawn"] = json::object(); }), "bad_request",
                ctx + ".withdrawn");
  check_refused(edited([](json& j) { j["withdrawn"] = json::array(); }), "invalid_argument",
                ctx + ".withdrawn");
  check_refused(edited([](json& j) { j["withdrawn"][1] = "bob"; }), "bad_request",
                ctx + ".withdrawn[1]: must be an object");

  // Each withdrawal's own fields.
  const std::string w0 = ctx + ".withdrawn[0]";
  const std::string w1 = ctx + ".withdrawn[1]";
  check_refused(edited([](json& j) { j["withdrawn"][0].erase("username"); }), "bad_request",
                w0 + ".username");
  check_refused(edited([](json& j) { j["withdrawn"][0]["username"] = "a b"; }), "invalid_argument",
                w0 + ".username");
  check_refused(edited([](json& j) { j["withdrawn"][1].erase("reason"); }), "bad_request",
                w1 + ".reason");
  for (const char* reason : {"active", "", "withdrawn", "Silent", "by-request"}) {
    check_refused(edited([&](json& j) { j["withdrawn"][1]["reason"] = reason; }),
                  "invalid_argument", w1 + ".reason");
  }
  check_refused(edited([](json& j) { j["withdrawn"][1]["reason"] = true; }), "bad_request",
                w1 + ".reason");

  // The proof is there exactly when the buyer asked to leave.
  check_refused(edited([](json& j) { j["withdrawn"][0].erase("proof"); }), "invalid_argument",
                w0 + ".proof");
  check_refused(edited([](json& j) {
                  j["withdrawn"][0].erase("proof");
                  j["withdrawn"][0]["reason"] = "max_price";
                }),
                "invalid_argument", w0 + ".proof");
  check_refused(edited([](json& j) { j["withdrawn"][1]["proof"] = j["withdrawn"][0]["proof"]; }),
                "invalid_argument", w1 + ".proof");
  check_refused(edited([](json& j) { j["withdrawn"][0]["proof"] = "signed"; }), "bad_request",
                w0 + ".proof: must be an object");

  // The proof's fields.
  const std::string proof = w0 + ".proof";
  check_refused(edited([](json& j) { j["withdrawn"][0]["proof"].erase("round_id"); }),
                "bad_request", proof + ".round_id");
  check_refused(edited([](json& j) { j["withdrawn"][0]["proof"].erase("price"); }), "bad_request",
                proof + ".price");
  check_refused(edited([](json& j) { j["withdrawn"][0]["proof"]["price"] = -100; }),
                "invalid_argument", proof + ".price");
  check_refused(edited([](json& j) { j["withdrawn"][0]["proof"].erase("signature"); }),
                "bad_request", proof + ".signature");
  check_refused(edited([](json& j) { j["withdrawn"][0]["proof"]["signature"] = 12; }),
                "bad_request", proof + ".signature");
  for (const std::string& bad :
       {std::string(127, 'a'), std::string(129, 'a'), std::string(128, 'A'),
        std::string(127, 'a') + "g", std::string(126, 'a') + "0x", std::string()}) {
    INFO("signature text: " << bad);
    check_refused(edited([&](json& j) { j["withdrawn"][0]["proof"]["signature"] = bad; }),
                  "invalid_argument", proof + ".signature");
  }

  // At most one entry per possible buyer.
  check_refused(edited([](json& j) {
                  json many = json::array();
                  for (std::size_t i = 0; i <= limits::buyers_per_auction_max; ++i) {
                    many.push_back(json::object(
                        {{"username", "u" + std::to_string(i)}, {"reason", "silent"}}));
                  }
                  j["withdrawn"] = many;
                }),
                "invalid_argument", ctx + ".withdrawn");
}

TEST_CASE("market: a malformed list of chain links is refused naming the link",
          "[market][chain][codec]") {
  check_refused(decode_chain_links(json::object(), "update_auction.links"), "bad_request",
                "update_auction.links: must be an array");
  check_refused(decode_chain_links(json(nullptr), "update_auction.links"), "bad_request",
                "update_auction.links");

  json two = json::array({valid_link_json(), valid_link_json()});
  REQUIRE(decode_chain_links(two, "update_auction.links").has_value());
  two[1]["withdrawn"][0]["proof"]["signature"] = "zz";
  check_refused(decode_chain_links(two, "update_auction.links"), "invalid_argument",
                "update_auction.links[1].withdrawn[0].proof.signature");

  // More links than an auction can have buyers.
  json silent_link = json::object();
  silent_link["round_id"] = 1;
  silent_link["withdrawn"] = json::array();
  silent_link["withdrawn"].push_back(json::object({{"username", "u"}, {"reason", "silent"}}));
  json too_many = json::array();
  for (std::size_t i = 0; i <= limits::buyers_per_auction_max; ++i) too_many.push_back(silent_link);
  check_refused(decode_chain_links(too_many, "update_auction.links"), "invalid_argument",
                "update_auction.links");

  // More withdrawals in all than an auction can have buyers, over few links.
  json half = json::array();
  for (std::size_t i = 0; i <= limits::buyers_per_auction_max / 2; ++i) {
    half.push_back(json::object({{"username", "u" + std::to_string(i)}, {"reason", "silent"}}));
  }
  json heavy = json::array();
  heavy.push_back(json::object({{"round_id", 1}, {"withdrawn", half}}));
  heavy.push_back(json::object({{"round_id", 2}, {"withdrawn", half}}));
  check_refused(decode_chain_links(heavy, "update_auction.links"), "invalid_argument",
                "update_auction.links");
  heavy.erase(1);
  CHECK(decode_chain_links(heavy, "update_auction.links").has_value());
}

// Tests of the transcript verifier (auction/market/transcript.hpp): an honest auction signed
// with real Ed25519 keys replays and verifies; each way of tampering with it (a forged or
// misplaced proof, an impossible withdrawal, rounds out of order, a result that differs from
// the chain or is signed by someone else, an unfinished chain, an overflowing round) fails
// with the right code; unsold and single-buyer auctions verify with no links; and the
// transcript's JSON codec round trips and refuses malformed input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/market/transcript.hpp"
#include "signed_chain_fixture.hpp"

using namespace auction;
using namespace auction::market;
using namespace auction::market::chain_test;
using identity::SigningPurpose;
using nlohmann::json;

namespace {

// The honest transcript with its links edited by `change`, its finish re-signed by the
// seller over the new head, so that only the edit can be what fails.
template <class Change>
Transcript with_links(Change change) {
  std::vector<ChainLink> links = honest_links();
  change(links);
  return transcript_of(honest_opening(), std::move(links), honest_record());
}

// The honest transcript with its record edited by `change`, re-signed by the seller.
template <class Change>
Transcript with_record(Change change) {
  FinishRecord record = honest_record();
  change(record);
  return transcript_of(honest_opening(), honest_links(), record);
}

Result<ChainReplay> verify(const Transcript& t) {
  return verify_transcript(t, honest_keys(), cluster);
}

}  // namespace

TEST_CASE("market: an honest signed transcript verifies and replays its withdrawals",
          "[market][transcript]") {
  const Transcript t = honest_transcript();
  auto replay = verify(t);
  INFO(message_of(replay));
  REQUIRE(replay.has_value());

  CHECK(replay->head == AuctionChain(t.opening, t.links).head());
  CHECK(replay->head == t.finish.chain_head);
  CHECK(replay->rules.is_finished());
  CHECK(replay->rules.winner() == std::optional<std::string>("dan"));
  CHECK(replay->rules.round_id() == 5);
  CHECK(replay->rules.price() == price_of(5));
  CHECK(replay->rules.finish_record() == honest_record());

  const std::vector<ChainLink> links = honest_links();
  REQUIRE(replay->withdrawals.size() == 3);
  const ReplayedWithdrawal& amy = replay->withdrawals[0];
  CHECK(amy.username == "amy");
  CHECK(amy.round_id == 2);
  CHECK(amy.price == price_of(2));
  CHECK(amy.status == BuyerStatus::withdrawn_by_request);
  CHECK(amy.proof == links[0].withdrawals[0].proof);
  const ReplayedWithdrawal& bob = replay->withdrawals[1];
  CHECK(bob.username == "bob");
  CHECK(bob.round_id == 4);
  CHECK(bob.price == price_of(4));
  CHECK(bob.status == BuyerStatus::withdrawn_silent);
  CHECK_FALSE(bob.proof.has_value());
  const ReplayedWithdrawal& cat = replay->withdrawals[2];
  CHECK(cat.username == "cat");
  CHECK(cat.round_id == 5);
  CHECK(cat.price == price_of(5));
  CHECK(cat.status == BuyerStatus::withdrawn_max_price);
  REQUIRE(cat.proof.has_value());
  CHECK(cat.proof->round_id == 4);  // she asked in round 4; the seller applied it in round 5
  CHECK(cat.proof->price == price_of(4));

  // replay_chain alone gives the same replay.
  auto chain_only = replay_chain(t.opening, t.links, honest_keys(), cluster);
  REQUIRE(chain_only.has_value());
  CHECK(chain_only->head == replay->head);
  CHECK(chain_only->withdrawals.size() == 3);

  // The finish may list the buyers in any order: the signature and the check sort them.
  Transcript reordered = t;
  std::reverse(reordered.finish.record.buyers.begin(), reordered.finish.record.buyers.end());
  CHECK(verify(reordered).has_value());
  // And the opening may list them in any order too (the digest sorts them; the seller signed
  // over the same head).
  ChainOpening shuffled = honest_opening();
  shuffled.buyers = {"dan", "cat", "amy", "bob"};
  CHECK(verify(transcript_of(shuffled, honest_links(), honest_record())).has_value());
}

TEST_CASE("market: replay_chain follows a running auction's pushed links", "[market][transcript]") {
  const std::vector<ChainLink> all = honest_links();
  auto partial = replay_chain(honest_opening(), {all[0], all[1]}, honest_keys(), cluster);
  REQUIRE(partial.has_value());
  CHECK(partial->rules.is_running());
  CHECK(partial->rules.active_count() == 2);
  CHECK(partial->rules.round_id() == 4);
  CHECK(partial->head == head_of(honest_opening(), {all[0], all[1]}));

  auto none = replay_chain(honest_opening(), {}, honest_keys(), cluster);
  REQUIRE(none.has_value());
  CHECK(none->rules.is_running());
  CHECK(none->rules.round_id() == 0);
  CHECK(none->head == chain_opening_digest(honest_opening()));
  CHECK(none->withdrawals.empty());
}

TEST_CASE("market: a withdraw proof signed by the wrong key cluster or purpose is bad_signature",
          "[market][transcript]") {
  auto with_amy_proof = [](WithdrawProof proof) {
    return with_links(
        [&](std::vector<ChainLink>& links) { links[0].withdrawals[0].proof = proof; });
  };
  const WithdrawReason by_request = WithdrawReason::by_request;
  const Cents p2 = price_of(2);

  // Another buyer's key over amy's request.
  auto by_bob = verify(with_amy_proof(signed_proof("amy", by_request, 2, p2, signer_of("bob"))));
  check_refused(by_bob, "bad_signature", "links[0].withdrawn[0]");
  check_refused(by_bob, "bad_signature", "amy");
  // The seller's key.
  check_refused(verify(with_amy_proof(signed_proof("amy", by_request, 2, p2, signer_of("sam")))),
                "bad_signature", "links[0].withdrawn[0]");
  // Amy's key, in another cluster.
  check_refused(
      verify(with_amy_proof(signed_proof("amy", by_request, 2, p2, signer_of("amy", "cluster-b")))),
      "bad_signature", "links[0].withdrawn[0]");
  // Amy's key, for another purpose.
  for (const SigningPurpose& purpose :
       {SigningPurpose::announcement, SigningPurpose::ack, SigningPurpose::seller_back,
        SigningPurpose::auction_finished, SigningPurpose::key_rotation,
        SigningPurpose::connection_auth}) {
    INFO("purpose " << purpose.tag());
    check_refused(
        verify(with_amy_proof(signed_proof("amy", by_request, 2, p2, signer_of("amy"), purpose))),
        "bad_signature", "links[0].withdrawn[0]");
  }
  // Amy's key, for another auction.
  check_refused(verify(with_amy_proof(signed_proof("amy", by_request, 2, p2, signer_of("amy"),
                                                   SigningPurpose::withdraw, AuctionId{8}))),
                "bad_signature", "links[0].withdrawn[0]");
  // Amy's key, for the other reason than the chain records.
  check_refused(verify(with_amy_proof(
                    signed_proof("amy", WithdrawReason::max_price, 2, p2, signer_of("amy")))),
                "bad_signature", "links[0].withdrawn[0]");
  // A proof whose signature was made for another round than it names.
  WithdrawProof moved = signed_proof("amy", by_request, 1, price_of(1), signer_of("amy"));
  moved.round_id = 2;
  moved.price = p2;
  check_refused(verify(with_amy_proof(moved)), "bad_signature", "links[0].withdrawn[0]");
  // A damaged signature.
  WithdrawProof damaged = honest_proof("amy", by_request, 2);
  damaged.signature.bytes[0] ^= 1;
  check_refused(verify(with_amy_proof(damaged)), "bad_signature", "links[0].withdrawn[0]");

  // A buyer whose key the platform does not know fails any proof it needs.
  TranscriptKeys keys = honest_keys();
  keys.buyers.erase("cat");
  check_refused(verify_transcript(honest_transcript(), keys, cluster), "bad_signature",
                "links[2].withdrawn[0]");
  // A verifier in another cluster believes no proof at all.
  check_refused(verify_transcript(honest_transcript(), honest_keys(), "cluster-b"), "bad_signature",
                "links[0].withdrawn[0]");
  // The silent withdrawal needs no key: without bob's key the honest transcript verifies.
  keys = honest_keys();
  keys.buyers.erase("bob");
  keys.buyers.erase("dan");
  CHECK(verify_transcript(honest_transcript(), keys, cluster).has_value());
}

TEST_CASE("market: a withdraw proof whose price is not its round's price is transcript_invalid",
          "[market][transcript]") {
  // Properly signed by amy, but the price she signed is not the price of the round she names.
  for (const Cents price : {Cents(1201), Cents(1100), Cents(0), price_of(3)}) {
    INFO("price " << price.value);
    auto result = verify(with_links([&](std::vector<ChainLink>& links) {
      links[0].withdrawals[0].proof =
          signed_proof("amy", WithdrawReason::by_request, 2, price, signer_of("amy"));
    }));
    check_refused(result, "transcript_invalid", "links[0].withdrawn[0].proof");
  }
  // A round whose price does not fit has no price at all.
  auto overflowing = verify(with_links([](std::vector<ChainLink>& links) {
    const RoundId round = std::numeric_limits<RoundId>::max();
    links[0].withdrawals[0].proof =
        signed_proof("amy", WithdrawReason::by_request, round,
                     Cents(std::numeric_limits<std::int64_t>::max()), signer_of("amy"));
  }));
  check_refused(overflowing, "transcript_invalid", "links[0].withdrawn[0].proof");
}

TEST_CASE("market: a chain the rules refuse is transcript_invalid", "[market][transcript]") {
  SECTION("a buyer withdrawn twice, in a later link") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) {
      links[2].withdrawals.insert(links[2].withdrawals.begin(),
                                  ChainWithdrawal{"amy", BuyerStatus::withdrawn_silent, {}});
    }));
    check_refused(result, "transcript_invalid", "links[2].withdrawn[0]");
    check_refused(result, "transcript_invalid", "already_withdrawn");
  }
  SECTION("a buyer withdrawn twice, in the same link") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) {
      links[1].withdrawals.push_back({"bob", BuyerStatus::withdrawn_silent, std::nullopt});
    }));
    check_refused(result, "transcript_invalid", "links[1].withdrawn[1]");
  }
  SECTION("a buyer withdrawn twice, the second time with her own proof") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) {
      links[1].withdrawals.push_back({"amy", BuyerStatus::withdrawn_by_request,
                                      honest_proof("amy", WithdrawReason::by_request, 4)});
    }));
    check_refused(result, "transcript_invalid", "links[1].withdrawn[1]");
  }
  SECTION("the last active buyer withdrawn in the link that finishes the auction") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) {
      links[2].withdrawals.push_back({"dan", BuyerStatus::withdrawn_by_request,
                                      honest_proof("dan", WithdrawReason::by_request, 5)});
    }));
    check_refused(result, "transcript_invalid", "links[2].withdrawn[1]");
    check_refused(result, "transcript_invalid", "you_are_the_winner");
  }
  SECTION("the last active buyer withdrawn in a link after the finish") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) {
      links.push_back({6, {{"dan", BuyerStatus::withdrawn_silent, std::nullopt}}});
    }));
    check_refused(result, "transcript_invalid", "links[3]");
  }
  SECTION("a buyer that never joined") {
    auto result = verify(with_links(
        [](std::vector<ChainLink>& links) { links[1].withdrawals[0].username = "eve"; }));
    check_refused(result, "transcript_invalid", "links[1].withdrawn[0]");
    check_refused(result, "transcript_invalid", "not_joined");
  }
  SECTION("links with decreasing rounds") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) {
      links[1].round_id = 1;  // after round 2
      links[1].withdrawals[0] = {"bob", BuyerStatus::withdrawn_silent, std::nullopt};
    }));
    check_refused(result, "transcript_invalid", "links[1].round_id");
  }
  SECTION("an empty link") {
    // AuctionChain never holds one (append asserts), and the decoder refuses one, so the
    // verifier is given the links directly.
    std::vector<ChainLink> links = honest_links();
    links.insert(links.begin() + 1, ChainLink{3, {}});
    auto result = replay_chain(honest_opening(), links, honest_keys(), cluster);
    check_refused(result, "transcript_invalid", "links[1]");
  }
  SECTION("a withdrawal the buyer asked for without its proof") {
    auto result = verify(
        with_links([](std::vector<ChainLink>& links) { links[0].withdrawals[0].proof.reset(); }));
    check_refused(result, "transcript_invalid", "links[0].withdrawn[0]");
  }
  SECTION("a withdrawal for silence carrying a proof") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) {
      links[1].withdrawals[0].proof = honest_proof("bob", WithdrawReason::by_request, 4);
    }));
    check_refused(result, "transcript_invalid", "links[1].withdrawn[0]");
  }
  SECTION("a withdrawal that leaves the buyer active") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) {
      links[0].withdrawals[0].status = BuyerStatus::active;
    }));
    check_refused(result, "transcript_invalid", "links[0].withdrawn[0]");
  }
}

TEST_CASE("market: a result that differs from the chain is transcript_invalid",
          "[market][transcript]") {
  SECTION("another winner") {
    // cat as the winner, with statuses to match, so that only the claim is wrong.
    auto result = verify(with_record([](FinishRecord& r) {
      r.winner = "cat";
      r.buyers[2].status = BuyerStatus::active;
      r.buyers[3].status = BuyerStatus::withdrawn_max_price;
    }));
    check_refused(result, "transcript_invalid", "finish");
    check_refused(result, "transcript_invalid", "dan");
  }
  SECTION("another price") {
    check_refused(verify(with_record([](FinishRecord& r) { r.price = price_of(4); })),
                  "transcript_invalid", "finish");
  }
  SECTION("another round") {
    check_refused(verify(with_record([](FinishRecord& r) { r.round_id = 6; })),
                  "transcript_invalid", "finish");
    // Even at that round's own price.
    check_refused(verify(with_record([](FinishRecord& r) {
                    r.round_id = 6;
                    r.price = price_of(6);
                  })),
                  "transcript_invalid", "finish");
  }
  SECTION("another status") {
    check_refused(verify(with_record([](FinishRecord& r) {
                    r.buyers[1].status = BuyerStatus::withdrawn_by_request;
                  })),
                  "transcript_invalid", "finish");
  }
  SECTION("another auction") {
    check_refused(verify(with_record([](FinishRecord& r) { r.auction_id = AuctionId{8}; })),
                  "transcript_invalid", "finish");
  }
  SECTION("another chain head, signed by the seller") {
    Transcript t = honest_transcript();
    identity::Sha256Digest other = t.finish.chain_head;
    other.bytes[0] ^= 1;
    t.finish = signed_finish(t.finish.record, other);
    check_refused(verify(t), "transcript_invalid", "finish.chain_head");
    // The head of a prefix of the chain.
    t.finish = signed_finish(t.finish.record, head_of(t.opening, {t.links[0], t.links[1]}));
    check_refused(verify(t), "transcript_invalid", "finish.chain_head");
  }
  SECTION("the chain is not finished: two buyers still active") {
    auto result = verify(with_links([](std::vector<ChainLink>& links) { links.pop_back(); }));
    check_refused(result, "transcript_invalid", "finish");
    check_refused(result, "transcript_invalid", "2 buyers active");
    // Nor with no links at all.
    check_refused(verify(with_links([](std::vector<ChainLink>& links) { links.clear(); })),
                  "transcript_invalid", "4 buyers active");
  }
}

TEST_CASE("market: a result not signed by the seller is bad_signature", "[market][transcript]") {
  const Transcript honest = honest_transcript();
  auto resigned = [&](const PeerSigner& signer) {
    Transcript t = honest;
    t.finish = signed_finish(t.finish.record, t.finish.chain_head, signer);
    return verify(t);
  };
  check_refused(resigned(signer_of("dan")), "bad_signature", "finish.signature");
  check_refused(resigned(signer_of("amy")), "bad_signature", "finish.signature");
  check_refused(resigned(signer_of("sam", "cluster-b")), "bad_signature", "finish.signature");

  // The seller's key, but for another purpose.
  Transcript wrong_purpose = honest;
  wrong_purpose.finish.signature =
      sign_statement(signer_of("sam"), SigningPurpose::announcement,
                     finished_statement(honest.finish.record, honest.finish.chain_head));
  check_refused(verify(wrong_purpose), "bad_signature", "finish.signature");

  // The seller's key over the statement of an announcement of the same round.
  Transcript announced = honest;
  announced.finish.signature =
      sign_statement(signer_of("sam"), SigningPurpose::auction_finished,
                     announcement_statement(the_auction, 5, price_of(5),
                                            honest.finish.record.buyers, honest.finish.chain_head));
  check_refused(verify(announced), "bad_signature", "finish.signature");

  Transcript damaged = honest;
  damaged.finish.signature.bytes[40] ^= 0x20;
  check_refused(verify(damaged), "bad_signature", "finish.signature");

  // The keys of another seller.
  TranscriptKeys keys = honest_keys();
  keys.seller = keys_of("sal")->public_key();
  check_refused(verify_transcript(honest, keys, cluster), "bad_signature", "finish.signature");
}

TEST_CASE("market: unsold and single-buyer auctions verify with no links", "[market][transcript]") {
  SECTION("unsold") {
    const ChainOpening opening{AuctionId{11}, "sam", Cents(2500), Cents(50), {}};
    const FinishRecord record{AuctionId{11}, 0, std::nullopt, Cents(2500), {}};
    const Transcript t = transcript_of(opening, {}, record);
    auto replay = verify(t);
    INFO(message_of(replay));
    REQUIRE(replay.has_value());
    CHECK(replay->withdrawals.empty());
    CHECK(replay->head == chain_opening_digest(opening));
    CHECK_FALSE(replay->rules.winner().has_value());
    // Claiming a sale, or another price, is refused.
    FinishRecord higher = record;
    higher.price = Cents(2550);
    higher.round_id = 1;
    check_refused(verify(transcript_of(opening, {}, higher)), "transcript_invalid", "finish");
    // Any link at all is refused: the auction was over at once.
    const ChainLink stranger{1, {ChainWithdrawal{"amy", BuyerStatus::withdrawn_silent, {}}}};
    check_refused(verify(transcript_of(opening, {stranger}, record)), "transcript_invalid",
                  "links[0]");
  }
  SECTION("one buyer") {
    const ChainOpening opening{AuctionId{12}, "sam", Cents(2500), Cents(50), {"amy"}};
    const FinishRecord record{AuctionId{12}, 0, "amy", Cents(2500), {{"amy", BuyerStatus::active}}};
    auto replay = verify(transcript_of(opening, {}, record));
    INFO(message_of(replay));
    REQUIRE(replay.has_value());
    CHECK(replay->withdrawals.empty());
    CHECK(replay->rules.winner() == std::optional<std::string>("amy"));
    // Amy cannot be withdrawn, even with her own signed request.
    const ChainLink leave{
        0,
        {{"amy", BuyerStatus::withdrawn_by_request,
          signed_proof("amy", WithdrawReason::by_request, 0, Cents(2500), signer_of("amy"),
                       SigningPurpose::withdraw, AuctionId{12})}}};
    check_refused(verify(transcript_of(opening, {leave}, record)), "transcript_invalid",
                  "links[0]");
  }
}

TEST_CASE("market: a link at a round whose price overflows is transcript_invalid",
          "[market][transcript]") {
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const ChainOpening opening{the_auction, "sam", Cents(max - 250), Cents(100), {"amy", "bob"}};
  const FinishRecord record{the_auction,
                            2,
                            "bob",
                            Cents(max - 50),
                            {{"amy", BuyerStatus::withdrawn_silent}, {"bob", BuyerStatus::active}}};
  // Round 2 is the last whose price fits: that one verifies.
  const ChainLink fits{2, {{"amy", BuyerStatus::withdrawn_silent, std::nullopt}}};
  auto ok = verify(transcript_of(opening, {fits}, record));
  INFO(message_of(ok));
  REQUIRE(ok.has_value());
  CHECK(ok->withdrawals[0].price == Cents(max - 50));

  for (const RoundId round : {RoundId{3}, RoundId{1} << 62, std::numeric_limits<RoundId>::max()}) {
    INFO("round " << round);
    const ChainLink beyond{round, {{"amy", BuyerStatus::withdrawn_silent, std::nullopt}}};
    check_refused(verify(transcript_of(opening, {beyond}, record)), "transcript_invalid",
                  "links[0].round_id");
  }
}

TEST_CASE("market: a transcript survives a JSON round trip and verifies after it",
          "[market][transcript][codec]") {
  const Transcript t = honest_transcript();
  const json j = encode(t);
  CHECK(j["opening"] == encode(t.opening));
  CHECK(j["links"] == encode_links(t.links));
  CHECK(j["finish"] == encode(t.finish));
  auto back = decode_transcript(json::parse(j.dump()));
  REQUIRE(back.has_value());
  CHECK(*back == t);
  CHECK(verify(*back).has_value());

  const Transcript unsold =
      transcript_of(ChainOpening{AuctionId{11}, "sam", Cents(0), Cents(1), {}}, {},
                    FinishRecord{AuctionId{11}, 0, std::nullopt, Cents(0), {}});
  auto unsold_back = decode_transcript(json::parse(encode(unsold).dump()));
  REQUIRE(unsold_back.has_value());
  CHECK(*unsold_back == unsold);
}

TEST_CASE("market: a malformed transcript is refused naming the part",
          "[market][transcript][codec]") {
  const json good = encode(honest_transcript());
  REQUIRE(decode_transcript(good).has_value());
  for (const json& not_object : {json::array(), json("transcript"), json(nullptr), json(1)}) {
    check_refused(decode_transcript(not_object), "bad_request", "transcript: must be an object");
  }
  for (const char* part : {"opening", "links", "finish"}) {
    json j = good;
    j.erase(part);
    check_refused(decode_transcript(j), "bad_request", std::string("transcript.") + part);
  }
  auto edited = [&](auto change) {
    json j = good;
    change(j);
    return decode_transcript(j);
  };
  check_refused(edited([](json& j) { j["opening"] = json::array(); }), "bad_request",
                "transcript.opening");
  check_refused(edited([](json& j) { j["opening"]["increment"] = 0; }), "invalid_argument",
                "transcript.opening.increment");
  check_refused(edited([](json& j) { j["opening"]["buyers"].push_back("sam"); }),
                "invalid_argument", "transcript.opening.buyers[4]");
  check_refused(edited([](json& j) { j["opening"]["buyers"][3] = "amy"; }), "invalid_argument",
                "transcript.opening.buyers[3]: repeated");
  check_refused(edited([](json& j) { j["links"] = json::object(); }), "bad_request",
                "transcript.links");
  check_refused(edited([](json& j) { j["links"][1]["withdrawn"] = json::array(); }),
                "invalid_argument", "transcript.links[1].withdrawn");
  check_refused(edited([](json& j) { j["links"][0]["withdrawn"][0].erase("proof"); }),
                "invalid_argument", "transcript.links[0].withdrawn[0].proof");
  check_refused(edited([](json& j) {
                  j["links"][1]["withdrawn"][0]["proof"] = j["links"][0]["withdrawn"][0]["proof"];
                }),
                "invalid_argument", "transcript.links[1].withdrawn[0].proof");
  check_refused(edited([](json& j) { j["links"][0]["withdrawn"][0]["proof"]["signature"] = "ab"; }),
                "invalid_argument", "transcript.links[0].withdrawn[0].proof.signature");
  check_refused(edited([](json& j) { j["finish"] = "done"; }), "bad_request", "auction_finished");
  check_refused(edited([](json& j) { j["finish"]["chain_head"] = std::string(64, 'G'); }),
                "invalid_argument", "chain_head");
  check_refused(edited([](json& j) { j["finish"].erase("signature"); }), "bad_request",
                "signature");
  // A finish for another auction than the opening's.
  check_refused(edited([](json& j) { j["finish"]["auction_id"] = 8; }), "invalid_argument",
                "transcript.finish.auction_id");
}

// A proof may name a later round than the link that records it: a seller that crashed and
// resumed from an older push is back in an earlier round than the buyer had seen, and the
// buyer's request (sent again when it sees itself still active) names the newest round it
// saw. The proof still has to state that round's price and carry the buyer's signature.
TEST_CASE("market: a withdraw proof from a later round than its link is accepted",
          "[market][transcript]") {
  // cat's max price request signed in round 7 (price 17.00), recorded as leaving in round 5.
  auto result = verify(with_links([](std::vector<ChainLink>& links) {
    links[2].withdrawals[0].proof = honest_proof("cat", WithdrawReason::max_price, 7);
  }));
  REQUIRE(result.has_value());
}

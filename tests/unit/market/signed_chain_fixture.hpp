// Shared by the tests of the announcement chain, the peer signatures and the transcript:
// deterministic Ed25519 keys per username, peer signers, and one honest signed transcript.
//
// The honest auction: auction 7, seller sam, base 10.00, increment 1.00, buyers amy, bob,
// cat and dan, in cluster "cluster-a".
//   round 2: amy withdraws by request (she asked at round 2, price 12.00);
//   round 4: bob is withdrawn for silence (no proof);
//   round 5: cat's max price proxy withdraws her (she asked at round 4, price 14.00).
// dan is then the only active buyer: he wins at round 5 for 15.00, and sam signs the result
// over the chain's head.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "auction/base/money.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/identity/signing.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/market/auction_chain.hpp"
#include "auction/market/peer_signatures.hpp"
#include "auction/market/transcript.hpp"

namespace auction::market::chain_test {

inline constexpr std::string_view cluster = "cluster-a";
inline constexpr AuctionId the_auction{7};
inline constexpr Cents base_price{1000};
inline constexpr Cents increment{100};

// The key pair of `username` in these tests: derived from the name alone (never for real use).
inline std::shared_ptr<const identity::KeyPair> keys_of(std::string_view username) {
  const identity::Sha256Digest seed =
      identity::sha256("ppapd market chain test key of " + std::string(username));
  return std::make_shared<const identity::KeyPair>(identity::KeyPair::from_seed(seed.bytes));
}

inline PeerSigner signer_of(std::string_view username, std::string_view cluster_id = cluster) {
  return PeerSigner{std::string(username), keys_of(username), std::string(cluster_id)};
}

// The price of `round` in the honest auction, by the one formula.
inline Cents price_of(RoundId round) {
  return price_at_round(base_price, increment, round).value();
}

// `buyer`'s signed withdraw request, as the seller keeps it in its chain.
inline WithdrawProof signed_proof(
    std::string_view buyer, WithdrawReason reason, RoundId round, Cents price,
    const PeerSigner& signer, identity::SigningPurpose purpose = identity::SigningPurpose::withdraw,
    AuctionId auction_id = the_auction) {
  const std::string statement = withdraw_statement(auction_id, buyer, reason, round, price);
  return WithdrawProof{round, price, sign_statement(signer, purpose, statement)};
}

inline WithdrawProof honest_proof(std::string_view buyer, WithdrawReason reason, RoundId round) {
  return signed_proof(buyer, reason, round, price_of(round), signer_of(buyer));
}

inline ChainOpening honest_opening() {
  return ChainOpening{the_auction, "sam", base_price, increment, {"amy", "bob", "cat", "dan"}};
}

inline std::vector<ChainLink> honest_links() {
  return {
      ChainLink{2,
                {ChainWithdrawal{"amy", BuyerStatus::withdrawn_by_request,
                                 honest_proof("amy", WithdrawReason::by_request, 2)}}},
      ChainLink{4, {ChainWithdrawal{"bob", BuyerStatus::withdrawn_silent, std::nullopt}}},
      ChainLink{5,
                {ChainWithdrawal{"cat", BuyerStatus::withdrawn_max_price,
                                 honest_proof("cat", WithdrawReason::max_price, 4)}}},
  };
}

inline FinishRecord honest_record() {
  return FinishRecord{the_auction,
                      5,
                      "dan",
                      price_of(5),
                      {{"amy", BuyerStatus::withdrawn_by_request},
                       {"bob", BuyerStatus::withdrawn_silent},
                       {"cat", BuyerStatus::withdrawn_max_price},
                       {"dan", BuyerStatus::active}}};
}

// `record` over `head`, signed by `signer` (the seller, unless a test says otherwise).
inline SignedFinish signed_finish(const FinishRecord& record, const identity::Sha256Digest& head,
                                  const PeerSigner& signer = signer_of("sam")) {
  return SignedFinish{record, head,
                      sign_statement(signer, identity::SigningPurpose::auction_finished,
                                     finished_statement(record, head))};
}

// The head of `links` from `opening`, as the seller's AuctionChain computes it.
inline identity::Sha256Digest head_of(const ChainOpening& opening,
                                      const std::vector<ChainLink>& links) {
  return AuctionChain(opening, links).head();
}

// A transcript whose finish is `record` over the head of `links`, signed by sam.
inline Transcript transcript_of(ChainOpening opening, std::vector<ChainLink> links,
                                const FinishRecord& record) {
  const identity::Sha256Digest head = head_of(opening, links);
  return Transcript{std::move(opening), std::move(links), signed_finish(record, head)};
}

inline Transcript honest_transcript() {
  return transcript_of(honest_opening(), honest_links(), honest_record());
}

inline TranscriptKeys honest_keys() {
  TranscriptKeys keys{keys_of("sam")->public_key(), {}};
  for (const char* name : {"amy", "bob", "cat", "dan"}) {
    keys.buyers.emplace(name, keys_of(name)->public_key());
  }
  return keys;
}

// The code of `result`'s error; "ok" when it succeeded (so a CHECK prints what happened).
template <class T>
std::string code_of(const Result<T>& result) {
  return result ? std::string("ok") : result.error().code;
}

// The message of `result`'s error; empty when it succeeded.
template <class T>
std::string message_of(const Result<T>& result) {
  return result ? std::string() : result.error().message;
}

// Checks that `result` failed with `code` and a message that names `field`.
template <class T>
void check_refused(const Result<T>& result, std::string_view code, std::string_view field) {
  INFO("expected " << code << " naming " << field);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == code);
  CHECK_THAT(result.error().message, Catch::Contains(std::string(field)));
}

}  // namespace auction::market::chain_test

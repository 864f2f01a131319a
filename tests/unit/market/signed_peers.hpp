// Test helpers for the signed peer protocol as the engines and peers see it: every user's test
// key pair (support/test_keys.hpp), signers in the cluster "test-cluster", the seller's keys of
// its buyers, a buyer's config, and signed messages made the way an honest seller or buyer
// makes them (or, given another signer, the way an attacker forges them).
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auction/identity/sha256.hpp"
#include "auction/identity/signing.hpp"
#include "auction/market/buyer_auction.hpp"
#include "auction/market/peer_messages.hpp"
#include "auction/market/peer_signatures.hpp"
#include "auction/market/seller_auction.hpp"
#include "support/test_keys.hpp"

namespace auction::test {

inline constexpr std::string_view test_cluster = "test-cluster";

// `username`'s test key pair, derived once per name and shared.
inline std::shared_ptr<const identity::KeyPair> peer_keys(std::string_view username) {
  static std::map<std::string, std::shared_ptr<const identity::KeyPair>, std::less<>> cache;
  auto it = cache.find(username);
  if (it == cache.end()) it = cache.emplace(std::string(username), test_keys(username)).first;
  return it->second;
}

inline identity::PublicKey public_key_of(std::string_view username) {
  return peer_keys(username)->public_key();
}

// `username` signing with its test key in `cluster_id`.
inline market::PeerSigner test_signer(std::string_view username,
                                      std::string_view cluster_id = test_cluster) {
  return market::PeerSigner{std::string(username), peer_keys(username), std::string(cluster_id)};
}

// The seller `seller` with its test key, believing each of `buyers` by its test key.
inline market::SellerKeys seller_keys(const std::vector<std::string>& buyers,
                                      std::string_view seller = "sam") {
  market::SellerKeys keys{test_signer(seller), {}};
  for (const std::string& b : buyers) keys.buyers.emplace(b, public_key_of(b));
  return keys;
}

// `username`'s config for auction `auction_id` of seller sam: period 1000 ms, pauses after 3,
// test keys, cluster "test-cluster", nothing known before the start (round 0 at time 0).
inline market::BuyerConfig buyer_config(AuctionId auction_id, std::string_view username,
                                        Cents base_price, Cents increment) {
  market::BuyerConfig c;
  c.auction_id = auction_id;
  c.username = std::string(username);
  c.period_ms = 1000;
  c.pause_after_periods = 3;
  c.seller = "sam";
  c.seller_key = public_key_of("sam");
  c.base_price = base_price;
  c.increment = increment;
  c.known_round = 0;
  c.known_at_ms = 0;
  c.signer = test_signer(username);
  return c;
}

// The full announcement of `round_id` at `price`, signed by `signer` (sam, unless a test
// forges it) under `purpose`.
inline market::AnnouncePrice signed_announcement(
    AuctionId auction_id, RoundId round_id, Cents price, std::vector<market::BuyerEntry> buyers,
    const identity::Sha256Digest& chain_head = {},
    const market::PeerSigner& signer = test_signer("sam"),
    identity::SigningPurpose purpose = identity::SigningPurpose::announcement) {
  market::AnnouncePrice m{auction_id, round_id, price, std::move(buyers), false, chain_head, {}};
  m.signature = market::sign_statement(signer, purpose, market::announcement_statement(m));
  return m;
}

// The compact form of the full announcement `full`, as a seller sends it (same signature).
inline market::AnnouncePrice compact_of(market::AnnouncePrice full) {
  full.is_compact = true;
  std::erase_if(full.buyers, [](const market::BuyerEntry& b) { return b.is_active(); });
  return full;
}

inline market::SignedFinish signed_finish_of(
    const market::FinishRecord& record, const identity::Sha256Digest& chain_head = {},
    const market::PeerSigner& signer = test_signer("sam")) {
  return market::SignedFinish{
      record, chain_head,
      market::sign_statement(signer, identity::SigningPurpose::auction_finished,
                             market::finished_statement(record, chain_head))};
}

inline market::SellerBack signed_seller_back(AuctionId auction_id, std::string address,
                                             RoundId round_id,
                                             const market::PeerSigner& signer = test_signer("sam"),
                                             std::string seller = "sam") {
  market::SellerBack m{auction_id, std::move(seller), std::move(address), round_id, {}};
  m.signature = market::sign_statement(signer, identity::SigningPurpose::seller_back,
                                       market::seller_back_statement(m));
  return m;
}

// `username`'s withdraw request, having seen `round_id` at `price`, signed by `signer`
// (its own test key unless a test forges it).
inline market::WithdrawRequest signed_withdraw(AuctionId auction_id, std::string_view username,
                                               market::WithdrawReason reason, RoundId round_id,
                                               Cents price, const market::PeerSigner& signer) {
  market::WithdrawRequest m{auction_id, std::string(username), reason, round_id, price, {}};
  m.signature = market::sign_statement(
      signer, identity::SigningPurpose::withdraw,
      market::withdraw_statement(auction_id, username, reason, round_id, price));
  return m;
}

inline market::WithdrawRequest signed_withdraw(AuctionId auction_id, std::string_view username,
                                               market::WithdrawReason reason, RoundId round_id,
                                               Cents price) {
  return signed_withdraw(auction_id, username, reason, round_id, price, test_signer(username));
}

// `username`'s ack of the full announcement `message`, signed by `signer`.
inline market::PeerAck signed_ack(const market::AnnouncePrice& message, std::string_view username,
                                  bool has_buyers, const market::PeerSigner& signer) {
  market::PeerAck ack{message.auction_id, message.round_id, has_buyers, {}};
  ack.signature = market::sign_statement(
      signer, identity::SigningPurpose::ack,
      market::ack_statement(message.auction_id, username, message.round_id,
                            identity::sha256(market::announcement_statement(message))));
  return ack;
}

inline market::PeerAck signed_ack(const market::AnnouncePrice& message, std::string_view username,
                                  bool has_buyers = true) {
  return signed_ack(message, username, has_buyers, test_signer(username));
}

// Whether `ack` is `buyer`'s signature over the statement `acknowledged` for `round_id`.
inline bool is_ack_of(const market::PeerAck& ack, std::string_view buyer, RoundId round_id,
                      std::string_view acknowledged) {
  return ack.round_id == round_id &&
         market::verify_statement(
             public_key_of(buyer), test_cluster, identity::SigningPurpose::ack,
             market::ack_statement(ack.auction_id, buyer, round_id, identity::sha256(acknowledged)),
             ack.signature);
}

// Whether `request` carries its buyer's signature over what it says.
inline bool is_signed_withdraw(const market::WithdrawRequest& request) {
  return market::verify_statement(
      public_key_of(request.username), test_cluster, identity::SigningPurpose::withdraw,
      market::withdraw_statement(request.auction_id, request.username, request.reason,
                                 request.round_id, request.price),
      request.signature);
}

// The code of `result`'s error; "ok" when it succeeded (so a CHECK prints what happened).
template <class T>
std::string error_code_of(const Result<T>& result) {
  return result ? std::string("ok") : result.error().code;
}

}  // namespace auction::test

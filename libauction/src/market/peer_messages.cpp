// The peer protocol codecs; see auction/market/peer_messages.hpp.
#include "auction/market/peer_messages.hpp"

#include "market/json_fields.hpp"

namespace auction::market {

nlohmann::json encode(const AnnouncePrice& m) {
  return {{"auction_id", m.auction_id.value},
          {"round_id", m.round_id},
          {"price", m.price.value},
          {m.is_compact ? "withdrawn" : "buyers", json_fields::encode_buyers(m.buyers)},
          {"chain_head", m.chain_head.to_text()},
          {"signature", m.signature.to_text()}};
}

nlohmann::json encode(const SignedFinish& m) {
  nlohmann::json j = encode(m.record);
  j["chain_head"] = m.chain_head.to_text();
  j["signature"] = m.signature.to_text();
  return j;
}

nlohmann::json encode(const SellerBack& m) {
  return {{"auction_id", m.auction_id.value},
          {"seller", m.seller},
          {"address", m.address},
          {"round_id", m.round_id},
          {"signature", m.signature.to_text()}};
}

nlohmann::json encode(const PeerAck& m) {
  nlohmann::json j = {{"auction_id", m.auction_id.value},
                      {"round_id", m.round_id},
                      {"signature", m.signature.to_text()}};
  if (m.has_buyers) j["has_buyers"] = true;
  return j;
}

nlohmann::json encode(const WithdrawRequest& m) {
  return {{"auction_id", m.auction_id.value},
          {"username", m.username},
          {"reason", std::string(to_string(m.reason))},
          {"round_id", m.round_id},
          {"price", m.price.value},
          {"signature", m.signature.to_text()}};
}

nlohmann::json encode(const WithdrawReply& m) {
  return {{"outcome", std::string(to_string(m.outcome))}};
}

Result<AnnouncePrice> decode_announce_price(const nlohmann::json& j) {
  json_fields::Reader r(j, "announce_price");
  AnnouncePrice m;
  r.auction_id("auction_id", m.auction_id);
  r.u64("round_id", m.round_id);
  r.cents("price", m.price);
  // The full form has "buyers"; the compact one "withdrawn" instead (never both).
  m.is_compact = !r.has("buyers") && r.has("withdrawn");
  r.buyers(m.is_compact ? "withdrawn" : "buyers", m.buyers);
  r.digest("chain_head", m.chain_head);
  r.signature("signature", m.signature);
  if (!r.ok()) return std::unexpected(r.error());
  if (m.is_compact) {
    for (std::size_t i = 0; i < m.buyers.size(); ++i) {
      if (m.buyers[i].is_active()) {
        return fail(code::invalid_argument, "announce_price.withdrawn[" + std::to_string(i) +
                                                "]: lists withdrawn buyers only");
      }
    }
  }
  return m;
}

Result<SellerBack> decode_seller_back(const nlohmann::json& j) {
  json_fields::Reader r(j, "seller_back");
  SellerBack m;
  r.auction_id("auction_id", m.auction_id);
  r.username("seller", m.seller);
  r.string("address", m.address, limits::address_bytes_max);
  r.u64("round_id", m.round_id);
  r.signature("signature", m.signature);
  if (!r.ok()) return std::unexpected(r.error());
  if (!is_valid_address(m.address)) {
    return fail(code::invalid_argument,
                "seller_back.address: must be host:port with a port in 1..65535");
  }
  return m;
}

Result<PeerAck> decode_peer_ack(const nlohmann::json& j) {
  json_fields::Reader r(j, "ack");
  PeerAck m;
  r.auction_id("auction_id", m.auction_id);
  r.u64("round_id", m.round_id);
  if (r.has("has_buyers")) r.boolean("has_buyers", m.has_buyers);  // optional: absent means false
  r.signature("signature", m.signature);
  return r.finish(std::move(m));
}

Result<WithdrawRequest> decode_withdraw_request(const nlohmann::json& j) {
  json_fields::Reader r(j, "withdraw");
  WithdrawRequest m;
  r.auction_id("auction_id", m.auction_id);
  r.username("username", m.username);
  if (r.has("reason")) {  // optional: absent means by_request
    r.name("reason", m.reason, withdraw_reason_from_name, 16, "must be by_request or max_price");
  }
  r.u64("round_id", m.round_id);
  r.cents("price", m.price);
  r.signature("signature", m.signature);
  return r.finish(std::move(m));
}

Result<WithdrawReply> decode_withdraw_reply(const nlohmann::json& j) {
  json_fields::Reader r(j, "withdraw_reply");
  WithdrawReply m;
  r.name("outcome", m.outcome, withdraw_outcome_from_name, 32, "unknown outcome");
  return r.finish(m);
}

Result<SignedFinish> decode_signed_finish(const nlohmann::json& j) {
  auto record = decode_finish_record(j);
  if (!record) return std::unexpected(record.error());
  json_fields::Reader r(j, "auction_finished");
  SignedFinish m{std::move(*record), {}, {}};
  r.digest("chain_head", m.chain_head);
  r.signature("signature", m.signature);
  return r.finish(std::move(m));
}

}  // namespace auction::market

// The peer protocol codecs; see auction/market/peer_messages.hpp.
#include "auction/market/peer_messages.hpp"

#include "market/json_fields.hpp"

namespace auction::market {

nlohmann::json encode(const AnnouncePrice& m) {
  return {{"auction_id", m.auction_id.value},
          {"round_id", m.round_id},
          {"price", m.price.value},
          {m.is_compact ? "withdrawn" : "buyers", json_fields::encode_buyers(m.buyers)}};
}

nlohmann::json encode(const SellerBack& m) {
  return {{"auction_id", m.auction_id.value}, {"seller", m.seller}, {"address", m.address}};
}

nlohmann::json encode(const PeerAck& m) {
  nlohmann::json j = {{"auction_id", m.auction_id.value}, {"round_id", m.round_id}};
  if (m.has_buyers) j["has_buyers"] = true;
  return j;
}

nlohmann::json encode(const WithdrawRequest& m) {
  return {{"auction_id", m.auction_id.value},
          {"username", m.username},
          {"reason", std::string(to_string(m.reason))}};
}

nlohmann::json encode(const WithdrawReply& m) {
  return {{"outcome", std::string(to_string(m.outcome))}};
}

Result<AnnouncePrice> decode_announce_price(const nlohmann::json& j) {
  constexpr std::string_view ctx = "announce_price";
  if (auto ok = json_fields::require_object(j, ctx); !ok) return std::unexpected(ok.error());
  AnnouncePrice m;
  auto auction_id = json_fields::read_auction_id(j, "auction_id", ctx);
  if (!auction_id) return std::unexpected(auction_id.error());
  m.auction_id = *auction_id;
  auto round_id = json_fields::read_u64(j, "round_id", ctx);
  if (!round_id) return std::unexpected(round_id.error());
  m.round_id = *round_id;
  auto price = json_fields::read_cents(j, "price", ctx);
  if (!price) return std::unexpected(price.error());
  m.price = *price;
  // The full form has "buyers"; the compact one "withdrawn" instead (never both).
  m.is_compact = !json_fields::has(j, "buyers") && json_fields::has(j, "withdrawn");
  auto buyers = json_fields::read_buyers(j, m.is_compact ? "withdrawn" : "buyers", ctx);
  if (!buyers) return std::unexpected(buyers.error());
  m.buyers = std::move(*buyers);
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
  constexpr std::string_view ctx = "seller_back";
  if (auto ok = json_fields::require_object(j, ctx); !ok) return std::unexpected(ok.error());
  SellerBack m;
  auto auction_id = json_fields::read_auction_id(j, "auction_id", ctx);
  if (!auction_id) return std::unexpected(auction_id.error());
  m.auction_id = *auction_id;
  auto seller = json_fields::read_username(j, "seller", ctx);
  if (!seller) return std::unexpected(seller.error());
  m.seller = std::move(*seller);
  auto address = json_fields::read_string(j, "address", ctx, limits::address_bytes_max);
  if (!address) return std::unexpected(address.error());
  if (!is_valid_address(*address)) {
    return fail(code::invalid_argument, "seller_back.address: must be host:port with a port in 1..65535");
  }
  m.address = std::move(*address);
  return m;
}

Result<PeerAck> decode_peer_ack(const nlohmann::json& j) {
  constexpr std::string_view ctx = "ack";
  if (auto ok = json_fields::require_object(j, ctx); !ok) return std::unexpected(ok.error());
  PeerAck m;
  auto auction_id = json_fields::read_auction_id(j, "auction_id", ctx);
  if (!auction_id) return std::unexpected(auction_id.error());
  m.auction_id = *auction_id;
  auto round_id = json_fields::read_u64(j, "round_id", ctx);
  if (!round_id) return std::unexpected(round_id.error());
  m.round_id = *round_id;
  if (json_fields::has(j, "has_buyers")) {  // optional: absent means false
    auto has_buyers = json_fields::read_bool(j, "has_buyers", ctx);
    if (!has_buyers) return std::unexpected(has_buyers.error());
    m.has_buyers = *has_buyers;
  }
  return m;
}

Result<WithdrawRequest> decode_withdraw_request(const nlohmann::json& j) {
  constexpr std::string_view ctx = "withdraw";
  if (auto ok = json_fields::require_object(j, ctx); !ok) return std::unexpected(ok.error());
  WithdrawRequest m;
  auto auction_id = json_fields::read_auction_id(j, "auction_id", ctx);
  if (!auction_id) return std::unexpected(auction_id.error());
  m.auction_id = *auction_id;
  auto username = json_fields::read_username(j, "username", ctx);
  if (!username) return std::unexpected(username.error());
  m.username = std::move(*username);
  if (json_fields::has(j, "reason")) {  // optional: absent means by_request
    auto name = json_fields::read_string(j, "reason", ctx, 16);
    if (!name) return std::unexpected(name.error());
    auto reason = withdraw_reason_from_name(*name);
    if (!reason) return fail(code::invalid_argument, "withdraw.reason: must be by_request or max_price");
    m.reason = *reason;
  }
  return m;
}

Result<WithdrawReply> decode_withdraw_reply(const nlohmann::json& j) {
  constexpr std::string_view ctx = "withdraw_reply";
  if (auto ok = json_fields::require_object(j, ctx); !ok) return std::unexpected(ok.error());
  auto name = json_fields::read_string(j, "outcome", ctx, 32);
  if (!name) return std::unexpected(name.error());
  auto outcome = withdraw_outcome_from_name(*name);
  if (!outcome) return fail(code::invalid_argument, "withdraw_reply.outcome: unknown outcome");
  return WithdrawReply{*outcome};
}

}  // namespace auction::market

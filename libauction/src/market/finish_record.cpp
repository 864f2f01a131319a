// FinishRecord's JSON codec; see auction/market/finish_record.hpp.
#include "auction/market/finish_record.hpp"

#include "market/json_fields.hpp"

namespace auction::market {

nlohmann::json encode(const FinishRecord& record) {
  nlohmann::json j = {{"auction_id", record.auction_id.value},
                      {"round_id", record.round_id},
                      {"price", record.price.value},
                      {"buyers", json_fields::encode_buyers(record.buyers)}};
  if (record.winner) j["winner"] = *record.winner;
  return j;
}

Result<FinishRecord> decode_finish_record(const nlohmann::json& j) {
  constexpr std::string_view ctx = "auction_finished";
  if (auto ok = json_fields::require_object(j, ctx); !ok) return std::unexpected(ok.error());
  FinishRecord r;
  auto auction_id = json_fields::read_auction_id(j, "auction_id", ctx);
  if (!auction_id) return std::unexpected(auction_id.error());
  r.auction_id = *auction_id;
  auto round_id = json_fields::read_u64(j, "round_id", ctx);
  if (!round_id) return std::unexpected(round_id.error());
  r.round_id = *round_id;
  auto price = json_fields::read_cents(j, "price", ctx);
  if (!price) return std::unexpected(price.error());
  r.price = *price;
  auto buyers = json_fields::read_buyers(j, "buyers", ctx);
  if (!buyers) return std::unexpected(buyers.error());
  r.buyers = std::move(*buyers);
  if (json_fields::has(j, "winner")) {
    auto winner = json_fields::read_username(j, "winner", ctx);
    if (!winner) return std::unexpected(winner.error());
    r.winner = std::move(*winner);
  }

  // Exactly one winner, the only active buyer; none only when nobody joined.
  if (r.buyers.empty() != !r.winner.has_value()) {
    return fail(code::invalid_argument,
                "auction_finished.winner: required exactly when there are buyers");
  }
  for (const BuyerEntry& b : r.buyers) {
    if (b.is_active() != (b.username == r.winner)) {
      return fail(code::invalid_argument,
                  "auction_finished.buyers: the winner must be the only active buyer");
    }
  }
  return r;
}

}  // namespace auction::market

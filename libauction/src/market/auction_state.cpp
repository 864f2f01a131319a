// AuctionState's JSON codec; see auction/market/auction_state.hpp.
#include "auction/market/auction_state.hpp"

#include "market/json_fields.hpp"

namespace auction::market {

nlohmann::json encode(const AuctionState& state) {
  nlohmann::json j = {{"auction_id", state.auction_id.value},
                      {"stage", std::string(to_string(state.stage))},
                      {"round_id", state.round_id},
                      {"base_price", state.base_price.value},
                      {"increment", state.increment.value},
                      {"price", state.price.value},
                      {"buyers", json_fields::encode_buyers(state.buyers)}};
  if (state.winner) j["winner"] = *state.winner;
  return j;
}

Result<AuctionState> decode_auction_state(const nlohmann::json& j) {
  constexpr std::string_view ctx = "auction_state";
  if (auto ok = json_fields::require_object(j, ctx); !ok) return std::unexpected(ok.error());
  AuctionState s;
  auto auction_id = json_fields::read_auction_id(j, "auction_id", ctx);
  if (!auction_id) return std::unexpected(auction_id.error());
  s.auction_id = *auction_id;
  auto stage_name = json_fields::read_string(j, "stage", ctx, 16);
  if (!stage_name) return std::unexpected(stage_name.error());
  auto stage = stage_from_name(*stage_name);
  if (!stage) {
    return fail(code::invalid_argument, "auction_state.stage: must be not_started, running or finished");
  }
  s.stage = *stage;
  auto round_id = json_fields::read_u64(j, "round_id", ctx);
  if (!round_id) return std::unexpected(round_id.error());
  s.round_id = *round_id;
  for (auto [field, target] : {std::pair{"base_price", &s.base_price},
                               std::pair{"increment", &s.increment}, std::pair{"price", &s.price}}) {
    auto value = json_fields::read_cents(j, field, ctx);
    if (!value) return std::unexpected(value.error());
    *target = *value;
  }
  auto buyers = json_fields::read_buyers(j, "buyers", ctx);
  if (!buyers) return std::unexpected(buyers.error());
  s.buyers = std::move(*buyers);
  if (json_fields::has(j, "winner")) {
    auto winner = json_fields::read_username(j, "winner", ctx);
    if (!winner) return std::unexpected(winner.error());
    s.winner = std::move(*winner);
  }
  return s;
}

}  // namespace auction::market

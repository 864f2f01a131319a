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
  write_sale_terms(j, state.terms);
  return j;
}

Result<AuctionState> decode_auction_state(const nlohmann::json& j) {
  json_fields::Reader r(j, "auction_state");
  AuctionState s;
  r.auction_id("auction_id", s.auction_id);
  r.name("stage", s.stage, stage_from_name, 16, "must be not_started, running or finished");
  r.u64("round_id", s.round_id);
  r.cents("base_price", s.base_price);
  r.cents("increment", s.increment);
  r.cents("price", s.price);
  r.buyers("buyers", s.buyers);
  r.optional_username("winner", s.winner);
  if (!r.ok()) return r.finish(std::move(s));
  auto terms = read_sale_terms(j, "auction_state");
  if (!terms) return std::unexpected(terms.error());
  s.terms = std::move(*terms);
  return s;
}

}  // namespace auction::market

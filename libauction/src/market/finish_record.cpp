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
  json_fields::Reader f(j, "auction_finished");
  FinishRecord r;
  f.auction_id("auction_id", r.auction_id);
  f.u64("round_id", r.round_id);
  f.cents("price", r.price);
  f.buyers("buyers", r.buyers);
  f.optional_username("winner", r.winner);
  if (!f.ok()) return std::unexpected(f.error());

  // The winner is the only active buyer; without one (nobody joined, or the reserve was not
  // met) nobody is active.
  bool winner_listed = false;
  for (const BuyerEntry& b : r.buyers) {
    if (b.is_active() != (b.username == r.winner)) {
      return fail(code::invalid_argument,
                  "auction_finished.buyers: the winner must be the only active buyer, and "
                  "nobody is active without one");
    }
    winner_listed = winner_listed || b.username == r.winner;
  }
  if (r.winner && !winner_listed) {
    return fail(code::invalid_argument, "auction_finished.winner: not one of the buyers");
  }
  return r;
}

}  // namespace auction::market

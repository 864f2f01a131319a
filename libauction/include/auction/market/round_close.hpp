// How a round of the clock ends, by the rules a serious participant expects: exits priced
// within the round, the winner paying the highest exit price of the others (a second-price
// outcome), a reserve below which nothing is sold, and ties broken by a draw anyone can
// replay from a seed the seller committed to at the start.
//
// A round at clock price p, whose next price is q: a buyer who leaves in it names the highest
// price it would still pay, p <= exit price < q (a plain withdrawal, and silence, exit at p).
// At the round's close:
//   - two or more stayed in: the clock goes on;
//   - one stayed in: it wins, and pays the highest exit price of this round (p if nobody
//     left in it);
//   - nobody stayed in (every remaining buyer left in this round): the highest exit price
//     wins, and pays the highest exit price of the others (its own when it was alone); equal
//     highest exit prices are broken by the draw;
//   - with a reserve, the winner pays at least the reserve, if it said it would: one who
//     stayed in would pay any price below q, one who left up to its exit price; otherwise
//     nothing is sold ("reserve not met").
// With plain withdrawals and one buyer left these are the original rules (the winner pays
// the price of the round in which the last other buyer left).
// Pure (market/): no clock, no randomness but the seed given; never throws.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "auction/base/error.hpp"
#include "auction/base/money.hpp"
#include "auction/identity/sha256.hpp"

namespace auction::market {

// A buyer's exit in a round: the highest price it would still pay.
struct RoundExit {
  std::string username;
  Cents exit_price;
};

// The seed of an auction's draws: drawn by the seller at the start, committed to by its
// digest (draw_commitment) in what the seller signs then, and revealed with the result.
struct DrawSeed {
  std::array<std::uint8_t, 32> bytes{};

  friend bool operator==(const DrawSeed&, const DrawSeed&) = default;
};

// The digest a seller publishes at the start: SHA-256 of "ppapd draw seed" and the seed.
identity::Sha256Digest draw_commitment(const DrawSeed& seed);

// The one of `tied` (at least one name) the draw picks: the name whose SHA-256 of
// ("ppapd draw", the seed, the name) is the smallest, so anyone with the seed gets the same,
// whatever the order of `tied`.
const std::string& draw_among(const DrawSeed& seed, std::span<const std::string> tied);

struct RoundClose {
  enum class Kind { goes_on, sold, unsold };
  Kind kind = Kind::goes_on;
  std::optional<std::string> winner;  // set when sold
  Cents price;                        // sold: what the winner pays; unsold: where it ended
  bool by_draw = false;               // sold to one of equal highest exit prices, by the draw
  bool reserve_not_met = false;       // unsold because the price was below the reserve

  friend bool operator==(const RoundClose&, const RoundClose&) = default;
};

// The close of a round at clock price `round_price` whose next price is `next_price`:
// `staying` are the buyers who are in and did not leave in it; `exits` those who left in it.
// `reserve`: nullopt for none. Unsold with nobody at all.
// Errors: invalid_argument when next_price is not above round_price, an exit price is not
// within [round_price, next_price), or a name exits twice or both stays and exits.
Result<RoundClose> close_round(std::span<const std::string> staying,
                               std::span<const RoundExit> exits, Cents round_price,
                               Cents next_price, std::optional<Cents> reserve,
                               const DrawSeed& seed);

}  // namespace auction::market

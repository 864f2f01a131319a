// How a round of the clock ends; see auction/market/round_close.hpp.
#include "auction/market/round_close.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "auction/base/assert.hpp"
#include "auction/base/error_codes.hpp"

namespace auction::market {

namespace {

std::string_view as_text(const DrawSeed& seed) {
  return {reinterpret_cast<const char*>(seed.bytes.data()), seed.bytes.size()};
}

// A name's ticket in the draw: the smallest wins. The seed has a fixed size, so the name
// that follows it is unambiguous.
identity::Sha256Digest ticket(const DrawSeed& seed, std::string_view name) {
  std::string bytes = "ppapd draw";
  bytes += '\0';
  bytes += as_text(seed);
  bytes += name;
  return identity::sha256(bytes);
}

// Sold to `winner` at the highest exit price of the others (`others`), raised to the reserve,
// when the winner said it would pay the reserve (`is_reserve_within_reach`); else unsold, the
// reserve not met.
RoundClose sold(std::string winner, Cents others, std::optional<Cents> reserve,
                bool is_reserve_within_reach, bool by_draw) {
  RoundClose close;
  if (reserve && !is_reserve_within_reach) {
    close.kind = RoundClose::Kind::unsold;
    close.price = others;
    close.reserve_not_met = true;
    return close;
  }
  close.kind = RoundClose::Kind::sold;
  close.winner = std::move(winner);
  close.price = reserve ? std::max(others, *reserve) : others;
  close.by_draw = by_draw;
  return close;
}

}  // namespace

identity::Sha256Digest draw_commitment(const DrawSeed& seed) {
  std::string bytes = "ppapd draw seed";
  bytes += '\0';
  bytes += as_text(seed);
  return identity::sha256(bytes);
}

const std::string& draw_among(const DrawSeed& seed, std::span<const std::string> tied) {
  AUCTION_ASSERT(!tied.empty(), "a draw needs a name");
  const std::string* best = &tied.front();
  identity::Sha256Digest best_ticket = ticket(seed, *best);
  for (const std::string& name : tied.subspan(1)) {
    const identity::Sha256Digest t = ticket(seed, name);
    if (t.bytes < best_ticket.bytes) {
      best = &name;
      best_ticket = t;
    }
  }
  return *best;
}

Result<RoundClose> close_round(std::span<const std::string> staying,
                               std::span<const RoundExit> exits, Cents round_price,
                               Cents next_price, std::optional<Cents> reserve,
                               const DrawSeed& seed) {
  if (next_price <= round_price) {
    return fail(code::invalid_argument, "next_price: must be above the round's price");
  }
  std::set<std::string_view> names(staying.begin(), staying.end());
  Cents highest_exit = round_price;
  for (const RoundExit& e : exits) {
    if (e.exit_price < round_price || e.exit_price >= next_price) {
      return fail(code::invalid_argument,
                  "exit of " + e.username + ": " + format_cents(e.exit_price) +
                      " is not within the round (" + format_cents(round_price) + " up to " +
                      format_cents(next_price) + ", not included)");
    }
    if (!names.insert(e.username).second) {
      return fail(code::invalid_argument, e.username + ": stays or exits once in a round");
    }
    highest_exit = std::max(highest_exit, e.exit_price);
  }
  if (staying.size() >= 2) return RoundClose{};
  if (staying.size() == 1) {
    // It stayed in: it would pay any price below the next round's.
    return sold(staying.front(), highest_exit, reserve, reserve && *reserve < next_price, false);
  }
  if (exits.empty()) return RoundClose{RoundClose::Kind::unsold, std::nullopt, round_price};

  // Everyone left in this round: the highest exit price wins (by the draw among equals).
  std::vector<std::string> tied;
  for (const RoundExit& e : exits) {
    if (e.exit_price == highest_exit) tied.push_back(e.username);
  }
  const std::string winner = draw_among(seed, tied);
  // It pays the highest exit price of the others: equal to its own when it was tied.
  std::optional<Cents> others;
  for (const RoundExit& e : exits) {
    if (e.username != winner) others = std::max(others.value_or(e.exit_price), e.exit_price);
  }
  return sold(winner, others.value_or(highest_exit), reserve, reserve && *reserve <= highest_exit,
              tied.size() > 1);
}

}  // namespace auction::market

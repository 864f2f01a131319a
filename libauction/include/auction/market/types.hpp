// The vocabulary of the clock auction shared by the rules, the peer protocol and the seller's
// and buyer's pure engines: a buyer's status and an auction's stage (auction ids, round ids,
// money and limits are base/'s, shared with the platform).
//
// Sits at the bottom of the market layer. Plain values only: no I/O, no clocks, no Asio;
// every function here is pure and safe from any thread. Nothing here may throw.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auction/base/ids.hpp"
#include "auction/base/limits.hpp"
#include "auction/base/money.hpp"
#include "auction/base/text_rules.hpp"

namespace auction::market {

// A buyer is active until it leaves; leaving is for good, and the reason is kept because the
// buyer and the seller's user both want to know why ("silent" means the buyer missed a
// round's acknowledgement deadline).
enum class BuyerStatus : std::uint8_t {
  active,
  withdrawn_by_request,
  withdrawn_silent,
  withdrawn_max_price,
};

// Why a buyer asks to withdraw: by its user's request, or because its max price proxy fired.
enum class WithdrawReason : std::uint8_t { by_request, max_price };

// The status a withdrawal for `reason` leaves a buyer in.
BuyerStatus status_for(WithdrawReason reason) noexcept;

// Stable names, as they appear in JSON: "by_request", "silent", "max_price" for a withdrawn
// buyer's reason; "by_request", "max_price" for WithdrawReason.
std::string_view reason_name(BuyerStatus withdrawn_status) noexcept;  // precondition: not active
std::optional<BuyerStatus> withdrawn_status_from_name(std::string_view name) noexcept;
std::string_view to_string(WithdrawReason reason) noexcept;
std::optional<WithdrawReason> withdraw_reason_from_name(std::string_view name) noexcept;

// What a withdraw request did (see AuctionRules::withdraw for when each is given); the seller sends
// it back to the buyer in WithdrawReply.
enum class WithdrawOutcome : std::uint8_t {
  withdrawn,           // the buyer is out from now on
  already_withdrawn,   // it was out before; nothing changed (withdrawal is idempotent)
  you_are_the_winner,  // the buyer is the last active one: it cannot leave, it won
  not_joined,          // no such buyer in this auction
  not_started,         // the auction has not started: quit through the platform instead
  already_finished,    // the auction is over and this buyer did not win
};

std::string_view to_string(WithdrawOutcome outcome) noexcept;
std::optional<WithdrawOutcome> withdraw_outcome_from_name(std::string_view name) noexcept;

// One buyer as every message shows it. Invariant: `username` is valid.
struct BuyerEntry {
  std::string username;
  BuyerStatus status = BuyerStatus::active;

  bool is_active() const noexcept { return status == BuyerStatus::active; }
  friend bool operator==(const BuyerEntry&, const BuyerEntry&) = default;
};

// The longest duration the engines take (a round's period, a push period, a pause): one day,
// long enough for any real auction, short enough that no deadline arithmetic on int64
// milliseconds can overflow.
inline constexpr std::int64_t duration_ms_max = 86'400'000;

// created < started < finished, as the platform orders them. The market layer only sees an
// auction once it is handed over for running, so `not_started` is the seller's "created".
enum class Stage : std::uint8_t { not_started, running, finished };

std::string_view to_string(Stage stage) noexcept;
std::optional<Stage> stage_from_name(std::string_view name) noexcept;

}  // namespace auction::market

// The market vocabulary's names and checks; see auction/market/types.hpp.
#include "auction/market/types.hpp"

#include "auction/base/assert.hpp"

namespace auction::market {

BuyerStatus status_for(WithdrawReason reason) noexcept {
  switch (reason) {
    case WithdrawReason::by_request: return BuyerStatus::withdrawn_by_request;
    case WithdrawReason::max_price: return BuyerStatus::withdrawn_max_price;
  }
  AUCTION_ASSERT(false, "unknown WithdrawReason");
}

std::string_view reason_name(BuyerStatus withdrawn_status) noexcept {
  switch (withdrawn_status) {
    case BuyerStatus::withdrawn_by_request: return "by_request";
    case BuyerStatus::withdrawn_silent: return "silent";
    case BuyerStatus::withdrawn_max_price: return "max_price";
    case BuyerStatus::active: break;
  }
  AUCTION_ASSERT(false, "an active buyer has no withdrawal reason");
}

std::optional<BuyerStatus> withdrawn_status_from_name(std::string_view name) noexcept {
  if (name == "by_request") return BuyerStatus::withdrawn_by_request;
  if (name == "silent") return BuyerStatus::withdrawn_silent;
  if (name == "max_price") return BuyerStatus::withdrawn_max_price;
  return std::nullopt;
}

std::string_view to_string(WithdrawReason reason) noexcept {
  return reason_name(status_for(reason));
}

std::optional<WithdrawReason> withdraw_reason_from_name(std::string_view name) noexcept {
  if (name == "by_request") return WithdrawReason::by_request;
  if (name == "max_price") return WithdrawReason::max_price;
  return std::nullopt;
}

std::string_view to_string(WithdrawOutcome outcome) noexcept {
  switch (outcome) {
    case WithdrawOutcome::withdrawn: return "withdrawn";
    case WithdrawOutcome::already_withdrawn: return "already_withdrawn";
    case WithdrawOutcome::you_are_the_winner: return "you_are_the_winner";
    case WithdrawOutcome::not_joined: return "not_joined";
    case WithdrawOutcome::not_started: return "not_started";
    case WithdrawOutcome::already_finished: return "already_finished";
  }
  AUCTION_ASSERT(false, "unknown WithdrawOutcome");
}

std::optional<WithdrawOutcome> withdraw_outcome_from_name(std::string_view name) noexcept {
  for (auto o : {WithdrawOutcome::withdrawn, WithdrawOutcome::already_withdrawn,
                 WithdrawOutcome::you_are_the_winner, WithdrawOutcome::not_joined,
                 WithdrawOutcome::not_started, WithdrawOutcome::already_finished}) {
    if (to_string(o) == name) return o;
  }
  return std::nullopt;
}

std::string_view to_string(Stage stage) noexcept {
  switch (stage) {
    case Stage::not_started: return "not_started";
    case Stage::running: return "running";
    case Stage::finished: return "finished";
  }
  AUCTION_ASSERT(false, "unknown Stage");
}

std::optional<Stage> stage_from_name(std::string_view name) noexcept {
  if (name == "not_started") return Stage::not_started;
  if (name == "running") return Stage::running;
  if (name == "finished") return Stage::finished;
  return std::nullopt;
}

}  // namespace auction::market

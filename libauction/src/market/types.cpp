// The market vocabulary's names and checks; see auction/market/types.hpp.
#include "auction/market/types.hpp"

#include "auction/base/assert.hpp"
#include "base/name_table.hpp"

namespace auction::market {

namespace {

// A withdrawn buyer's reason; an active buyer has none.
constexpr auction::detail::NameTable<BuyerStatus, 4> reason_names{
    {"", "by_request", "silent", "max_price"}};
constexpr auction::detail::NameTable<WithdrawOutcome, 6> outcome_names{
    {"withdrawn", "already_withdrawn", "you_are_the_winner", "not_joined", "not_started",
     "already_finished"}};
constexpr auction::detail::NameTable<Stage, 3> stage_names{{"not_started", "running", "finished"}};

}  // namespace

BuyerStatus status_for(WithdrawReason reason) noexcept {
  switch (reason) {
    case WithdrawReason::by_request: return BuyerStatus::withdrawn_by_request;
    case WithdrawReason::max_price: return BuyerStatus::withdrawn_max_price;
  }
  AUCTION_ASSERT(false, "unknown WithdrawReason");
}

std::string_view reason_name(BuyerStatus withdrawn_status) noexcept {
  AUCTION_ASSERT(withdrawn_status != BuyerStatus::active,
                 "an active buyer has no withdrawal reason");
  return reason_names.name(withdrawn_status);
}

std::optional<BuyerStatus> withdrawn_status_from_name(std::string_view name) noexcept {
  return reason_names.find(name);
}

std::string_view to_string(WithdrawReason reason) noexcept {
  return reason_name(status_for(reason));
}

std::optional<WithdrawReason> withdraw_reason_from_name(std::string_view name) noexcept {
  const std::optional<BuyerStatus> status = reason_names.find(name);
  if (status == BuyerStatus::withdrawn_by_request) return WithdrawReason::by_request;
  if (status == BuyerStatus::withdrawn_max_price) return WithdrawReason::max_price;
  return std::nullopt;  // "silent" is the seller's verdict, never a buyer's request
}

std::string_view to_string(WithdrawOutcome outcome) noexcept { return outcome_names.name(outcome); }

std::optional<WithdrawOutcome> withdraw_outcome_from_name(std::string_view name) noexcept {
  return outcome_names.find(name);
}

std::string_view to_string(Stage stage) noexcept { return stage_names.name(stage); }

std::optional<Stage> stage_from_name(std::string_view name) noexcept {
  return stage_names.find(name);
}

}  // namespace auction::market

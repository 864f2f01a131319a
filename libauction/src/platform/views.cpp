// Views and their codec (see auction/platform/views.hpp). Pure.
//
// The field lists below are the one place where a view's JSON names are written: the
// replica's encoder and the clients' decoder both walk them (field_list.hpp).
#include "auction/platform/views.hpp"

#include <tuple>
#include <type_traits>

#include "auction/base/assert.hpp"
#include "base/name_table.hpp"
#include "platform/field_list.hpp"

namespace auction::platform {

namespace {

constexpr auction::detail::NameTable<Role, 3> role_names{{"none", "buyer", "seller"}};

}  // namespace

// What everyone sees; Outcome and Progress join these keys in the same object.
constexpr auto fields_of(std::type_identity<AuctionView>) {
  using V = AuctionView;
  return std::tuple{field("auction_id", &V::auction_id),
                    field("auction_name", &V::auction_name),
                    field("item_name", &V::item_name),
                    field("item_description", &V::item_description),
                    field("seller", &V::seller),
                    field("base_price", &V::base_price),
                    field("increment", &V::increment),
                    field("period_ms", &V::period_ms),
                    fields_inline(&V::terms),
                    field("stage", &V::stage),
                    field("role", &V::role)};
}

std::string_view role_name(Role role) { return role_names.name(role); }

std::optional<Role> role_from_name(std::string_view name) { return role_names.find(name); }

Role role_of(const AuctionRecord& auction, std::string_view username) {
  if (auction.seller == username) return Role::seller;
  if (auction.has_buyer(username)) return Role::buyer;
  return Role::none;
}

SaleTerms terms_as_seen_by(const AuctionRecord& a, Role role) {
  SaleTerms terms = a.terms;
  const bool has_ended = a.stage == Stage::finished || a.stage == Stage::cancelled;
  if (terms.reserve_hidden && role != Role::seller && !has_ended) {
    terms.reserve.reset();
    terms.reserve_salt.clear();
  }
  return terms;
}

AuctionView::Outcome outcome_of(const AuctionRecord& a) {
  AUCTION_ASSERT(a.stage == Stage::finished, "only a finished auction has an outcome");
  // Without a reserve the rules always leave a winner when anyone joined (auction_rules.hpp).
  return AuctionView::Outcome{a.winner, a.current_price,
                              !a.winner && !a.buyers.empty() && a.terms.reserve.has_value()};
}

AuctionView view_of(const AuctionRecord& a, Role role) {
  AuctionView view{.auction_id = a.id,
                   .auction_name = a.auction_name,
                   .item_name = a.item_name,
                   .item_description = a.item_description,
                   .seller = a.seller,
                   .base_price = a.base_price,
                   .increment = a.increment,
                   .period_ms = a.period_ms,
                   .terms = terms_as_seen_by(a, role),
                   .stage = a.stage,
                   .role = role,
                   .outcome = std::nullopt,
                   .progress = std::nullopt};
  if (a.stage == Stage::finished) view.outcome = outcome_of(a);
  if (role == Role::none) return view;

  view.progress = progress_of(a);
  return view;
}

AuctionView::Progress progress_of(const AuctionRecord& a) {
  AuctionView::Progress progress;
  progress.round_id = a.round_id;
  progress.current_price = a.current_price;
  progress.buyer_count = a.buyers.size();
  progress.active_count = a.active_buyer_count();
  return progress;
}

nlohmann::json encode_auction_view(const AuctionView& view) {
  AUCTION_ASSERT(view.outcome.has_value() == (view.stage == Stage::finished),
                 "a view has an outcome exactly when its auction is finished");
  AUCTION_ASSERT(view.progress.has_value() == (view.role != Role::none),
                 "a view has the clock and the buyers exactly when its viewer takes part");
  nlohmann::json out = nlohmann::json::object();
  write_fields(out, view);
  if (view.outcome) write_fields(out, *view.outcome);
  if (view.progress) write_fields(out, *view.progress);
  return out;
}

Result<AuctionView> decode_auction_view(const nlohmann::json& json) {
  FieldReader r(json, UnknownFields::ignored);
  AuctionView view;
  read_fields(r, view);
  if (r.ok() && view.stage == Stage::finished) {
    view.outcome = AuctionView::Outcome{};
    read_fields(r, *view.outcome);
  }
  if (r.ok() && view.role != Role::none) {
    view.progress = AuctionView::Progress{};
    read_fields(r, *view.progress);
  }
  if (auto done = r.finish(); !done)
    return std::unexpected(nested_error("auction view", done.error()));
  return view;
}

nlohmann::json auction_view(const AuctionRecord& a, std::string_view viewer) {
  return auction_view(a, role_of(a, viewer));
}

nlohmann::json auction_view(const AuctionRecord& a, Role role) {
  return encode_auction_view(view_of(a, role));
}

}  // namespace auction::platform

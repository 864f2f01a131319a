// Views: what one user may see of an auction (the visibility rules of docs/platform.md), and
// the one codec of a view for both ends: the replica encodes it, every client decodes it.
//
// Everyone sees what an auction is (names, item, seller, prices, period, stage) and, once
// it is finished, its outcome (winner and price). Only the auction's participants -- its
// seller and its joined buyers -- see how the clock stands and how many take part (round,
// current price, buyers joined and still active), and who they are (BuyerView, a page at a
// time: fetch_buyers); only the seller also sees the buyers' addresses, which it needs to run
// (or resume) the auction peer to peer. A view never lists an auction's buyers, so its size
// does not grow with them (an auction may hold auction::limits::buyers_per_auction_max).
//
// Pure functions of the state and plain values; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/platform/auction_record.hpp"

namespace auction::platform {

// The viewer's own relation to an auction.
enum class Role : std::uint8_t { none, buyer, seller };

// "none", "buyer", "seller": as in views.
std::string_view role_name(Role role);
// The role named so; nullopt for any other text.
std::optional<Role> role_from_name(std::string_view name);

Role role_of(const AuctionRecord& auction, std::string_view username);

// An auction as one viewer sees it: the "auction" of start_auction's answer and each of
// fetch_auctions' "auctions". JSON in docs/platform.md, "fetch_auctions" and "Visibility".
struct AuctionView {
  // How a finished auction ended: public.
  struct Outcome {
    std::optional<std::string> winner;  // nullopt: it ended without one
    Cents price;
    // No winner although buyers joined: the last one left below the reserve.
    bool reserve_not_met = false;

    friend bool operator==(const Outcome&, const Outcome&) = default;
  };
  // How the clock stands and how many take part: the participants' business.
  struct Progress {
    std::uint64_t round_id = 0;
    Cents current_price;
    std::uint64_t buyer_count = 0;   // buyers joined
    std::uint64_t active_count = 0;  // of them, not withdrawn

    friend bool operator==(const Progress&, const Progress&) = default;
  };

  AuctionId auction_id;
  std::string auction_name;
  std::string item_name;
  std::string item_description;
  std::string seller;
  Cents base_price;
  Cents increment;
  std::int64_t period_ms = 0;
  // A hidden reserve and its salt are shown to the seller, and to everyone once the auction
  // has ended (terms_as_seen_by()); terms.reserve_hidden says there is one.
  SaleTerms terms{};
  Stage stage = Stage::created;
  Role role = Role::none;            // the viewer's
  std::optional<Outcome> outcome;    // Invariant: present exactly when stage is finished.
  std::optional<Progress> progress;  // Invariant: present exactly when role is not none.

  friend bool operator==(const AuctionView&, const AuctionView&) = default;
};

// `auction`'s terms as a viewer with `role` may see them: a hidden reserve and its salt only
// for the seller, or once the auction has ended (finished or cancelled).
SaleTerms terms_as_seen_by(const AuctionRecord& auction, Role role);

// How a finished auction ended. Precondition: finished.
AuctionView::Outcome outcome_of(const AuctionRecord& auction);

// The auction as any viewer with `role` sees it (the same for every buyer, and for every
// user who takes no part).
AuctionView view_of(const AuctionRecord& auction, Role role);
// Its clock and buyers, as its participants see them (view_of()'s `progress`).
AuctionView::Progress progress_of(const AuctionRecord& auction);

// The view's JSON: its fields, and the terms', Outcome's and Progress's fields in the same
// object (when present). Precondition: the invariants above hold.
nlohmann::json encode_auction_view(const AuctionView& view);

// Reads what encode_auction_view() wrote: Outcome when the stage is finished, Progress when
// the role is not none. Keys it does not know are ignored (a newer platform may add some).
// Errors: bad_response naming the field.
Result<AuctionView> decode_auction_view(const nlohmann::json& view);

// encode_auction_view(view_of(auction, role_of(auction, viewer))).
nlohmann::json auction_view(const AuctionRecord& auction, std::string_view viewer);

// encode_auction_view(view_of(auction, role)).
nlohmann::json auction_view(const AuctionRecord& auction, Role role);

// One joined buyer of an auction, as its participants see it (fetch_buyers, a page at a
// time, in username order).
struct BuyerView {
  std::string username;
  bool active = true;
  std::optional<std::string> address;     // to the seller only: where the buyer answers now
  std::optional<std::string> public_key;  // once started: its key as recorded at the start

  friend bool operator==(const BuyerView&, const BuyerView&) = default;
};

}  // namespace auction::platform

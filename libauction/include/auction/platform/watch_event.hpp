// WatchEvent: one change of the platform's state that a user may follow live (the `watch`
// read, docs/platform.md "watch"), and WatchPage, one answer to it.
//
// Every log entry that changes what users see makes at most one event, and the event's
// revision is the entry's log index: the same on every replica, so a watcher that moves to
// another replica (a leader change, a reconnect) goes on from the revision it reached, with
// no gap and no event twice. The state machine makes them (StateMachine::event_of_last_entry);
// a replica keeps the recent ones (src/platform/watch_history.hpp); the client reads them
// (Client::async_watch). Who may see which event is decided by the platform's visibility
// rules (StateMachine::as_seen_by): participants see the progress of their auctions, everyone
// sees auctions created, started, finished and cancelled.
//
// Pure data; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auction/base/ids.hpp"
#include "auction/platform/views.hpp"

namespace auction::platform {

// What happened. Names on the wire: "auction_created", "buyer_joined", ...
enum class WatchEventKind : std::uint8_t {
  auction_created,  // `auction` holds it as anyone sees it
  buyer_joined,     // `username` joined (participants only)
  buyer_left,       // `username` quit before the start (participants only)
  auction_started,
  round_pushed,      // the seller recorded a round (participants only)
  auction_finished,  // `outcome` holds the result
  auction_cancelled,
  user_logged_in,  // `username` logged in (again) at `address`: for itself, and for
                   // those who share an auction not yet over with it
};

std::string_view watch_event_kind_name(WatchEventKind kind);
// The kind named so; nullopt for any other text.
std::optional<WatchEventKind> watch_event_kind_from_name(std::string_view name);

struct WatchEvent {
  std::uint64_t revision = 0;  // the log index of the entry that made it
  WatchEventKind kind = WatchEventKind::auction_created;
  std::optional<AuctionId> auction_id;  // every kind but user_logged_in
  std::optional<AuctionView> auction;   // auction_created: the auction as anyone sees it
  // The watcher's relation to the auction when it reads the event (every kind but
  // user_logged_in; StateMachine::as_seen_by fills it in).
  std::optional<Role> role;
  std::optional<std::string> username;          // buyer_joined, buyer_left, user_logged_in
  std::optional<std::string> address;           // user_logged_in: where the user answers peers now
  std::optional<AuctionView::Outcome> outcome;  // auction_finished
  // The auction's clock and buyers after the change: present for the auction's participants
  // only, on every kind but auction_created, auction_cancelled and user_logged_in.
  std::optional<AuctionView::Progress> progress;

  friend bool operator==(const WatchEvent&, const WatchEvent&) = default;
};

// watch: the events after the asked revision that the watcher may see, in revision order,
// and the revision they reach: the next watch asks for what follows `revision`. When the page
// is full, `revision` is the last event's and more may follow at once; otherwise it is the
// last entry the replica had applied (entries that change nothing the watcher sees advance it
// too).
struct WatchPage {
  std::uint64_t revision = 0;
  std::vector<WatchEvent> events;

  friend bool operator==(const WatchPage&, const WatchPage&) = default;
};

}  // namespace auction::platform

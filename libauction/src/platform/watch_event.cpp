// WatchEvent's names: see auction/platform/watch_event.hpp. Pure.
#include "auction/platform/watch_event.hpp"

#include "base/name_table.hpp"

namespace auction::platform {

namespace {

constexpr auction::detail::NameTable<WatchEventKind, 8> kind_names{
    {"auction_created", "buyer_joined", "buyer_left", "auction_started", "round_pushed",
     "auction_finished", "auction_cancelled", "user_logged_in"}};

}  // namespace

std::string_view watch_event_kind_name(WatchEventKind kind) { return kind_names.name(kind); }

std::optional<WatchEventKind> watch_event_kind_from_name(std::string_view name) {
  return kind_names.find(name);
}

}  // namespace auction::platform

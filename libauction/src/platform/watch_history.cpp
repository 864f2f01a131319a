// WatchHistory: see watch_history.hpp.
#include "platform/watch_history.hpp"

#include <algorithm>

#include "auction/base/assert.hpp"

namespace auction::platform {

void WatchHistory::on_applied(std::uint64_t revision, const std::optional<WatchEvent>& event) {
  AUCTION_ASSERT(revision > revision_, "entries are applied in log order");
  revision_ = revision;
  if (!event) return;
  AUCTION_ASSERT(event->revision == revision, "an event's revision is its entry's index");
  events_.push_back(*event);
  bytes_ += event_bytes(events_.back());
  while (events_.size() > bounds_.events_max || bytes_ > bounds_.bytes_max) {
    oldest_ = events_.front().revision;
    bytes_ -= event_bytes(events_.front());
    events_.pop_front();
  }
}

void WatchHistory::restart_at(std::uint64_t revision) {
  events_.clear();
  bytes_ = 0;
  oldest_ = revision;
  revision_ = revision;
}

WatchHistory::Page WatchHistory::read(std::uint64_t after, std::size_t limit, std::size_t scan_max,
                                      const Filter& seen) const {
  AUCTION_ASSERT(after >= oldest_, "a watcher reads only what the history still holds");
  AUCTION_ASSERT(limit > 0 && scan_max > 0, "a read looks at one event at least");
  Page page;
  page.revision = std::max(after, revision_);
  auto it = std::upper_bound(
      events_.begin(), events_.end(), after,
      [](std::uint64_t revision, const WatchEvent& e) { return revision < e.revision; });
  for (std::size_t scanned = 0; it != events_.end(); ++it) {
    if (scanned++ == scan_max) {
      page.revision = std::prev(it)->revision;
      break;
    }
    if (auto event = seen(*it)) {
      page.events.push_back(std::move(*event));
      if (page.events.size() == limit) {
        page.revision = it->revision;
        break;
      }
    }
  }
  return page;
}

std::size_t WatchHistory::event_bytes(const WatchEvent& e) {
  std::size_t bytes = sizeof(WatchEvent);
  const auto add = [&bytes](const std::optional<std::string>& text) {
    if (text) bytes += text->capacity();
  };
  add(e.username);
  add(e.address);
  if (e.outcome) add(e.outcome->winner);
  if (e.auction) {
    bytes += e.auction->auction_name.capacity() + e.auction->item_name.capacity() +
             e.auction->item_description.capacity() + e.auction->seller.capacity();
  }
  return bytes;
}

}  // namespace auction::platform

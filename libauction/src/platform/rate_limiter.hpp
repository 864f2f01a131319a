// RateLimiter: a token bucket per source address, for the replica's client port -- how many
// requests of one kind (registrations, writes) each source may send, in a bounded table.
//
// Each source's bucket holds up to `burst` tokens and refills at `per_s` tokens a second;
// a request takes one token, or is refused with the time until one is there. The table
// holds at most `sources_max` sources: a new source beyond that evicts the one used longest
// ago (an idle source's bucket is full again anyway, so forgetting it changes nothing).
// Pure: the time is passed in by the caller (the service reads the clock on the Asio side);
// no I/O, no randomness. Single-threaded (the replica's executor).
// Never: grows past sources_max, or refuses anything when per_s is 0 (no limit).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace auction::platform {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `per_s` 0: no limit (take() always succeeds, nothing is kept). Precondition: burst >= 1
  // when per_s > 0; sources_max >= 1.
  RateLimiter(std::uint32_t per_s, std::uint32_t burst, std::size_t sources_max = 65'536);

  // Takes one token from `source`'s bucket at `now` (which never goes back). Returns
  // nullopt when taken, else how long until a token is there (at least 1 ms).
  std::optional<std::chrono::milliseconds> take(std::string_view source, TimePoint now);

  std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint refilled;                    // when `tokens` was last brought up to date
    std::list<std::string>::iterator lru;  // its place in by_use_
  };

  double per_s_;
  double burst_;
  std::size_t sources_max_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> by_use_;  // sources, most recently used first
};

}  // namespace auction::platform

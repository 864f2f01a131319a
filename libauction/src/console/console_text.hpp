// What the seller and buyer consoles share (private to src/console/): splitting a command
// line into words, reading ids and money from them, describing auctions and buyers in one
// readable line, and waiting for a condition without blocking the executor. Runs on the
// console's executor; nothing here throws for bad input (errors are values).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/sale_terms.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/market/finish_record.hpp"
#include "auction/market/types.hpp"
#include "auction/platform/watch_event.hpp"

namespace auction::console::detail {

// Limits on what a user types: a command line and its words.
inline constexpr std::size_t command_chars_max = 4096;
inline constexpr std::size_t command_words_max = 16;

// Splits on blanks; "double quotes" group words (\" and \\ inside them). Errors:
// invalid_argument for an unterminated quote or too long/many words.
Result<std::vector<std::string>> split_words(std::string_view line);

Result<AuctionId> parse_auction_id(std::string_view word);
Result<std::uint64_t> parse_count(std::string_view word, std::string_view what);
// Seconds to wait: a positive integer, at most a day.
Result<std::chrono::milliseconds> parse_seconds(std::string_view word);

// "by request", "silent", "max price".
std::string reason_text(market::BuyerStatus status);
// What the seller's answer to a withdrawal means for the buyer, in plain words ("you are
// out", "you cannot leave: you are the last one in, so you win", ...).
std::string withdraw_outcome_text(market::WithdrawOutcome outcome);
// The commands a console's help text lists: the first word of each indented line, and each
// of a line of several ("  help, quit").
std::vector<std::string> commands_in_help(std::string_view help_text);
// The command of `commands` nearest to `typed` when it is a likely typo of it (at most two
// edits, fewer than half its letters); nullopt otherwise.
std::optional<std::string> nearest_command(std::string_view typed,
                                           const std::vector<std::string>& commands);
// An error as a person reads it: in plain words, the message's details kept, the code left
// to --json. What may have happened is said so (connection_lost, leadership_lost).
std::string plain_error_text(const Error& error);
// "auction 3", "auctions 3 and 5", "auctions 3, 5 and 7". Precondition: not empty.
std::string auctions_text(const std::vector<AuctionId>& ids);
// A period for people: "250 ms", "1.5 s", "2 min", "1 h 30 min".
std::string format_period(std::int64_t ms);
// "bob, carol" (active buyers of a message or an auction view, shown()), or "nobody".
std::string active_names(const std::vector<market::BuyerEntry>& buyers);
// How an auction without a winner ended: "unsold: the reserve was not met" when buyers
// joined, else "unsold".
std::string unsold_text(const market::FinishRecord& record);
// An auction's terms beyond its start and increment, from a view or a verify report (their
// keys as create_auction's): ", increments +5.00 from 20.00; reserve 50.00 (hidden); grace 2
// rounds; starts at 2026-12-08 01:00:00 UTC", or "" with the defaults. A hidden reserve the
// viewer may not see: "; a hidden reserve".
std::string terms_text(const nlohmann::json& terms);
// Parses the options of `create` after its positional words, each KEY=VALUE:
//   reserve=50.00  hidden_reserve=50.00  increments=20.00:0.50,100.00:5.00  grace=2
//   start_at=2026-12-08T01:00:00Z  start_in=SECONDS (from `now_ms`, the system clock's)
// Errors: invalid_argument naming the option.
Result<SaleTerms> parse_terms_options(const std::vector<std::string>& options, std::int64_t now_ms);
// The system clock, in milliseconds since the Unix epoch.
std::int64_t system_now_ms();
// Whether `word` is one of parse_terms_options()'s options (it has a known KEY=).
bool is_terms_option(std::string_view word);
// One line about an auction as the platform shows it to `viewer`; every text in it shown().
std::string describe_auction(const nlohmann::json& view);
// describe_auction(), and on a second line the item's description when it has one: what
// `show ID` prints.
std::string describe_auction_in_full(const nlohmann::json& view);
// A platform event (the watch) as a console shows it to user `me`, whose program answers
// peers at `my_address`: nullopt for what the console says otherwise (what `me` did itself,
// rounds and starts of its own auctions, which come peer to peer). Every text in it shown().
std::optional<std::string> describe_watch_event(const platform::WatchEvent& event,
                                                std::string_view me, std::string_view my_address);
// The same event as a JSON line's object: its fields, and "event" naming its kind.
nlohmann::json watch_event_json(const platform::WatchEvent& event);

// The lines of a checked transcript (market/transcript_report.hpp's report): each withdrawal
// with what proves it, the result, and whose keys were used; every text in it shown().
std::string describe_verified(const nlohmann::json& report);

// How often a wait on what this process sees itself (its own auctions' events) looks again.
inline constexpr std::chrono::milliseconds local_poll{10};

// Polls `condition` every `every` until it holds (true) or `timeout` passes (false).
boost::asio::awaitable<bool> async_wait_until(std::function<bool()> condition,
                                              std::chrono::milliseconds every,
                                              std::chrono::milliseconds timeout);
// The same for a condition that needs the platform.
boost::asio::awaitable<bool> async_wait_until(
    std::function<boost::asio::awaitable<bool>()> condition, std::chrono::milliseconds every,
    std::chrono::milliseconds timeout);

// Polls `ids` every local_poll until it holds `id` (true) or `timeout` passes (false).
boost::asio::awaitable<bool> async_wait_until_seen(const std::set<AuctionId>& ids, AuctionId id,
                                                   std::chrono::milliseconds timeout);

// Text that another user or the network wrote (names, descriptions, usernames, addresses,
// error messages), as it may be printed: control and bidirectional formatting characters
// shown as escapes ("\x1b", "\u202e"), never raw (printable_text, auction/base/text_rules.hpp).
// Every such text a console prints goes through it, or through a function below that uses it.
inline std::string shown(std::string_view text) { return printable_text(text); }

}  // namespace auction::console::detail

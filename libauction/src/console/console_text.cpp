// Shared console helpers; see console/console_text.hpp.
#include "console/console_text.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/base/money.hpp"
#include "auction/base/utc_time.hpp"
#include "auction/platform/answers.hpp"

namespace auction::console::detail {

namespace asio = boost::asio;
using nlohmann::json;

Result<std::vector<std::string>> split_words(std::string_view line) {
  if (line.size() > command_chars_max) {
    return fail(code::invalid_argument, "the line is longer than 4096 characters");
  }
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
      ++i;
      continue;
    }
    std::string word;
    if (line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < line.size()) {
          word += line[i++];
        } else {
          word += c;
        }
      }
      if (!closed) return fail(code::invalid_argument, "a quote is not closed");
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
        word += line[i++];
    }
    if (words.size() == command_words_max) return fail(code::invalid_argument, "too many words");
    words.push_back(std::move(word));
  }
  return words;
}

Result<std::uint64_t> parse_count(std::string_view word, std::string_view what) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (word.empty() || ec != std::errc() || end != word.data() + word.size()) {
    return fail(code::invalid_argument,
                std::string(what) + " must be a whole number, not \"" + std::string(word) + "\"");
  }
  return value;
}

Result<AuctionId> parse_auction_id(std::string_view word) {
  auto id = parse_count(word, "an auction id");
  if (!id) return std::unexpected(id.error());
  if (*id == 0) return fail(code::invalid_argument, "auction ids start at 1");
  return AuctionId{*id};
}

Result<std::chrono::milliseconds> parse_seconds(std::string_view word) {
  auto seconds = parse_count(word, "seconds");
  if (!seconds) return std::unexpected(seconds.error());
  if (*seconds == 0 || *seconds > 86'400) {
    return fail(code::invalid_argument, "seconds must be 1..86400");
  }
  return std::chrono::milliseconds(*seconds * 1000);
}

std::string reason_text(market::BuyerStatus status) {
  using market::BuyerStatus;
  switch (status) {
    case BuyerStatus::withdrawn_by_request: return "by request";
    case BuyerStatus::withdrawn_silent: return "silent";
    case BuyerStatus::withdrawn_max_price: return "max price";
    case BuyerStatus::active: break;
  }
  return "active";
}

std::string withdraw_outcome_text(market::WithdrawOutcome outcome) {
  using market::WithdrawOutcome;
  switch (outcome) {
    case WithdrawOutcome::withdrawn: return "you are out";
    case WithdrawOutcome::already_withdrawn: return "you were already out";
    case WithdrawOutcome::you_are_the_winner:
      return "you cannot leave: you are the last one in, so you win";
    case WithdrawOutcome::not_joined: return "you are not a buyer of this auction";
    case WithdrawOutcome::not_started:
      return "it has not started: leave it with `leave ID` instead";
    case WithdrawOutcome::already_finished: return "it is over, and you did not win";
  }
  return std::string(market::to_string(outcome));
}

std::vector<std::string> commands_in_help(std::string_view help_text) {
  std::vector<std::string> commands;
  while (!help_text.empty()) {
    const std::size_t end = help_text.find('\n');
    std::string_view line = help_text.substr(0, end);
    help_text = end == std::string_view::npos ? std::string_view() : help_text.substr(end + 1);
    if (!line.starts_with("  ")) continue;
    line.remove_prefix(2);
    const bool is_list =
        line.find(", ") != std::string_view::npos && line.find("  ") == std::string_view::npos;
    for (;;) {
      const std::size_t word_end = line.find_first_of(" ,");
      const std::string word(line.substr(0, word_end));
      if (!word.empty() && std::find(commands.begin(), commands.end(), word) == commands.end()) {
        commands.push_back(word);
      }
      if (!is_list || word_end == std::string_view::npos) break;
      line.remove_prefix(std::min(line.size(), word_end + 2));
    }
  }
  return commands;
}

namespace {

// Edits from `a` to `b`: a letter added, dropped or changed, or two neighbours swapped
// (the optimal string alignment distance; typed words are short).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t changed = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + changed});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// "auction 5 is started, needs created" (the platform's wrong_stage message) in plain words.
std::optional<std::string> plain_wrong_stage(std::string_view message) {
  const std::size_t is = message.find(" is ");
  const std::size_t needs = message.find(", needs ");
  if (!message.starts_with("auction ") || is == std::string_view::npos ||
      needs == std::string_view::npos || needs < is) {
    return std::nullopt;
  }
  const std::string_view auction = message.substr(0, is);
  const std::string_view stage = message.substr(is + 4, needs - is - 4);
  const std::string_view needed = message.substr(needs + 8);
  std::string now;
  if (stage == "created") {
    now = "has not started yet";
  } else if (stage == "started") {
    now = "has already started";
  } else if (stage == "finished") {
    now = "is over";
  } else if (stage == "cancelled") {
    now = "was cancelled";
  } else {
    return std::nullopt;
  }
  std::string when;
  if (needed == "created") {
    when = "only before the start";
  } else if (needed == "started") {
    when = "only while it runs";
  } else if (needed == "started or finished") {
    when = "only once it has started";
  } else {
    return std::nullopt;
  }
  return std::string(auction) + " " + now + ": that can be done " + when;
}

}  // namespace

std::optional<std::string> nearest_command(std::string_view typed,
                                           const std::vector<std::string>& commands) {
  std::optional<std::string> best;
  std::size_t best_distance = 3;  // at most two edits
  for (const std::string& command : commands) {
    // Lengths apart by more than two: more than two edits, whatever the letters.
    if (typed.size() > command.size() + 2 || command.size() > typed.size() + 2) continue;
    const std::size_t d = edit_distance(typed, command);
    if (d < best_distance && 2 * d < std::max(typed.size(), command.size())) {
      best = command;
      best_distance = d;
    }
  }
  return best;
}

std::string plain_error_text(const Error& error) {
  const std::string message = shown(error.message);
  if (error.code == code::wrong_stage) {
    if (auto plain = plain_wrong_stage(error.message)) return shown(*plain);
  }
  if (error.code == code::unavailable) {
    return "the platform cannot be reached now; try again shortly (" + message + ")";
  }
  // (A timeout's message says itself whether the request may have been applied.)
  if (error.code == code::connection_lost || error.code == code::leadership_lost) {
    return message + " (it may still have happened: look before trying again)";
  }
  if (error.code == code::rate_limited) return "too many requests for now; " + message;
  return message;
}

std::string auctions_text(const std::vector<AuctionId>& ids) {
  std::string text = ids.size() == 1 ? "auction " : "auctions ";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) text += i + 1 == ids.size() ? " and " : ", ";
    text += std::to_string(ids[i].value);
  }
  return text;
}

std::string format_period(std::int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 60'000) {
    const std::int64_t tenths = (ms + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
  }
  const std::int64_t minutes = (ms + 30'000) / 60'000;
  if (minutes < 60) return std::to_string(minutes) + " min";
  const std::string hours = std::to_string(minutes / 60) + " h";
  return minutes % 60 == 0 ? hours : hours + " " + std::to_string(minutes % 60) + " min";
}

std::string active_names(const std::vector<market::BuyerEntry>& buyers) {
  std::string names;
  for (const market::BuyerEntry& b : buyers) {
    if (b.is_active()) names += (names.empty() ? "" : ", ") + shown(b.username);
  }
  return names.empty() ? "nobody" : names;
}

std::string describe_verified(const json& report) {
  const auto money = [](const json& cents) {
    return format_cents(Cents(cents.get<std::int64_t>()));
  };
  std::string names;
  for (const json& name : report["buyers"]) {
    names += (names.empty() ? "" : ", ") + shown(name.get<std::string>());
  }
  std::string text = "auction " + std::to_string(report["auction_id"].get<std::uint64_t>()) +
                     " by " + shown(report["seller"].get<std::string>()) + ": from " +
                     money(report["base_price"]) + ", +" + money(report["increment"]) + " a round" +
                     terms_text(report) + "; buyers " + (names.empty() ? "nobody" : names);
  std::uint64_t from_round = 0;
  for (const json& w : report["withdrawals"]) {
    const std::uint64_t round = w["round_id"].get<std::uint64_t>();
    if (round > from_round) {
      text += "\n  rounds " + std::to_string(from_round) + "-" + std::to_string(round - 1) +
              ": nobody left";
    }
    from_round = round + 1;
    const std::string who = shown(w["username"].get<std::string>());
    text += "\n  round " + std::to_string(round) + " (" + money(w["price"]) + "): " + who +
            " withdrew (" + shown(w["reason"].get<std::string>()) + "), ";
    if (w.contains("signed")) {
      text += "signed by " + who + " in round " +
              std::to_string(w["signed"]["round_id"].get<std::uint64_t>()) + " at " +
              money(w["signed"]["price"]) + ": signature ok";
    } else {
      text += "the seller's claim (nothing can prove silence)";
    }
  }
  text +=
      "\n  result: " +
      (report.contains("winner")
           ? shown(report["winner"].get<std::string>()) + " wins in round " +
                 std::to_string(report["round_id"].get<std::uint64_t>()) + " at " +
                 money(report["price"])
           : std::string(report.value("reserve_not_met", false) ? "unsold: the reserve was not met"
                                                                : "unsold")) +
      "; chain head " + shown(report["chain_head"].get<std::string>()).substr(0, 16) +
      "..., signed by " + shown(report["seller"].get<std::string>()) + ": signature ok";
  text += "\n  your key: " + shown(report["own_key"].get<std::string>());
  text += "\nverified: the result follows from the seller's chain by the rules";
  return text;
}

std::string describe_auction_in_full(const json& view) {
  const auto it = view.find("item_description");
  if (it == view.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return describe_auction(view);
  }
  return describe_auction(view) + "\n  " + shown(it->get_ref<const std::string&>());
}

std::optional<std::string> describe_watch_event(const platform::WatchEvent& e, std::string_view me,
                                                std::string_view my_address) {
  using platform::Role;
  using platform::WatchEventKind;
  const std::string auction =
      "auction " + std::to_string(e.auction_id.value_or(AuctionId{0}).value);
  const std::string who = shown(e.username.value_or(""));
  const bool is_mine = e.role == Role::seller;
  const auto buyers = [&e] {
    if (!e.progress) return std::string();
    const std::uint64_t n = e.progress->buyer_count;
    return " (" + std::to_string(n) + (n == 1 ? " buyer now)" : " buyers now)");
  };
  switch (e.kind) {
    case WatchEventKind::auction_created:
      if (is_mine || !e.auction) return std::nullopt;
      return "new: " + describe_auction(platform::encode_auction_view(*e.auction)) + " (join " +
             std::to_string(e.auction_id->value) + " to take part)";
    case WatchEventKind::buyer_joined:
      if (e.username == me) return std::nullopt;
      return auction + ": " + who + " joined" + buyers();
    case WatchEventKind::buyer_left:
      if (e.username == me) return std::nullopt;
      return auction + ": " + who + " left" + buyers();
    case WatchEventKind::auction_started:
      if (e.role != Role::none) return std::nullopt;
      return auction + " has started without you: it takes no new buyers";
    case WatchEventKind::round_pushed: return std::nullopt;
    case WatchEventKind::auction_finished: {
      if (is_mine || !e.outcome) return std::nullopt;
      const std::string result =
          e.outcome->winner
              ? shown(*e.outcome->winner) + " won at " + format_cents(e.outcome->price)
              : std::string(e.outcome->reserve_not_met ? "unsold: the reserve was not met"
                                                       : "unsold");
      if (e.role == Role::buyer)
        return "the platform recorded the result of " + auction + ": " + result;
      return auction + " finished: " + result;
    }
    case WatchEventKind::auction_cancelled:
      if (is_mine) return std::nullopt;
      return auction + " was cancelled by its seller";
    case WatchEventKind::user_logged_in: {
      const std::string address = shown(e.address.value_or(""));
      if (e.username == me) {
        if (e.address == my_address) return std::nullopt;  // this program's own login
        return "warning: another program logged in as " + who + " at " + address +
               ": the platform now sends your peers there, not here";
      }
      return who + " logged in again (at " + address +
             "): the auctions you share with it can go on";
    }
  }
  return std::nullopt;
}

json watch_event_json(const platform::WatchEvent& event) {
  json j = platform::encode_watch_event(event);
  j["event"] = std::string(platform::watch_event_kind_name(event.kind));
  return j;
}

std::string unsold_text(const market::FinishRecord& record) {
  return record.reserve_not_met() ? "unsold: the reserve was not met" : "unsold";
}

std::string terms_text(const json& terms) {
  const auto money = [](const json& cents) {
    return cents.is_number_integer() ? format_cents(Cents{cents.get<std::int64_t>()})
                                     : std::string("?");
  };
  std::string text;
  const auto add = [&text](const std::string& part) { text += (text.empty() ? "" : "; ") + part; };
  if (terms.contains("increment_steps") && terms["increment_steps"].is_array() &&
      !terms["increment_steps"].empty()) {
    std::string steps;
    for (const json& s : terms["increment_steps"]) {
      if (!s.is_object()) continue;
      steps += (steps.empty() ? "" : ", ") + std::string("+") +
               money(s.value("increment", json())) + " from " +
               money(s.value("from_price", json()));
    }
    add("increments " + steps);
  }
  const bool hidden = terms.value("reserve_hidden", false);
  if (terms.contains("reserve") && terms["reserve"].is_number_integer()) {
    add("reserve " + money(terms["reserve"]) + (hidden ? " (hidden)" : ""));
  } else if (hidden) {
    add("a hidden reserve");
  }
  const auto grace = terms.value("grace_rounds", std::uint64_t{1});
  if (grace > 1) add("grace " + std::to_string(grace) + " missed rounds");
  if (terms.contains("start_at_ms") && terms["start_at_ms"].is_number_integer()) {
    add("starts at " + format_utc_time(terms["start_at_ms"].get<std::int64_t>()));
  }
  return text.empty() ? text : " (" + text + ")";
}

namespace {

constexpr std::string_view terms_options[] = {
    "reserve=", "hidden_reserve=", "increments=", "grace=", "start_at=", "start_in="};

Result<Cents> option_cents(std::string_view option, std::string_view text) {
  auto cents = parse_cents(text);
  if (!cents) {
    return fail(code::invalid_argument, std::string(option) + ": " + cents.error().message);
  }
  return cents;
}

// "20.00:0.50,100.00:5.00": the price from which each increment applies.
Result<std::vector<IncrementStep>> parse_increments(std::string_view text) {
  std::vector<IncrementStep> steps;
  if (text.empty() || text.back() == ',') {
    return fail(code::invalid_argument,
                "increments: each step is FROM_PRICE:INCREMENT, e.g. 20.00:0.50");
  }
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view pair = text.substr(0, comma);
    const std::size_t colon = pair.find(':');
    if (colon == std::string_view::npos) {
      return fail(code::invalid_argument,
                  "increments: each step is FROM_PRICE:INCREMENT, e.g. 20.00:0.50");
    }
    auto from = option_cents("increments", pair.substr(0, colon));
    if (!from) return std::unexpected(from.error());
    auto by = option_cents("increments", pair.substr(colon + 1));
    if (!by) return std::unexpected(by.error());
    steps.push_back({*from, *by});
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return steps;
}

}  // namespace

bool is_terms_option(std::string_view word) {
  for (const std::string_view key : terms_options) {
    if (word.starts_with(key)) return true;
  }
  return false;
}

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<SaleTerms> parse_terms_options(const std::vector<std::string>& options,
                                      std::int64_t now_ms) {
  SaleTerms terms;
  for (const std::string& option : options) {
    const std::size_t eq = option.find('=');
    const std::string_view key = std::string_view(option).substr(0, eq);
    const std::string_view value =
        eq == std::string::npos ? "" : std::string_view(option).substr(eq + 1);
    if (key == "reserve" || key == "hidden_reserve") {
      auto reserve = option_cents(key, value);
      if (!reserve) return std::unexpected(reserve.error());
      terms.reserve = *reserve;
      terms.reserve_hidden = key == "hidden_reserve";
    } else if (key == "increments") {
      auto steps = parse_increments(value);
      if (!steps) return std::unexpected(steps.error());
      terms.increment_steps = std::move(*steps);
    } else if (key == "start_at") {
      auto at = parse_utc_time(value);
      if (!at) return fail(code::invalid_argument, "start_at: " + at.error().message);
      terms.start_at_ms = *at;
    } else if (key == "start_in") {
      auto seconds = parse_count(value, "start_in");
      if (!seconds) return std::unexpected(seconds.error());
      if (*seconds > 366ull * 86400) {
        return fail(code::invalid_argument, "start_in: at most a year (31622400 seconds)");
      }
      terms.start_at_ms = now_ms + static_cast<std::int64_t>(*seconds) * 1000;
    } else if (key == "grace") {
      auto grace = parse_count(value, "grace");
      if (!grace) return std::unexpected(grace.error());
      if (*grace < 1 || *grace > limits::grace_rounds_max) {
        return fail(code::invalid_argument,
                    "grace: must be 1.." + std::to_string(limits::grace_rounds_max) + " rounds");
      }
      terms.grace_rounds = static_cast<std::uint32_t>(*grace);
    } else {
      return fail(code::invalid_argument,
                  "unknown option " + shown(option) +
                      " (reserve=, hidden_reserve=, increments=, grace=, start_at= or start_in=)");
    }
  }
  return terms;
}

std::string describe_auction(const json& view) {
  auto money = [&](const char* key) {
    return view.contains(key) && view[key].is_number_integer()
               ? format_cents(Cents{view[key].get<std::int64_t>()})
               : std::string("?");
  };
  auto text = [&](const char* key) { return shown(view.value(key, "")); };
  std::string line =
      "#" + std::to_string(view.value("auction_id", std::uint64_t{0})) + " \"" +
      text("auction_name") + "\" (" + text("item_name") + ") by " + text("seller") + ": " +
      text("stage") + ", base " + money("base_price") + ", +" + money("increment") + " every " +
      std::to_string(view.value("period_ms", std::int64_t{0})) + " ms" + terms_text(view);
  const std::string stage = view.value("stage", "");
  if (stage == "finished") {
    line += view.contains("winner") && view["winner"].is_string()
                ? ", won by " + shown(view["winner"].get<std::string>()) + " at " + money("price")
            : view.value("reserve_not_met", false) ? ", unsold: the reserve was not met"
                                                   : ", unsold";
  } else if (view.contains("round_id") && stage == "started") {
    line += ", round " + std::to_string(view.value("round_id", RoundId{0})) + " at " +
            money("current_price");
  }
  if (view.contains("buyers") && view["buyers"].is_array()) {
    std::string names;
    for (const json& b : view["buyers"]) {
      names += (names.empty() ? "" : ", ") + shown(b.value("username", "")) +
               (b.value("active", true) ? "" : " (out)");
    }
    line += "; buyers: " + (names.empty() ? std::string("none") : names);
  } else if (view.contains("buyer_count") && view["buyer_count"].is_number_unsigned()) {
    // A page of auctions counts each one's buyers; `show ID` names them.
    const auto joined = view["buyer_count"].get<std::uint64_t>();
    const auto active = view.value("active_count", joined);
    line += "; " + std::to_string(joined) + (joined == 1 ? " buyer" : " buyers");
    if (stage == "started" || stage == "finished") line += ", " + std::to_string(active) + " in";
  }
  const std::string role = view.value("role", "none");
  if (role != "none") line += " [you are the " + shown(role) + "]";
  return line;
}

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

asio::awaitable<bool> async_wait_until(std::function<bool()> condition,
                                       std::chrono::milliseconds every,
                                       std::chrono::milliseconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    timer.expires_after(every);
    co_await timer.async_wait(use_tuple);
  }
  co_return true;
}

asio::awaitable<bool> async_wait_until(std::function<asio::awaitable<bool>()> condition,
                                       std::chrono::milliseconds every,
                                       std::chrono::milliseconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!(co_await condition())) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    timer.expires_after(every);
    co_await timer.async_wait(use_tuple);
  }
  co_return true;
}

asio::awaitable<bool> async_wait_until_seen(const std::set<AuctionId>& ids, AuctionId id,
                                            std::chrono::milliseconds timeout) {
  return async_wait_until([&ids, id] { return ids.contains(id); }, local_poll, timeout);
}

}  // namespace auction::console::detail

// The seller's command interpreter; see auction/console/seller_console.hpp.
#include "auction/console/seller_console.hpp"

#include <functional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/base/money.hpp"
#include "auction/base/utc_time.hpp"
#include "console/command_line.hpp"
#include "console/console_output.hpp"
#include "console/console_text.hpp"

namespace auction::console {

namespace asio = boost::asio;
namespace seller_action = market::seller_action;
using nlohmann::json;
using namespace detail;

struct SellerConsole::State : ConsoleState {
  using ConsoleState::ConsoleState;

  std::set<AuctionId> finished;   // finished in this process
  std::set<AuctionId> delivered;  // acknowledged by the platform
  // The auctions a `start` or `resume` is running for: their events wait until its answer is
  // printed ("auction 1 started" comes before its first round, and before "finished" when
  // one buyer makes it end at once), then print in the order they came.
  std::set<AuctionId> starting;
  std::vector<std::pair<AuctionId, std::function<void()>>> held;
  // Auctions with a scheduled start this program waits to start (terms.start_at_ms), and
  // how it starts one then: as `start ID` typed (set by the console).
  std::set<AuctionId> scheduled;
  std::function<void(asio::any_io_executor, AuctionId, std::int64_t)> schedule_start;

  // Starts auction `id` by itself at `start_at_ms`, once; says so.
  void schedule(asio::any_io_executor executor, AuctionId id, std::int64_t start_at_ms) {
    if (!scheduled.insert(id).second || !schedule_start) return;
    out.event({{"event", "scheduled"}, {"auction_id", id.value}, {"start_at_ms", start_at_ms}},
              "auction " + std::to_string(id.value) + " starts by itself at " +
                  format_utc_time(start_at_ms) + " (keep this program running)");
    schedule_start(std::move(executor), id, start_at_ms);
  }

  // Runs `print` now, or once the start of auction `id` has been answered.
  void print_or_hold(AuctionId id, std::function<void()> print) {
    if (starting.contains(id)) {
      held.emplace_back(id, std::move(print));
    } else {
      print();
    }
  }

  // The start of auction `id` has been answered: what it held prints now.
  void release(AuctionId id) {
    starting.erase(id);
    std::vector<std::function<void()>> due;
    std::erase_if(held, [&](auto& entry) {
      if (entry.first != id) return false;
      due.push_back(std::move(entry.second));
      return true;
    });
    for (auto& print : due) print();
  }

  void on_action(AuctionId id, const market::SellerAction& action) {
    print_or_hold(id, [this, id, action] { print_action(id, action); });
  }

  void print_action(AuctionId id, const market::SellerAction& action) {
    const std::string prefix = "auction " + std::to_string(id.value) + ": ";
    if (const auto* a = std::get_if<seller_action::Announce>(&action)) {
      out.event({{"event", "round"},
                 {"auction_id", id.value},
                 {"round_id", a->message.round_id},
                 {"price", a->message.price.value},
                 {"active", a->recipients}},
                prefix + "round " + std::to_string(a->message.round_id) + ", price " +
                    format_cents(a->message.price) +
                    ", active: " + active_names(a->message.buyers));
    } else if (const auto* w = std::get_if<seller_action::BuyerWithdrawn>(&action)) {
      out.event({{"event", "withdrew"},
                 {"auction_id", id.value},
                 {"username", w->username},
                 {"reason", reason_name(w->status)},
                 {"round_id", w->round_id}},
                prefix + shown(w->username) + " withdrew (" + reason_text(w->status) +
                    ") in round " + std::to_string(w->round_id));
    } else if (const auto* p = std::get_if<seller_action::Paused>(&action)) {
      out.event({{"event", "paused"}, {"auction_id", id.value}, {"round_id", p->round_id}},
                prefix + "paused in round " + std::to_string(p->round_id) +
                    ": no buyer answered; announcing it again until one does");
    } else if (const auto* r = std::get_if<seller_action::Resumed>(&action)) {
      out.event({{"event", "resumed"}, {"auction_id", id.value}, {"round_id", r->round_id}},
                prefix + "resumed in round " + std::to_string(r->round_id));
    } else if (const auto* f = std::get_if<seller_action::Finish>(&action)) {
      finished.insert(id);
      const market::FinishRecord& rec = f->finish.record;
      json j = {{"event", "finished"},
                {"auction_id", id.value},
                {"round_id", rec.round_id},
                {"price", rec.price.value},
                {"winner", rec.winner ? json(*rec.winner) : json()},
                {"reserve_not_met", rec.reserve_not_met()}};
      out.event(j, prefix + "finished in round " + std::to_string(rec.round_id) + ": " +
                       (rec.winner ? shown(*rec.winner) + " wins at " + format_cents(rec.price)
                                   : unsold_text(rec)));
    }
  }

  void on_delivered(AuctionId id) {
    delivered.insert(id);
    print_or_hold(id, [this, id] { print_delivered(id); });
  }

  void print_delivered(AuctionId id) {
    out.event({{"event", "recorded"}, {"auction_id", id.value}},
              "auction " + std::to_string(id.value) + ": result recorded by the platform");
  }

  void on_warning(const std::string& line) {
    out.event({{"event", "warning"}, {"message", line}}, "warning: " + shown(line));
  }
};

namespace {

// Waits for what a `wait` line asks; false when its timeout passed first.
asio::awaitable<bool> async_wait_for(market::SellerRuntime& runtime, const SellerConsole::State& s,
                                     const WaitRequest& wait) {
  const AuctionId auction_id = wait.auction_id;
  bool done = false;
  if (wait.what == "joined") {
    const std::uint64_t wanted = wait.count;
    done = co_await async_wait_until(
        [&runtime, auction_id, wanted]() -> asio::awaitable<bool> {
          auto view = co_await runtime.async_show(auction_id, false);
          co_return view && view->value("buyer_count", std::uint64_t{0}) >= wanted;
        },
        s.options.platform_poll, wait.timeout);
  } else {
    const std::set<AuctionId>& seen = wait.what == "finished" ? s.finished : s.delivered;
    done = co_await async_wait_until_seen(seen, auction_id, wait.timeout);
  }
  co_return done;
}

// `create NAME ITEM BASE INCREMENT PERIOD_MS [DESCRIPTION] [OPTION=VALUE...]`, the options
// those of parse_terms_options(). A created auction with a scheduled start is scheduled.
asio::awaitable<void> async_create(market::SellerRuntime& runtime, SellerConsole::State& s,
                                   const CommandLine& line) {
  std::size_t n = line.size();
  std::vector<std::string> options;
  while (n > 6 && is_terms_option(line.word(n - 1)))
    options.insert(options.begin(), line.word(--n));
  if (n < 6 || n > 7) {
    line.answer_usage(
        "create NAME ITEM BASE INCREMENT PERIOD_MS [DESCRIPTION] [reserve=PRICE | "
        "hidden_reserve=PRICE] [increments=FROM:INCREMENT,...] [grace=ROUNDS] "
        "[start_at=2026-12-08T01:00:00Z | start_in=SECONDS]");
    co_return;
  }
  auto terms = parse_terms_options(options, system_now_ms());
  if (!terms) {
    line.answer(std::unexpected(terms.error()), "");
    co_return;
  }
  market::NewAuction a;
  a.auction_name = line.word(1);
  a.item_name = line.word(2);
  a.item_description = n == 7 ? line.word(6) : "";
  auto base = parse_cents(line.word(3));
  auto increment = parse_cents(line.word(4));
  auto period = parse_count(line.word(5), "PERIOD_MS");
  // Each refusal names the argument, and speaks in dollars as the user typed them.
  const auto refuse = [&line](std::string_view what, const Error& e) {
    line.answer(std::unexpected(Error{e.code, std::string(what) + ": " + e.message}), "");
  };
  if (!base) {
    refuse("base price", base.error());
    co_return;
  }
  if (!increment) {
    refuse("increment", increment.error());
    co_return;
  }
  if (*increment < Cents{1}) {
    refuse("increment", Error{code::invalid_argument, "must be at least 0.01"});
    co_return;
  }
  if (!period) {
    line.answer(std::unexpected(period.error()), "");
    co_return;
  }
  a.base_price = *base;
  a.increment = *increment;
  a.terms = std::move(*terms);
  a.period_ms = static_cast<std::int64_t>(
      std::min(*period, static_cast<std::uint64_t>(market::duration_ms_max)));
  const std::optional<std::int64_t> start_at_ms = a.terms.start_at_ms;
  auto id = co_await runtime.async_create(std::move(a));
  line.answer(id ? Result<json>(json{{"auction_id", id->value}}) : std::unexpected(id.error()),
              id ? "created auction " + std::to_string(id->value) : "");
  if (id && start_at_ms) s.schedule(co_await asio::this_coro::executor, *id, *start_at_ms);
}

// The `status` command's answer: the auctions this program runs (round, price, who is still
// in) and the results the platform has not recorded yet.
std::pair<json, std::string> seller_status(const market::SellerRuntime& runtime) {
  json auctions = json::array();
  std::string text;
  for (const AuctionId id : runtime.running()) {
    const market::SellerAuction* a = runtime.find(id);
    if (a == nullptr) continue;
    const market::AuctionRules& rules = a->rules();
    auctions.push_back({{"auction_id", id.value},
                        {"state", a->is_paused() ? "paused" : "running"},
                        {"round_id", rules.round_id()},
                        {"price", rules.price().value},
                        {"active_count", rules.active_count()},
                        {"buyer_count", rules.buyers().size()}});
    text += (text.empty() ? "" : "\n") + std::string("auction ") + std::to_string(id.value) + ": " +
            (a->is_paused() ? "paused (no buyer answers)" : "running") + ", round " +
            std::to_string(rules.round_id()) + " at " + format_cents(rules.price()) + "; " +
            std::to_string(rules.active_count()) + " of " + std::to_string(rules.buyers().size()) +
            " still in (" + active_names(rules.buyers()) + ")";
  }
  json waiting = json::array();
  for (const AuctionId id : runtime.undelivered()) {
    waiting.push_back(id.value);
    text += (text.empty() ? "" : "\n") + std::string("auction ") + std::to_string(id.value) +
            ": finished; the result is not recorded by the platform yet (the journal keeps it)";
  }
  if (text.empty()) text = "no auction running here (`list mine` shows your auctions)";
  return {json{{"auctions", std::move(auctions)}, {"results_not_recorded", std::move(waiting)}},
          text};
}

// Runs one of the seller's own commands; false when there is no such command.
asio::awaitable<bool> async_run(market::SellerRuntime& runtime, SellerConsole::State& s,
                                const CommandLine& line) {
  const std::string& command = line.command();
  if (command == "create") {
    co_await async_create(runtime, s, line);
  } else if (command == "list") {
    const auto request = read_list(line);
    if (!request) co_return true;
    const auto list = co_await runtime.async_list(*request);
    answer_auction_list(line, *request, list, [&runtime](const json& view) {
      std::string text = describe_auction(view);
      const AuctionId id{view.value("auction_id", std::uint64_t{0})};
      if (view.value("stage", "") == "started" && view.value("role", "") == "seller") {
        text += runtime.find(id) ? " (running here)"
                                 : " (paused: resume " + std::to_string(id.value) + ")";
      }
      return text;
    });
  } else if (command == "verify") {
    const auto id = line.only_auction_id();
    if (!id) co_return true;
    auto report = co_await runtime.async_verify(*id);
    line.answer(report, report ? describe_verified(*report) : "");
  } else if (command == "show") {
    const auto id = line.only_auction_id();
    if (!id) co_return true;
    auto view = co_await runtime.async_show(*id);
    line.answer(view, view ? describe_auction_in_full(*view) : "");
  } else if (command == "status") {
    if (line.size() != 1) {
      line.answer_usage("status");
      co_return true;
    }
    const std::pair<json, std::string> answer = seller_status(runtime);
    line.answer(Result<json>(answer.first), answer.second);
  } else if (command == "start" || command == "resume" || command == "cancel") {
    const auto id = line.only_auction_id();
    if (!id) co_return true;
    const std::string which = "auction " + std::to_string(id->value);
    const json id_json = {{"auction_id", id->value}};
    if (command == "start") {
      s.starting.insert(*id);
      const auto started = co_await runtime.async_start(*id);
      line.answer(started, id_json, which + " started");
      s.release(*id);
    } else if (command == "resume") {
      s.starting.insert(*id);
      auto round = co_await runtime.async_resume(*id);
      line.answer(round ? Result<json>(json{{"auction_id", id->value}, {"round_id", *round}})
                        : std::unexpected(round.error()),
                  round ? which + " resumed from round " + std::to_string(*round) : "");
      s.release(*id);
    } else {
      const auto cancelled = co_await runtime.async_cancel(*id);
      line.answer(cancelled, id_json, which + " cancelled");
    }
  } else if (command == "wait") {
    const auto wait = read_wait(
        line, {"joined", "finished", "recorded"}, "joined",
        "wait joined ID N [SECONDS] | wait finished ID [SECONDS] | wait recorded ID [SECONDS]",
        s.options.wait_timeout);
    if (!wait) co_return true;
    const bool done = co_await async_wait_for(runtime, s, *wait);
    answer_wait(line, *wait, done);
  } else {
    co_return false;
  }
  co_return true;
}

}  // namespace

SellerConsole::SellerConsole(market::SellerRuntime& runtime, PrintLine print,
                             ConsoleOptions options)
    : runtime_(runtime), state_(std::make_shared<State>(std::move(print), options)) {
  std::weak_ptr<State> weak = state_;
  market::SellerRuntimeObserver observer;
  observer.on_action = [weak](AuctionId id, const market::SellerAction& action) {
    if (auto s = weak.lock()) s->on_action(id, action);
  };
  observer.on_delivered = [weak](AuctionId id, const json&) {
    if (auto s = weak.lock()) s->on_delivered(id);
  };
  observer.on_warning = [weak](const std::string& line) {
    if (auto s = weak.lock()) s->on_warning(line);
  };
  runtime_.set_observer(std::move(observer));
  state_->schedule_start = [this](asio::any_io_executor executor, AuctionId id,
                                  std::int64_t start_at_ms) {
    asio::co_spawn(std::move(executor), async_start_when_due(id, start_at_ms), asio::detached);
  };
}

asio::awaitable<void> SellerConsole::async_start_when_due(AuctionId id, std::int64_t start_at_ms) {
  std::weak_ptr<State> weak = state_;
  asio::system_timer timer(co_await asio::this_coro::executor);
  // In slices of at most an hour, reading the clock again after each: a time centuries ahead
  // does not fit the timer's clock, and the clock may be set while it waits.
  for (;;) {
    const std::int64_t left_ms = start_at_ms - system_now_ms();
    if (left_ms <= 0) break;
    timer.expires_after(std::chrono::milliseconds(std::min<std::int64_t>(left_ms, 3'600'000)));
    const auto [waited] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)waited;
    if (weak.expired()) co_return;
  }
  if (weak.expired()) co_return;
  // As if `start ID` were typed, with the same answer.
  std::string line = "start " + std::to_string(id.value);
  co_await async_execute(std::move(line));
}

SellerConsole::~SellerConsole() { runtime_.set_observer({}); }

asio::awaitable<bool> SellerConsole::async_execute(std::string text) {
  return async_execute_with(state_->out, std::move(text));
}

asio::awaitable<bool> SellerConsole::async_execute(std::string text, PrintLine answers_to) {
  const ConsoleOutput page = answers_only_to(std::move(answers_to));
  co_return co_await async_execute_with(page, std::move(text));
}

asio::awaitable<bool> SellerConsole::async_execute_with(const ConsoleOutput& out,
                                                        std::string text) {
  auto s = state_;  // keeps `out` alive when it is the state's own
  // Named, not a temporary of the co_await below: g++ 12 may destroy such a temporary twice.
  const CommandRunner run = [this, s](const CommandLine& line) {
    return async_run(runtime_, *s, line);
  };
  co_return co_await async_execute_line(out, text, help_text(), run);
}

namespace {

// Tells of every started auction of this seller in `views` that no process runs here, and
// returns them.
std::vector<AuctionId> report_paused(const market::SellerRuntime& runtime, SellerConsole::State& s,
                                     const std::vector<json>& views) {
  std::vector<AuctionId> paused;
  for (const json& view : views) {
    const AuctionId id{view.value("auction_id", std::uint64_t{0})};
    if (view.value("stage", "") != "started" || view.value("role", "") != "seller" ||
        runtime.find(id) != nullptr) {
      continue;
    }
    const RoundId round_id = view.value("round_id", RoundId{0});
    s.out.event({{"event", "paused"}, {"auction_id", id.value}, {"round_id", round_id}},
                "auction " + std::to_string(id.value) + ": paused at round " +
                    std::to_string(round_id) +
                    (s.options.resumes_paused
                         ? std::string(": resuming it")
                         : " (resume " + std::to_string(id.value) + " to continue it)"));
    paused.push_back(id);
  }
  return paused;
}

}  // namespace

asio::awaitable<void> SellerConsole::async_on_ready() {
  auto s = state_;
  // The seller's own auctions only, page after page (a page holds at least one, so this ends).
  market::AuctionListRequest request{AuctionId{0}, true};
  std::vector<AuctionId> paused;
  for (;;) {
    auto list = co_await runtime_.async_list(request);
    if (!list || list->views.empty()) break;
    const std::vector<AuctionId> page = report_paused(runtime_, *s, list->views);
    paused.insert(paused.end(), page.begin(), page.end());
    for (const json& view : list->views) {
      const bool is_due_to_start = view.value("stage", "") == "created" &&
                                   view.value("role", "") == "seller" &&
                                   view.contains("start_at_ms");
      if (!is_due_to_start) continue;
      s->schedule(co_await asio::this_coro::executor,
                  AuctionId{view.value("auction_id", std::uint64_t{0})},
                  view.value("start_at_ms", std::int64_t{0}));
    }
    if (!list->more) break;
    request.after = AuctionId{list->views.back().value("auction_id", std::uint64_t{0})};
  }
  if (!s->options.resumes_paused) co_return;
  // As if `resume ID` were typed for each, with the same answer.
  for (const AuctionId id : paused) {
    // Named, not a temporary of the co_await: g++ 12 may destroy such a temporary twice.
    std::string line = "resume " + std::to_string(id.value);
    co_await async_execute(std::move(line));
  }
}

std::string SellerConsole::leaving_warning() const {
  std::string warning;
  if (const auto running = runtime_.running(); !running.empty()) {
    const std::string ids = auctions_text(running);
    warning = ids + (running.size() == 1 ? " is" : " are") +
              " running here: if you leave, its buyers see it paused until you start the "
              "seller again and resume it";
  }
  if (const auto waiting = runtime_.undelivered(); !waiting.empty()) {
    warning += (warning.empty() ? "" : "; ") + std::string("the result of ") +
               auctions_text(waiting) +
               " is not recorded by the platform yet: the journal keeps it, and the seller "
               "delivers it when you start it again";
  }
  return warning;
}

void SellerConsole::on_platform_event(const platform::WatchEvent& event,
                                      std::string_view my_address) {
  print_platform_event(state_->out, event, runtime_.username(), my_address);
}

void SellerConsole::on_platform_reachable(bool reachable, const Error* why) {
  std::string waiting;
  if (const auto results = runtime_.undelivered(); !results.empty()) {
    waiting = "the result of " + auctions_text(results) +
              (reachable ? " is being delivered now"
                         : " is not recorded yet: the journal keeps it and delivers it then");
  }
  print_platform_reachable(state_->out, reachable, why, waiting);
}

void SellerConsole::on_platform_missed() { print_platform_missed(state_->out); }

const char* SellerConsole::help_text() {
  return "commands (money as 12.50; quote words with spaces: \"spring sale\"):\n"
         "  create NAME ITEM BASE INCREMENT PERIOD_MS [DESCRIPTION] [OPTIONS]   a new auction\n"
         "      options: reserve=PRICE or hidden_reserve=PRICE (no sale below it; hidden: told\n"
         "      to buyers only at the end), increments=FROM:INCREMENT,... (the increment from\n"
         "      each price on), grace=ROUNDS (acknowledgements a buyer may miss in a row),\n"
         "      start_at=2026-12-08T01:00:00Z or start_in=SECONDS (it starts by itself then)\n"
         "  list [mine] [after ID]   a page of auctions (yours are marked; mine: yours only)\n"
         "  show ID                  one auction, with its buyers when it is yours\n"
         "  status                   the auctions running here and results not yet recorded\n"
         "  verify ID                check a finished auction's result from its transcript\n"
         "  start ID                 start your auction: prices rise every period\n"
         "  resume ID                continue a started auction after a restart\n"
         "  cancel ID                cancel your auction before it starts\n"
         "  wait joined ID N [SECONDS]   until N buyers joined\n"
         "  wait finished ID [SECONDS]   until the auction finished here\n"
         "  wait recorded ID [SECONDS]   until the platform recorded its result\n"
         "  help, quit";
}

}  // namespace auction::console

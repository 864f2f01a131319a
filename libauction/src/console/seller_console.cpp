// The seller's command interpreter; see auction/console/seller_console.hpp.

// g++ 12 wrongly reports Asio's coroutine frames (class-specific operator new/delete) as
// mismatched allocations once they are inlined into a long coroutine (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include "auction/console/seller_console.hpp"

#include <set>
#include <utility>

#include "auction/base/money.hpp"
#include "console/console_output.hpp"
#include "console/console_text.hpp"

namespace auction::console {

namespace asio = boost::asio;
namespace seller_action = market::seller_action;
using nlohmann::json;
using namespace detail;

struct SellerConsole::State {
  ConsoleOutput out;
  ConsoleOptions options;
  std::set<AuctionId> finished;   // finished in this process
  std::set<AuctionId> delivered;  // acknowledged by the platform

  void on_action(AuctionId id, const market::SellerAction& action) {
    const std::string prefix = "auction " + std::to_string(id.value) + ": ";
    if (const auto* a = std::get_if<seller_action::Announce>(&action)) {
      out.event({{"event", "round"}, {"auction_id", id.value}, {"round_id", a->message.round_id},
                 {"price", a->message.price.value}, {"active", a->recipients}},
                prefix + "round " + std::to_string(a->message.round_id) + ", price " +
                    format_cents(a->message.price) + ", active: " +
                    active_names(a->message.buyers));
    } else if (const auto* w = std::get_if<seller_action::BuyerWithdrawn>(&action)) {
      out.event({{"event", "withdrew"}, {"auction_id", id.value}, {"username", w->username},
                 {"reason", reason_name(w->status)}, {"round_id", w->round_id}},
                prefix + w->username + " withdrew (" + reason_text(w->status) + ") in round " +
                    std::to_string(w->round_id));
    } else if (const auto* p = std::get_if<seller_action::Paused>(&action)) {
      out.event({{"event", "paused"}, {"auction_id", id.value}, {"round_id", p->round_id}},
                prefix + "paused in round " + std::to_string(p->round_id) +
                    ": no buyer answered; announcing it again until one does");
    } else if (const auto* r = std::get_if<seller_action::Resumed>(&action)) {
      out.event({{"event", "resumed"}, {"auction_id", id.value}, {"round_id", r->round_id}},
                prefix + "resumed in round " + std::to_string(r->round_id));
    } else if (const auto* f = std::get_if<seller_action::Finish>(&action)) {
      finished.insert(id);
      const market::FinishRecord& rec = f->record;
      json j = {{"event", "finished"}, {"auction_id", id.value}, {"round_id", rec.round_id},
                {"price", rec.price.value}, {"winner", rec.winner ? json(*rec.winner) : json()}};
      out.event(j, prefix + "finished in round " + std::to_string(rec.round_id) + ": " +
                       (rec.winner ? *rec.winner + " wins at " + format_cents(rec.price)
                                   : std::string("unsold")));
    }
  }

  void on_delivered(AuctionId id) {
    delivered.insert(id);
    out.event({{"event", "recorded"}, {"auction_id", id.value}},
              "auction " + std::to_string(id.value) + ": result recorded by the platform");
  }

  void on_warning(const std::string& line) {
    out.event({{"event", "warning"}, {"message", line}}, "warning: " + line);
  }
};

SellerConsole::SellerConsole(market::SellerRuntime& runtime, PrintLine print,
                             ConsoleOptions options)
    : runtime_(runtime), state_(std::make_shared<State>()) {
  state_->out = ConsoleOutput{std::move(print), options.json};
  state_->options = options;
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
}

SellerConsole::~SellerConsole() { runtime_.set_observer({}); }

asio::awaitable<void> SellerConsole::async_on_ready() {
  auto s = state_;
  auto list = co_await runtime_.async_list();
  if (!list) co_return;
  for (const json& view : *list) {
    const AuctionId id{view.value("auction_id", std::uint64_t{0})};
    if (view.value("stage", "") != "started" || view.value("role", "") != "seller" ||
        runtime_.find(id) != nullptr) {
      continue;
    }
    const RoundId round_id = view.value("round_id", RoundId{0});
    s->out.event({{"event", "paused"}, {"auction_id", id.value}, {"round_id", round_id}},
                 "auction " + std::to_string(id.value) + ": paused at round " +
                     std::to_string(round_id) + " (resume " + std::to_string(id.value) +
                     " to continue it)");
  }
}

const char* SellerConsole::help_text() {
  return "commands (money as 12.50; quote words with spaces: \"spring sale\"):\n"
         "  create NAME ITEM BASE INCREMENT PERIOD_MS [DESCRIPTION]   a new auction\n"
         "  list                     every auction (yours are marked)\n"
         "  show ID                  one auction\n"
         "  start ID                 start your auction: prices rise every period\n"
         "  resume ID                continue a started auction after a restart\n"
         "  cancel ID                cancel your auction before it starts\n"
         "  wait joined ID N [SECONDS]   until N buyers joined\n"
         "  wait finished ID [SECONDS]   until the auction finished here\n"
         "  wait recorded ID [SECONDS]   until the platform recorded its result\n"
         "  help, quit";
}

asio::awaitable<bool> SellerConsole::async_execute(std::string line) {
  auto s = state_;
  auto words = split_words(line);
  if (!words) {
    s->out.answer("input", std::unexpected(words.error()), "");
    co_return true;
  }
  if (words->empty()) co_return true;
  const std::string command = (*words)[0];
  const std::size_t n = words->size();
  auto usage = [&](const char* text) {
    s->out.answer(command, fail(code::invalid_argument, std::string("usage: ") + text), "");
  };
  auto id_at = [&](std::size_t i) { return parse_auction_id((*words)[i]); };

  if (command == "help") {
    s->out.print(help_text());
  } else if (command == "quit" || command == "exit") {
    co_return false;
  } else if (command == "create") {
    if (n < 6 || n > 7) {
      usage("create NAME ITEM BASE INCREMENT PERIOD_MS [DESCRIPTION]");
      co_return true;
    }
    market::NewAuction a;
    a.auction_name = (*words)[1];
    a.item_name = (*words)[2];
    a.item_description = n == 7 ? (*words)[6] : "";
    auto base = parse_cents((*words)[3]);
    auto increment = parse_cents((*words)[4]);
    auto period = parse_count((*words)[5], "PERIOD_MS");
    if (!base || !increment || !period) {
      const Error& e = !base ? base.error() : !increment ? increment.error() : period.error();
      s->out.answer(command, std::unexpected(e), "");
      co_return true;
    }
    a.base_price = *base;
    a.increment = *increment;
    a.period_ms = static_cast<std::int64_t>(std::min<std::uint64_t>(*period, 86'400'000));
    auto id = co_await runtime_.async_create(std::move(a));
    s->out.answer(command,
                  id ? Result<json>(json{{"auction_id", id->value}}) : std::unexpected(id.error()),
                  id ? "created auction " + std::to_string(id->value) : "");
  } else if (command == "list") {
    auto list = co_await runtime_.async_list();
    if (!list) {
      s->out.answer(command, std::unexpected(list.error()), "");
    } else if (s->options.json) {
      s->out.answer(command, json{{"auctions", *list}}, "");
    } else {
      if (list->empty()) s->out.print("no auctions yet");
      for (const json& view : *list) {
        std::string text = describe_auction(view);
        const AuctionId id{view.value("auction_id", std::uint64_t{0})};
        if (view.value("stage", "") == "started" && view.value("role", "") == "seller") {
          const market::SellerAuction* here = runtime_.find(id);
          text += here ? " (running here)" : " (paused: resume " + std::to_string(id.value) + ")";
        }
        s->out.print(text);
      }
    }
  } else if (command == "show") {
    if (n != 2) {
      usage("show ID");
      co_return true;
    }
    auto id = id_at(1);
    if (!id) {
      s->out.answer(command, std::unexpected(id.error()), "");
      co_return true;
    }
    auto view = co_await runtime_.async_show(*id);
    const std::string description = view ? view->value("item_description", "") : "";
    s->out.answer(command, view,
                  view ? describe_auction(*view) + (description.empty() ? "" : "\n  " + description)
                       : "");
  } else if (command == "start" || command == "resume" || command == "cancel") {
    if (n != 2) {
      usage((command + " ID").c_str());
      co_return true;
    }
    auto id = id_at(1);
    if (!id) {
      s->out.answer(command, std::unexpected(id.error()), "");
      co_return true;
    }
    const std::string which = "auction " + std::to_string(id->value);
    const json id_json = {{"auction_id", id->value}};
    if (command == "start") {
      auto ok = co_await runtime_.async_start(*id);
      s->out.answer(command, ok ? Result<json>(id_json) : std::unexpected(ok.error()),
                    which + " started");
    } else if (command == "resume") {
      auto round = co_await runtime_.async_resume(*id);
      s->out.answer(command,
                    round ? Result<json>(json{{"auction_id", id->value}, {"round_id", *round}})
                          : std::unexpected(round.error()),
                    round ? which + " resumed from round " + std::to_string(*round) : "");
    } else {
      auto ok = co_await runtime_.async_cancel(*id);
      s->out.answer(command, ok ? Result<json>(id_json) : std::unexpected(ok.error()),
                    which + " cancelled");
    }
  } else if (command == "wait") {
    if (n < 3) {
      usage("wait joined ID N [SECONDS] | wait finished ID [SECONDS] | wait recorded ID [SECONDS]");
      co_return true;
    }
    const std::string what = (*words)[1];
    auto id = id_at(2);
    const std::size_t seconds_at = what == "joined" ? 4 : 3;
    if (!id || (what == "joined" && n < 4) || n > seconds_at + 1 ||
        (what != "joined" && what != "finished" && what != "recorded")) {
      usage("wait joined ID N [SECONDS] | wait finished ID [SECONDS] | wait recorded ID [SECONDS]");
      co_return true;
    }
    std::chrono::milliseconds timeout = s->options.wait_timeout;
    if (n == seconds_at + 1) {
      auto seconds = parse_seconds((*words)[seconds_at]);
      if (!seconds) {
        s->out.answer(command, std::unexpected(seconds.error()), "");
        co_return true;
      }
      timeout = *seconds;
    }
    bool done = false;
    const AuctionId auction_id = *id;
    if (what == "joined") {
      auto count = parse_count((*words)[3], "N");
      if (!count) {
        s->out.answer(command, std::unexpected(count.error()), "");
        co_return true;
      }
      const std::uint64_t wanted = *count;
      market::SellerRuntime& runtime = runtime_;
      done = co_await async_wait_until(
          [&runtime, auction_id, wanted]() -> asio::awaitable<bool> {
            auto view = co_await runtime.async_show(auction_id);
            co_return view && view->contains("buyers") && (*view)["buyers"].is_array() &&
                (*view)["buyers"].size() >= wanted;
          },
          s->options.platform_poll, timeout);
    } else {
      const std::set<AuctionId>& seen = what == "finished" ? s->finished : s->delivered;
      done = co_await async_wait_until([&seen, auction_id] { return seen.contains(auction_id); },
                                       std::chrono::milliseconds(10), timeout);
    }
    const std::string text = "wait " + what + " " + std::to_string(auction_id.value);
    s->out.answer(command,
                  done ? Result<json>(json{{"auction_id", auction_id.value}, {"waited", what}})
                       : fail(code::timeout, text + ": timed out"),
                  text + ": done");
  } else {
    s->out.answer(command,
                  fail(code::unknown_command, "no command \"" + command + "\" (try help)"), "");
  }
  co_return true;
}

}  // namespace auction::console

// The buyer's command interpreter; see auction/console/buyer_console.hpp.

// g++ 12 wrongly reports Asio's coroutine frames (class-specific operator new/delete) as
// mismatched allocations once they are inlined into a long coroutine (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include "auction/console/buyer_console.hpp"

#include <map>
#include <set>
#include <utility>

#include "auction/base/money.hpp"
#include "console/console_output.hpp"
#include "console/console_text.hpp"

namespace auction::console {

namespace asio = boost::asio;
namespace buyer_event = market::buyer_event;
using nlohmann::json;
using namespace detail;

struct BuyerConsole::State {
  ConsoleOutput out;
  ConsoleOptions options;
  std::string username;
  std::set<AuctionId> paused;        // paused now
  std::set<AuctionId> seller_back;   // the seller came back (since the last pause)
  std::map<AuctionId, std::string> last_answer;  // the last withdraw answer printed

  void on_event(AuctionId id, const market::BuyerEvent& e) {
    const std::string prefix = "auction " + std::to_string(id.value) + ": ";
    if (const auto* p = std::get_if<buyer_event::PriceChanged>(&e)) {
      out.event({{"event", "round"}, {"auction_id", id.value}, {"round_id", p->round_id},
                 {"price", p->price.value}},
                prefix + "round " + std::to_string(p->round_id) + ", price " +
                    format_cents(p->price));
    } else if (const auto* w = std::get_if<buyer_event::BuyerWithdrew>(&e)) {
      const std::string who = w->username == username ? "you (" + username + ")" : w->username;
      out.event({{"event", "withdrew"}, {"auction_id", id.value}, {"username", w->username},
                 {"reason", reason_name(w->status)}, {"round_id", w->round_id}},
                prefix + who + " withdrew (" + reason_text(w->status) + ") in round " +
                    std::to_string(w->round_id));
    } else if (const auto* p = std::get_if<buyer_event::Paused>(&e)) {
      paused.insert(id);
      seller_back.erase(id);
      json j = {{"event", "paused"}, {"auction_id", id.value}};
      if (p->round_id) j["round_id"] = *p->round_id;
      out.event(j, prefix + "paused: no word from the seller" +
                       (p->round_id ? " since round " + std::to_string(*p->round_id)
                                    : std::string()));
    } else if (const auto* r = std::get_if<buyer_event::Resumed>(&e)) {
      paused.erase(id);
      out.event({{"event", "resumed"}, {"auction_id", id.value}, {"round_id", r->round_id}},
                prefix + "resumed at round " + std::to_string(r->round_id));
    } else if (const auto* b = std::get_if<buyer_event::SellerBack>(&e)) {
      seller_back.insert(id);
      out.event({{"event", "seller_back"}, {"auction_id", id.value}, {"seller", b->seller},
                 {"address", b->address}},
                prefix + "seller " + b->seller + " is back, at " + b->address);
    } else if (const auto* f = std::get_if<buyer_event::Finished>(&e)) {
      paused.erase(id);
      const market::FinishRecord& rec = f->record;
      json j = {{"event", "finished"}, {"auction_id", id.value}, {"round_id", rec.round_id},
                {"price", rec.price.value}, {"winner", rec.winner ? json(*rec.winner) : json()},
                {"you_won", f->is_winner}};
      out.event(j, prefix + "finished in round " + std::to_string(rec.round_id) + ": " +
                       (rec.winner ? *rec.winner + " wins at " + format_cents(rec.price) +
                                         (f->is_winner ? " (you won)" : " (you did not win)")
                                   : std::string("unsold")));
    }
  }

  void on_withdraw_answered(AuctionId id, const market::WithdrawAnswered& answered) {
    const std::string text = answered.outcome ? std::string(to_string(*answered.outcome))
                                              : error_text(answered.outcome.error());
    // BuyerAuction asks again while an announcement still lists this buyer: say each answer
    // once.
    if (last_answer[id] == text) return;
    last_answer[id] = text;
    json j = {{"event", "withdraw_answer"}, {"auction_id", id.value},
              {"reason", to_string(answered.reason)}};
    if (answered.outcome) {
      j["outcome"] = to_string(*answered.outcome);
    } else {
      j["error"] = {{"code", answered.outcome.error().code},
                    {"message", answered.outcome.error().message}};
    }
    out.event(j, "auction " + std::to_string(id.value) + ": the seller answered your withdrawal (" +
                     std::string(to_string(answered.reason)) + "): " + text);
  }
};

BuyerConsole::BuyerConsole(market::BuyerRuntime& runtime, PrintLine print, ConsoleOptions options)
    : runtime_(runtime), state_(std::make_shared<State>()) {
  state_->out = ConsoleOutput{std::move(print), options.json};
  state_->options = options;
  state_->username = runtime.username();
  std::weak_ptr<State> weak = state_;
  market::BuyerObserver observer;
  observer.on_event = [weak](AuctionId id, const market::BuyerEvent& e) {
    if (auto s = weak.lock()) s->on_event(id, e);
  };
  observer.on_withdraw_answered = [weak](AuctionId id, const market::WithdrawAnswered& a) {
    if (auto s = weak.lock()) s->on_withdraw_answered(id, a);
  };
  runtime_.set_observer(std::move(observer));
}

BuyerConsole::~BuyerConsole() { runtime_.set_observer({}); }

asio::awaitable<void> BuyerConsole::async_on_ready() { co_return; }

const char* BuyerConsole::help_text() {
  return "commands (money as 12.50):\n"
         "  list                     every auction\n"
         "  show ID                  one auction\n"
         "  join ID                  join an auction before it starts\n"
         "  leave ID                 leave an auction before it starts\n"
         "  withdraw ID              leave a running auction (for good)\n"
         "  max ID|all PRICE|none    withdraw automatically once the price passes PRICE\n"
         "  wait auction ID [SECONDS]    until the auction exists\n"
         "  wait round ID N [SECONDS]    until round N (or later) was announced\n"
         "  wait finished ID [SECONDS]   until the auction finished\n"
         "  wait paused ID [SECONDS]     until the seller went silent\n"
         "  wait back ID [SECONDS]       until the seller came back\n"
         "  help, quit";
}

asio::awaitable<bool> BuyerConsole::async_execute(std::string line) {
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

  if (command == "help") {
    s->out.print(help_text());
  } else if (command == "quit" || command == "exit") {
    co_return false;
  } else if (command == "list") {
    auto list = co_await runtime_.async_list();
    if (!list) {
      s->out.answer(command, std::unexpected(list.error()), "");
    } else if (s->options.json) {
      s->out.answer(command, json{{"auctions", *list}}, "");
    } else {
      if (list->empty()) s->out.print("no auctions yet");
      for (const json& view : *list) s->out.print(describe_auction(view));
    }
  } else if (command == "show" || command == "join" || command == "leave" || command == "withdraw") {
    if (n != 2) {
      usage((command + " ID").c_str());
      co_return true;
    }
    auto id = parse_auction_id((*words)[1]);
    if (!id) {
      s->out.answer(command, std::unexpected(id.error()), "");
      co_return true;
    }
    const std::string which = "auction " + std::to_string(id->value);
    const json ok_json = {{"auction_id", id->value}};
    if (command == "show") {
      auto view = co_await runtime_.async_show(*id);
      s->out.answer(command, view, view ? describe_auction(*view) : "");
    } else if (command == "join") {
      auto ok = co_await runtime_.async_join(*id);
      s->out.answer(command, ok ? Result<json>(ok_json) : std::unexpected(ok.error()),
                    "joined " + which);
    } else if (command == "leave") {
      auto ok = co_await runtime_.async_leave(*id);
      s->out.answer(command, ok ? Result<json>(ok_json) : std::unexpected(ok.error()),
                    "left " + which);
    } else {
      auto ok = runtime_.withdraw(*id);
      s->out.answer(command, ok ? Result<json>(ok_json) : std::unexpected(ok.error()),
                    "asked the seller to let you out of " + which);
    }
  } else if (command == "max") {
    if (n != 3) {
      usage("max ID|all PRICE|none");
      co_return true;
    }
    std::optional<AuctionId> id;
    if ((*words)[1] != "all") {
      auto parsed = parse_auction_id((*words)[1]);
      if (!parsed) {
        s->out.answer(command, std::unexpected(parsed.error()), "");
        co_return true;
      }
      id = *parsed;
    }
    std::optional<Cents> price;
    if ((*words)[2] != "none") {
      auto parsed = parse_cents((*words)[2]);
      if (!parsed) {
        s->out.answer(command, std::unexpected(parsed.error()), "");
        co_return true;
      }
      price = *parsed;
    }
    runtime_.set_max_price(id, price);
    const std::string scope = id ? "auction " + std::to_string(id->value) : "every auction";
    s->out.answer(command, json{{"max_price", price ? json(price->value) : json()}},
                  price ? "max price for " + scope + ": " + format_cents(*price)
                        : "no max price for " + scope);
  } else if (command == "wait") {
    static constexpr const char* wait_usage =
        "wait auction|finished|paused|back ID [SECONDS] | wait round ID N [SECONDS]";
    if (n < 3) {
      usage(wait_usage);
      co_return true;
    }
    const std::string what = (*words)[1];
    const bool known = what == "auction" || what == "round" || what == "finished" ||
                       what == "paused" || what == "back";
    const std::size_t seconds_at = what == "round" ? 4 : 3;
    auto id = parse_auction_id((*words)[2]);
    if (!known || !id || (what == "round" && n < 4) || n > seconds_at + 1) {
      usage(wait_usage);
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
    const AuctionId auction_id = *id;
    const market::BuyerPeer& peer = runtime_.peer();
    bool done = false;
    if (what == "auction") {
      market::BuyerRuntime& runtime = runtime_;
      done = co_await async_wait_until(
          [&runtime, auction_id]() -> asio::awaitable<bool> {
            co_return (co_await runtime.async_show(auction_id)).has_value();
          },
          s->options.platform_poll, timeout);
    } else if (what == "round") {
      auto round = parse_count((*words)[3], "N");
      if (!round) {
        s->out.answer(command, std::unexpected(round.error()), "");
        co_return true;
      }
      const RoundId wanted = *round;
      done = co_await async_wait_until(
          [&peer, auction_id, wanted] {
            const market::BuyerAuction* a = peer.find(auction_id);
            return a && (a->is_finished() || (a->round_id() && *a->round_id() >= wanted));
          },
          std::chrono::milliseconds(10), timeout);
    } else if (what == "finished") {
      done = co_await async_wait_until(
          [&peer, auction_id] {
            const market::BuyerAuction* a = peer.find(auction_id);
            return a && a->is_finished();
          },
          std::chrono::milliseconds(10), timeout);
    } else {
      const std::set<AuctionId>& seen = what == "paused" ? s->paused : s->seller_back;
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

// The buyer's command interpreter; see auction/console/buyer_console.hpp.
#include "auction/console/buyer_console.hpp"

#include <map>
#include <set>
#include <utility>

#include "auction/base/money.hpp"
#include "console/command_line.hpp"
#include "console/console_output.hpp"
#include "console/console_text.hpp"

namespace auction::console {

namespace asio = boost::asio;
namespace buyer_event = market::buyer_event;
using nlohmann::json;
using namespace detail;

struct BuyerConsole::State : ConsoleState {
  using ConsoleState::ConsoleState;

  std::string username;
  std::set<AuctionId> paused;                    // paused now
  std::set<AuctionId> seller_back;               // the seller came back (since the last pause)
  std::map<AuctionId, std::string> last_answer;  // the last withdraw answer printed

  // `auction`: the engine of auction `id` as the event left it (null if no longer watched).
  void on_event(AuctionId id, const market::BuyerEvent& e, const market::BuyerAuction* auction) {
    const std::string prefix = "auction " + std::to_string(id.value) + ": ";
    if (const auto* p = std::get_if<buyer_event::PriceChanged>(&e)) {
      json j = {{"event", "round"},
                {"auction_id", id.value},
                {"round_id", p->round_id},
                {"price", p->price.value}};
      std::string text =
          prefix + "round " + std::to_string(p->round_id) + ", price " + format_cents(p->price);
      if (auction != nullptr) {
        // How many are still in, and when the price moves next (a round lasts one period).
        const std::size_t in = auction->active_count();
        const market::BuyerConfig& config = auction->config();
        const auto next = auction->prices().price_at(p->round_id + 1);
        j["active_count"] = in;
        j["buyer_count"] = auction->buyers().size();
        j["next_in_ms"] = config.period_ms;
        text += "; " + std::to_string(in) + " of " + std::to_string(auction->buyers().size()) +
                " still in";
        if (next) {
          j["next_price"] = next->value;
          text += "; next price " + format_cents(*next) + " in " + format_period(config.period_ms);
        }
      }
      out.event(j, text);
    } else if (const auto* w = std::get_if<buyer_event::BuyerWithdrew>(&e)) {
      const std::string who =
          w->username == username ? "you (" + shown(username) + ")" : shown(w->username);
      // The seller's round number: the seller prints the same one for the same event.
      out.event({{"event", "withdrew"},
                 {"auction_id", id.value},
                 {"username", w->username},
                 {"reason", reason_name(w->status)},
                 {"round_id", w->round_id},
                 {"is_exact", w->is_exact}},
                prefix + who + " withdrew (" + reason_text(w->status) + ") " +
                    (w->is_exact ? "in" : "by") + " round " + std::to_string(w->round_id));
    } else if (const auto* p = std::get_if<buyer_event::Paused>(&e)) {
      paused.insert(id);
      seller_back.erase(id);
      json j = {{"event", "paused"}, {"auction_id", id.value}};
      if (p->round_id) j["round_id"] = *p->round_id;
      out.event(j,
                prefix + "paused: no word from the seller" +
                    (p->round_id ? " since round " + std::to_string(*p->round_id) : std::string()));
    } else if (const auto* r = std::get_if<buyer_event::Resumed>(&e)) {
      paused.erase(id);
      out.event({{"event", "resumed"}, {"auction_id", id.value}, {"round_id", r->round_id}},
                prefix + "resumed at round " + std::to_string(r->round_id));
    } else if (const auto* b = std::get_if<buyer_event::SellerBack>(&e)) {
      seller_back.insert(id);
      out.event({{"event", "seller_back"},
                 {"auction_id", id.value},
                 {"seller", b->seller},
                 {"address", b->address}},
                prefix + "seller " + shown(b->seller) + " is back, at " + shown(b->address));
    } else if (const auto* f = std::get_if<buyer_event::Finished>(&e)) {
      paused.erase(id);
      const market::FinishRecord& rec = f->record;
      json j = {{"event", "finished"},
                {"auction_id", id.value},
                {"round_id", rec.round_id},
                {"price", rec.price.value},
                {"winner", rec.winner ? json(*rec.winner) : json()},
                {"you_won", f->is_winner},
                {"reserve_not_met", rec.reserve_not_met()}};
      out.event(j, prefix + "finished in round " + std::to_string(rec.round_id) + ": " +
                       (rec.winner ? shown(*rec.winner) + " wins at " + format_cents(rec.price) +
                                         (f->is_winner ? " (you won)" : " (you did not win)")
                                   : unsold_text(rec)));
    }
  }

  void on_withdraw_answered(AuctionId id, const market::WithdrawAnswered& answered,
                            const market::BuyerAuction* auction) {
    const std::string text = answered.outcome ? withdraw_outcome_text(*answered.outcome)
                                              : plain_error_text(answered.outcome.error());
    // BuyerAuction asks again while an announcement still lists this buyer: say each answer
    // once.
    if (last_answer[id] == text) return;
    last_answer[id] = text;
    json j = {{"event", "withdraw_answer"},
              {"auction_id", id.value},
              {"reason", to_string(answered.reason)}};
    if (answered.outcome) {
      j["outcome"] = to_string(*answered.outcome);
    } else {
      j["error"] = {{"code", answered.outcome.error().code},
                    {"message", answered.outcome.error().message}};
    }
    std::string why = "you asked to leave";
    if (answered.reason == market::WithdrawReason::max_price) {
      j["price"] = answered.price.value;
      why = "the price " + format_cents(answered.price) + " passed your max price";
      if (auction != nullptr && auction->config().max_price) {
        j["max_price"] = auction->config().max_price->value;
        why += " " + format_cents(*auction->config().max_price);
      }
    }
    out.event(j, "auction " + std::to_string(id.value) + ": " + why +
                     "; the seller answered your withdrawal: " + text);
  }
};

namespace {

// The `status` command's answer: each auction this program takes part in, with its round,
// price, how many are still in, whether this buyer is, and its max price.
std::pair<json, std::string> buyer_status(const market::BuyerRuntime& runtime) {
  const market::BuyerPeer& peer = runtime.peer();
  json auctions = json::array();
  std::string text;
  for (const AuctionId id : peer.watched()) {
    const market::BuyerAuction* a = peer.find(id);
    if (a == nullptr) continue;
    const std::size_t in = a->active_count();
    const std::optional<Cents> max = a->config().max_price;
    const char* state = a->is_finished() ? "finished"
                        : a->is_paused() ? "paused"
                        : a->round_id()  ? "running"
                                         : "waiting for the first round";
    json j = {{"auction_id", id.value},
              {"state", state},
              {"you_are_in", a->is_active()},
              {"active_count", in},
              {"buyer_count", a->buyers().size()}};
    std::string line = "auction " + std::to_string(id.value) + ": " + state;
    if (a->round_id()) {
      j["round_id"] = *a->round_id();
      j["price"] = a->price().value;
      line += ", round " + std::to_string(*a->round_id()) + " at " + format_cents(a->price());
    }
    line += "; " + std::to_string(in) + " of " + std::to_string(a->buyers().size()) +
            " still in; you are " + (a->is_active() ? "in" : "out");
    if (max) {
      j["max_price"] = max->value;
      line += "; your max " + format_cents(*max);
    }
    auctions.push_back(std::move(j));
    text += (text.empty() ? "" : "\n") + line;
  }
  const std::optional<Cents> default_max = peer.options().max_price;
  if (text.empty()) {
    text = "no auction of yours has started (`list mine` shows those you joined)";
  }
  if (default_max) text += "\nyour max for every auction: " + format_cents(*default_max);
  json result = {{"auctions", std::move(auctions)}};
  result["max_price"] = default_max ? json(default_max->value) : json();
  return {std::move(result), text};
}

// Waits for what a `wait` line asks; false when its timeout passed first.
asio::awaitable<bool> async_wait_for(market::BuyerRuntime& runtime, const BuyerConsole::State& s,
                                     const WaitRequest& wait) {
  const AuctionId auction_id = wait.auction_id;
  const market::BuyerPeer& peer = runtime.peer();
  bool done = false;
  if (wait.what == "auction") {
    done = co_await async_wait_until(
        [&runtime, auction_id]() -> asio::awaitable<bool> {
          co_return (co_await runtime.async_show(auction_id, false)).has_value();
        },
        s.options.platform_poll, wait.timeout);
  } else if (wait.what == "round") {
    const RoundId wanted = wait.count;
    done = co_await async_wait_until(
        [&peer, auction_id, wanted] {
          const market::BuyerAuction* a = peer.find(auction_id);
          return a && (a->is_finished() || (a->round_id() && *a->round_id() >= wanted));
        },
        local_poll, wait.timeout);
  } else if (wait.what == "finished") {
    done = co_await async_wait_until(
        [&peer, auction_id] {
          const market::BuyerAuction* a = peer.find(auction_id);
          return a && a->is_finished();
        },
        local_poll, wait.timeout);
  } else {
    const std::set<AuctionId>& seen = wait.what == "paused" ? s.paused : s.seller_back;
    done = co_await async_wait_until_seen(seen, auction_id, wait.timeout);
  }
  co_return done;
}

// Runs one of the buyer's own commands; false when there is no such command.
asio::awaitable<bool> async_run(market::BuyerRuntime& runtime, const BuyerConsole::State& s,
                                const CommandLine& line) {
  const std::string& command = line.command();
  if (command == "list") {
    const auto request = read_list(line);
    if (!request) co_return true;
    const auto list = co_await runtime.async_list(*request);
    answer_auction_list(line, *request, list, describe_auction);
  } else if (command == "verify") {
    const auto id = line.only_auction_id();
    if (!id) co_return true;
    auto report = co_await runtime.async_verify(*id);
    line.answer(report, report ? describe_verified(*report) : "");
  } else if (command == "show" || command == "join" || command == "leave" ||
             command == "withdraw") {
    const auto id = line.only_auction_id();
    if (!id) co_return true;
    const std::string which = "auction " + std::to_string(id->value);
    const json ok_json = {{"auction_id", id->value}};
    if (command == "show") {
      auto view = co_await runtime.async_show(*id);
      line.answer(view, view ? describe_auction_in_full(*view) : "");
    } else if (command == "join") {
      const auto joined = co_await runtime.async_join(*id);
      line.answer(joined, ok_json, "joined " + which);
    } else if (command == "leave") {
      const auto left = co_await runtime.async_leave(*id);
      line.answer(left, ok_json, "left " + which);
    } else {
      line.answer(runtime.withdraw(*id), ok_json, "asked the seller to let you out of " + which);
    }
  } else if (command == "status") {
    if (line.size() != 1) {
      line.answer_usage("status");
      co_return true;
    }
    const std::pair<json, std::string> answer = buyer_status(runtime);
    line.answer(Result<json>(answer.first), answer.second);
  } else if (command == "max") {
    if (line.size() != 3) {
      line.answer_usage("max ID|all PRICE|none");
      co_return true;
    }
    std::optional<AuctionId> id;  // none: every auction
    if (line.word(1) != "all") {
      id = line.take(parse_auction_id(line.word(1)));
      if (!id) co_return true;
    }
    std::optional<Cents> price;  // none: no max price
    if (line.word(2) != "none") {
      price = line.take(parse_cents(line.word(2)));
      if (!price) co_return true;
    }
    const auto set = runtime.set_max_price(id, price);
    const std::string scope = id ? "auction " + std::to_string(id->value) : "every auction";
    line.answer(set, json{{"max_price", price ? json(price->value) : json()}},
                price ? "max price for " + scope + ": " + format_cents(*price)
                      : "no max price for " + scope);
  } else if (command == "wait") {
    const auto wait =
        read_wait(line, {"auction", "round", "finished", "paused", "back"}, "round",
                  "wait auction|finished|paused|back ID [SECONDS] | wait round ID N [SECONDS]",
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

BuyerConsole::BuyerConsole(market::BuyerRuntime& runtime, PrintLine print, ConsoleOptions options)
    : runtime_(runtime), state_(std::make_shared<State>(std::move(print), options)) {
  state_->username = runtime.username();
  std::weak_ptr<State> weak = state_;
  market::BuyerObserver observer;
  // The runtime outlives this console (the destructor takes the observer back).
  observer.on_event = [weak, &runtime](AuctionId id, const market::BuyerEvent& e) {
    if (auto s = weak.lock()) s->on_event(id, e, runtime.peer().find(id));
  };
  observer.on_withdraw_answered = [weak, &runtime](AuctionId id,
                                                   const market::WithdrawAnswered& a) {
    if (auto s = weak.lock()) s->on_withdraw_answered(id, a, runtime.peer().find(id));
  };
  runtime_.set_observer(std::move(observer));
}

BuyerConsole::~BuyerConsole() { runtime_.set_observer({}); }

asio::awaitable<bool> BuyerConsole::async_execute(std::string text) {
  return async_execute_with(state_->out, std::move(text));
}

asio::awaitable<bool> BuyerConsole::async_execute(std::string text, PrintLine answers_to) {
  const ConsoleOutput page = answers_only_to(std::move(answers_to));
  co_return co_await async_execute_with(page, std::move(text));
}

asio::awaitable<bool> BuyerConsole::async_execute_with(const ConsoleOutput& out, std::string text) {
  auto s = state_;  // keeps `out` alive when it is the state's own
  // Named, not a temporary of the co_await below: g++ 12 may destroy such a temporary twice.
  const CommandRunner run = [this, s](const CommandLine& line) {
    return async_run(runtime_, *s, line);
  };
  co_return co_await async_execute_line(out, text, help_text(), run);
}

asio::awaitable<void> BuyerConsole::async_on_ready() { co_return; }

std::string BuyerConsole::leaving_warning() const {
  std::vector<AuctionId> in;
  for (const AuctionId id : runtime_.peer().watched()) {
    const market::BuyerAuction* auction = runtime_.peer().find(id);
    if (auction != nullptr && auction->is_active() && !auction->is_finished() &&
        !auction->wants_out()) {
      in.push_back(id);
    }
  }
  if (in.empty()) return {};
  return "you are still in " + auctions_text(in) +
         ": if you leave, you miss the next round and are out for silence (`withdraw ID` "
         "leaves by request)";
}

void BuyerConsole::on_platform_event(const platform::WatchEvent& event,
                                     std::string_view my_address) {
  if (event.kind == platform::WatchEventKind::user_logged_in && event.username && event.address &&
      *event.username != state_->username) {
    runtime_.on_user_logged_in(*event.username, *event.address);
  }
  print_platform_event(state_->out, event, state_->username, my_address);
}

void BuyerConsole::on_platform_reachable(bool reachable, const Error* why) {
  print_platform_reachable(state_->out, reachable, why, "");
}

void BuyerConsole::on_platform_missed() {
  runtime_.refresh_seller_addresses();  // a seller's new login may be among what was missed
  print_platform_missed(state_->out);
}

const char* BuyerConsole::help_text() {
  return "commands (money as 12.50):\n"
         "  list [mine] [after ID]   a page of auctions (mine: those you joined)\n"
         "  show ID                  one auction, with its buyers when you joined it\n"
         "  verify ID                check a finished auction's result from its transcript\n"
         "  join ID                  join an auction before it starts\n"
         "  leave ID                 leave an auction before it starts\n"
         "  withdraw ID              leave a running auction (for good)\n"
         "  max ID|all PRICE|none    withdraw automatically once the price passes PRICE\n"
         "  status                   the auctions you take part in: round, price, who is in\n"
         "  wait auction ID [SECONDS]    until the auction exists\n"
         "  wait round ID N [SECONDS]    until round N (or later) was announced\n"
         "  wait finished ID [SECONDS]   until the auction finished\n"
         "  wait paused ID [SECONDS]     until the seller went silent\n"
         "  wait back ID [SECONDS]       until the seller came back\n"
         "  help, quit";
}

}  // namespace auction::console

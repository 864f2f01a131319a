// Tests of the watch: the events the state machine makes, who may see them, the history a
// replica keeps of them, and their codec.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "auction/platform/answers.hpp"
#include "harness.hpp"
#include "platform/watch_history.hpp"

namespace {

using namespace auction::platform;
using namespace auction::test;

// The event the last applied entry made; fails the test when it made none.
WatchEvent last_event(const Harness& h) {
  const auto& event = h.sm.event_of_last_entry();
  REQUIRE(event.has_value());
  CHECK(event->revision == h.last_index());
  return *event;
}

WatchEvent event_of(std::uint64_t revision, WatchEventKind kind, std::uint64_t id = 1) {
  WatchEvent e;
  e.revision = revision;
  e.kind = kind;
  e.auction_id = auction::AuctionId{id};
  return e;
}

const WatchHistory::Filter everything = [](const WatchEvent& e) {
  return std::optional<WatchEvent>(e);
};

std::vector<std::uint64_t> revisions(const std::vector<WatchEvent>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) out.push_back(e.revision);
  return out;
}

}  // namespace

TEST_CASE("watch: every change users follow makes one event with its entry's index",
          "[platform][watch]") {
  Harness h;
  h.login("alice", "127.0.0.1:7001");
  WatchEvent e = last_event(h);
  CHECK(e.kind == WatchEventKind::user_logged_in);
  CHECK(e.username == "alice");
  CHECK(e.address == "127.0.0.1:7001");
  CHECK_FALSE(e.auction_id.has_value());

  h.login("bob");
  const auto id = h.create("alice");
  e = last_event(h);
  CHECK(e.kind == WatchEventKind::auction_created);
  REQUIRE(e.auction.has_value());
  CHECK(e.auction->seller == "alice");
  CHECK(e.auction->role == Role::none);
  CHECK(e.auction->item_description == "a brass lamp");
  CHECK_FALSE(e.progress.has_value());

  h.join("bob", id);
  e = last_event(h);
  CHECK(e.kind == WatchEventKind::buyer_joined);
  CHECK(e.username == "bob");
  REQUIRE(e.progress.has_value());
  CHECK(e.progress->buyer_count == 1);

  // A repeated join changes nothing: no event.
  h.join("bob", id);
  CHECK_FALSE(h.sm.event_of_last_entry().has_value());
  // Nor does a refusal.
  CHECK(h.error({{"op", "start_auction"}, {"seller", "bob"}, {"auction_id", id}}) == "not_owner");
  CHECK_FALSE(h.sm.event_of_last_entry().has_value());

  h.start("alice", id);
  CHECK(last_event(h).kind == WatchEventKind::auction_started);

  h.ok(update(id, 3, 1300));
  e = last_event(h);
  CHECK(e.kind == WatchEventKind::round_pushed);
  CHECK(e.progress->round_id == 3);
  CHECK(e.progress->current_price.value == 1300);
  CHECK(e.progress->active_count == 1);
  // An overtaken push changes nothing.
  h.ok(update(id, 2, 1200));
  CHECK_FALSE(h.sm.event_of_last_entry().has_value());

  h.ok(finish(id, "bob", 1300, 3));
  e = last_event(h);
  CHECK(e.kind == WatchEventKind::auction_finished);
  REQUIRE(e.outcome.has_value());
  CHECK(e.outcome->winner == "bob");
  CHECK(e.outcome->price.value == 1300);

  const auto other = h.create("alice");
  h.join("bob", other);
  h.ok({{"op", "quit_auction"}, {"username", "bob"}, {"auction_id", other}});
  e = last_event(h);
  CHECK(e.kind == WatchEventKind::buyer_left);
  CHECK(e.progress->buyer_count == 0);
  h.ok({{"op", "cancel_auction"}, {"seller", "alice"}, {"auction_id", other}});
  CHECK(last_event(h).kind == WatchEventKind::auction_cancelled);
}

TEST_CASE("watch: a retry answered from the session makes no second event", "[platform][watch]") {
  Harness h;
  h.login("alice");
  h.login("bob");
  const auto id = h.create("alice");
  json join = {{"op", "join_auction"},
               {"username", "bob"},
               {"auction_id", id},
               {"client_id", "c1"},
               {"seq", 1}};
  h.ok(join);
  CHECK(h.sm.event_of_last_entry().has_value());
  h.ok(join);
  CHECK_FALSE(h.sm.event_of_last_entry().has_value());
}

TEST_CASE("watch: participants see the progress, everyone else only what views show",
          "[platform][watch]") {
  Harness h;
  const auto id = h.with_created_auction();  // alice sells; bob, carol joined; dave looks on
  const WatchEvent created = event_of(5, WatchEventKind::auction_created, id);
  h.join("dave", id);
  const WatchEvent joined = last_event(h);
  h.ok({{"op", "quit_auction"}, {"username", "dave"}, {"auction_id", id}});
  const WatchEvent left = last_event(h);
  h.start("alice", id);
  const WatchEvent started = last_event(h);
  h.ok(update(id, 1, 1100));
  const WatchEvent round = last_event(h);

  for (const char* participant : {"alice", "bob", "carol"}) {
    INFO(participant);
    for (const WatchEvent& e : {joined, left, started, round}) {
      const auto seen = h.sm.as_seen_by(e, participant);
      REQUIRE(seen.has_value());
      CHECK(seen->progress.has_value());
      CHECK(seen->role == (std::string(participant) == "alice" ? Role::seller : Role::buyer));
    }
  }
  // dave takes no part now: no joins, quits or rounds, but its own quit; the start without
  // the clock.
  CHECK_FALSE(h.sm.as_seen_by(joined, "dave").has_value());
  CHECK_FALSE(h.sm.as_seen_by(round, "dave").has_value());
  const auto own_quit = h.sm.as_seen_by(left, "dave");
  REQUIRE(own_quit.has_value());
  CHECK_FALSE(own_quit->progress.has_value());
  const auto start_seen = h.sm.as_seen_by(started, "dave");
  REQUIRE(start_seen.has_value());
  CHECK_FALSE(start_seen->progress.has_value());
  CHECK(start_seen->role == Role::none);
  CHECK(h.sm.as_seen_by(created, "dave").has_value());
  // A stranger who is no user at all sees what anyone sees.
  CHECK(h.sm.as_seen_by(started, "nobody").has_value());
  CHECK_FALSE(h.sm.as_seen_by(round, "nobody").has_value());
}

TEST_CASE("watch: a login is seen by its counterparts in a running auction: the seller, its buyers",
          "[platform][watch]") {
  Harness h;
  const auto id = h.with_created_auction();
  h.login("alice", "127.0.0.1:9999");
  const WatchEvent login = last_event(h);
  CHECK(h.sm.as_seen_by(login, "bob").has_value());
  CHECK(h.sm.as_seen_by(login, "carol").has_value());
  // A buyer's login reaches the seller, never another buyer (only the seller may know where
  // its buyers answer).
  h.login("bob", "127.0.0.1:8888");
  const WatchEvent buyer_login = last_event(h);
  CHECK(h.sm.as_seen_by(buyer_login, "alice").has_value());
  CHECK_FALSE(h.sm.as_seen_by(buyer_login, "carol").has_value());
  CHECK_FALSE(h.sm.as_seen_by(login, "dave").has_value());  // shares none
  // Its own: another program may have logged in with its key.
  CHECK(h.sm.as_seen_by(login, "alice").has_value());
  h.start("alice", id);
  CHECK(h.sm.as_seen_by(login, "bob").has_value());
  h.ok(finish(id, "bob", 1000, 0));
  CHECK_FALSE(h.sm.as_seen_by(login, "bob").has_value());  // over: nothing to tell
}

TEST_CASE("watch: the history gives each event once, in order, from any revision it holds",
          "[platform][watch]") {
  WatchHistory history;
  history.on_applied(1, event_of(1, WatchEventKind::auction_created));
  history.on_applied(2, std::nullopt);
  history.on_applied(3, event_of(3, WatchEventKind::buyer_joined));
  history.on_applied(4, event_of(4, WatchEventKind::buyer_joined));
  CHECK(history.revision() == 4);
  CHECK(history.oldest() == 0);

  auto page = history.read(0, 100, 100, everything);
  CHECK(revisions(page.events) == std::vector<std::uint64_t>{1, 3, 4});
  CHECK(page.revision == 4);
  page = history.read(1, 100, 100, everything);
  CHECK(revisions(page.events) == std::vector<std::uint64_t>{3, 4});
  // A full page ends at its last event; the next read goes on from there.
  page = history.read(0, 2, 100, everything);
  CHECK(revisions(page.events) == std::vector<std::uint64_t>{1, 3});
  CHECK(page.revision == 3);
  CHECK(revisions(history.read(page.revision, 2, 100, everything).events) ==
        std::vector<std::uint64_t>{4});
  // What the filter hides still moves the revision on.
  const WatchHistory::Filter nothing = [](const WatchEvent&) {
    return std::optional<WatchEvent>();
  };
  page = history.read(0, 100, 100, nothing);
  CHECK(page.events.empty());
  CHECK(page.revision == 4);
  // A scan cut short says how far it looked.
  page = history.read(0, 100, 2, nothing);
  CHECK(page.revision == 3);
  // A watcher that got further on another replica keeps its place.
  CHECK(history.read(9, 100, 100, everything).revision == 9);
}

TEST_CASE("watch: the history drops its oldest events at its bounds, and all at a snapshot",
          "[platform][watch]") {
  WatchHistory history(WatchHistory::Bounds{3, std::size_t{1} << 20});
  for (std::uint64_t r = 1; r <= 5; ++r) {
    history.on_applied(r, event_of(r, WatchEventKind::buyer_joined));
  }
  CHECK(history.event_count() == 3);
  CHECK(history.oldest() == 2);  // the events after 2 are kept
  CHECK(revisions(history.read(2, 100, 100, everything).events) ==
        std::vector<std::uint64_t>{3, 4, 5});

  WatchHistory small(WatchHistory::Bounds{100, 1});
  small.on_applied(1, event_of(1, WatchEventKind::buyer_joined));
  CHECK(small.event_count() == 0);
  CHECK(small.oldest() == 1);

  history.restart_at(40);
  CHECK(history.event_count() == 0);
  CHECK(history.oldest() == 40);
  CHECK(history.revision() == 40);
  history.on_applied(41, event_of(41, WatchEventKind::auction_started));
  CHECK(revisions(history.read(40, 100, 100, everything).events) == std::vector<std::uint64_t>{41});
}

TEST_CASE("watch: a page of events travels and reads back the same", "[platform][watch]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.ok(finish(id, nullptr, 1000, 0));
  WatchPage page;
  page.revision = h.last_index();
  page.events.push_back(last_event(h));
  h.login("alice", "127.0.0.1:9999");
  page.events.push_back(last_event(h));
  const json encoded = encode_answer(page);
  CHECK(encoded.at("events").at(0).at("kind") == "auction_finished");
  CHECK(encoded.at("events").at(0).at("outcome").at("winner").is_null());
  CHECK_FALSE(encoded.at("events").at(1).contains("auction_id"));
  const auto decoded = decode_answer<WatchPage>(encoded);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == page);

  json bad = encoded;
  bad["events"][0]["kind"] = "auction_exploded";
  CHECK(decode_answer<WatchPage>(bad).error().code == "bad_response");
}

TEST_CASE("watch: a request is checked like every read", "[platform][watch]") {
  const auto decode = [](const json& fields) {
    json request = fields;
    request["op"] = "watch";
    return decode_request(request);
  };
  auto ok = decode({{"username", "bob"}, {"after", 7}, {"wait_ms", 1000}});
  REQUIRE(ok.has_value());
  const auto& watch = std::get<Watch>(ok->command);
  CHECK(watch.after == 7u);
  CHECK(watch.limit == limits::watch_page_max);
  CHECK(decode({{"username", "bob"}})->command == Command(Watch{"bob", std::nullopt, 100, 0}));
  CHECK(decode({{"username", "bob"}, {"wait_ms", 30'001}}).error().code == "invalid_argument");
  CHECK(decode({{"username", "bob"}, {"limit", 0}}).error().code == "invalid_argument");
  CHECK(decode({{"username", "bob"}, {"after", -1}}).error().code == "invalid_argument");
  CHECK(decode({{"username", "bob"}, {"after", "1"}}).error().code == "bad_request");
  CHECK(decode({{"username", "bob"}, {"after", 1}, {"extra", 1}}).error().code == "bad_request");
  CHECK(is_read("watch"));
  // The state machine never answers one: a replica does, from its history.
  Harness h;
  CHECK(h.query_error({{"op", "watch"}, {"username", "bob"}}) == "bad_request");
}

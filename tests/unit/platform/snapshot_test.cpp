// Tests of determinism, digests, and the snapshot round trip and its validation.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using namespace auction::platform;
using namespace auction::test;

// A seeded stream of plausible and implausible commands over a few users and auctions,
// sessions included. Biased so that alice mostly sells and bob and carol mostly buy: every
// op succeeds often enough, and fails in most of its ways too.
std::vector<std::string> command_stream(std::uint32_t seed, int count) {
  std::mt19937 rng(seed);
  const auto pick = [&rng](int n) {
    return static_cast<int>(rng() % static_cast<std::uint32_t>(n));
  };
  const std::vector<std::string> users{"alice", "bob", "carol", "dave"};
  const auto seller = [&] {
    return pick(4) == 0 ? users[static_cast<std::size_t>(pick(4))] : users[0];
  };
  const auto buyer = [&] {
    return users[static_cast<std::size_t>(pick(8) < 7 ? 1 + pick(2) : pick(4))];
  };
  std::vector<std::string> out;
  std::uint64_t seq = 0;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t id = static_cast<std::uint64_t>(pick(6) + 1);
    const std::uint64_t round = static_cast<std::uint64_t>(pick(5));
    const std::int64_t price = 100 + static_cast<std::int64_t>(round) * 10 - pick(2) * 5;
    json c;
    switch (pick(11)) {
      case 0:
        c = {{"op", "login"},
             {"username", users[static_cast<std::size_t>(pick(4))]},
             {"address", "h:" + std::to_string(pick(9) + 1)},
             {"public_key", Harness::key_of(users[static_cast<std::size_t>(pick(4))])}};
        break;
      case 1:
        c = {{"op", "create_auction"}, {"seller", seller()},      {"auction_name", "n"},
             {"item_name", "i"},       {"item_description", "d"}, {"base_price", 100},
             {"increment", 10},        {"period_ms", 50}};
        break;
      case 2:
      case 3: c = {{"op", "join_auction"}, {"username", buyer()}, {"auction_id", id}}; break;
      case 4: c = {{"op", "quit_auction"}, {"username", buyer()}, {"auction_id", id}}; break;
      case 5: c = {{"op", "start_auction"}, {"seller", seller()}, {"auction_id", id}}; break;
      case 6: {
        // Now and then a link that withdraws a buyer, pushed from index 0 or 1 (some extend
        // the chain held, some leave a gap or withdraw someone twice: refused alike).
        const json links =
            pick(3) == 0 ? json::array({silent_link(round, {buyer()})}) : json::array();
        c = update(id, round, price, links, static_cast<std::uint64_t>(pick(2)), seller());
        break;
      }
      case 7: {
        const json links =
            pick(2) == 0 ? json::array({silent_link(round, {"carol"})}) : json::array();
        c = finish(id, pick(4) == 0 ? json(nullptr) : json("bob"), price, round, links,
                   static_cast<std::uint64_t>(pick(2)), seller());
        break;
      }
      case 8: c = {{"op", "cancel_auction"}, {"seller", seller()}, {"auction_id", id}}; break;
      case 9: c = {{"op", "fetch_auctions"}, {"username", buyer()}}; break;
      default: out.push_back(std::string("{\"op\":") + std::to_string(pick(100)) + "}"); continue;
    }
    if (pick(3) == 0) {
      c["client_id"] = "client-" + std::to_string(pick(3));
      c["seq"] = pick(4) == 0 ? std::uint64_t{1} : ++seq;  // retries, restarts, gaps, stale
    }
    out.push_back(c.dump());
  }
  return out;
}

}  // namespace

TEST_CASE("platform: replicas fed the same log agree on every answer and the digest",
          "[platform]") {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    const auto log = command_stream(seed, 400);
    StateMachine a;
    StateMachine b;
    std::uint64_t index = 0;
    for (const auto& entry : log) {
      index += 1 + index % 3;  // no-op entries leave gaps in what the machine sees
      REQUIRE(a.apply(auction::raft::LogIndex{index}, entry) ==
              b.apply(auction::raft::LogIndex{index}, entry));
    }
    CHECK(a.digest() == b.digest());
    CHECK(a.snapshot() == b.snapshot());
  }
}

TEST_CASE("platform: the digest tells different states apart", "[platform]") {
  Harness a;
  Harness b;
  a.login("bob", "h:1");
  b.login("bob", "h:2");
  CHECK(a.sm.digest() != b.sm.digest());
  CHECK(a.sm.digest().size() == 16);
}

TEST_CASE("platform: a snapshot restores to an equal state that carries on identically",
          "[platform]") {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    INFO("seed " << seed);
    const auto log = command_stream(seed, 600);
    StateMachine original;
    std::uint64_t index = 0;
    for (std::size_t i = 0; i < 300; ++i) original.apply(auction::raft::LogIndex{++index}, log[i]);

    auto restored = StateMachine::restore(json::parse(original.snapshot().dump()));
    REQUIRE(restored.has_value());
    CHECK(restored->digest() == original.digest());
    CHECK(restored->snapshot() == original.snapshot());
    CHECK(restored->applied_index() == original.applied_index());

    for (std::size_t i = 300; i < log.size(); ++i) {
      ++index;
      REQUIRE(original.apply(auction::raft::LogIndex{index}, log[i]) ==
              restored->apply(auction::raft::LogIndex{index}, log[i]));
    }
    CHECK(restored->digest() == original.digest());
  }
}

TEST_CASE("platform: the snapshot keeps sessions, so a retry after restore is replayed",
          "[platform]") {
  Harness h;
  h.login("alice");
  json create = {
      {"op", "create_auction"}, {"seller", "alice"}, {"auction_name", "a"}, {"item_name", "b"},
      {"item_description", ""}, {"base_price", 1},   {"increment", 1},      {"period_ms", 100},
      {"client_id", "c"},       {"seq", 1}};
  const std::string first = h.apply_bytes(create.dump());
  auto restored = StateMachine::restore(h.sm.snapshot());
  REQUIRE(restored.has_value());
  CHECK(restored->apply(auction::raft::LogIndex{h.last_index() + 1}, create.dump()) == first);
  CHECK(restored->snapshot().at("auctions").size() == 1);
}

TEST_CASE("platform: restore refuses a snapshot that breaks the rules", "[platform]") {
  Harness h;
  const auto id = h.with_started_auction();
  h.apply({{"op", "join_auction"},
           {"username", "bob"},
           {"auction_id", id},
           {"client_id", "c"},
           {"seq", 1}});
  const json good = h.sm.snapshot();
  REQUIRE(StateMachine::restore(good).has_value());

  const auto broken = [&good](auto&& edit) {
    json s = good;
    edit(s);
    const auto r = StateMachine::restore(s);
    return r ? std::string("restored") : r.error().code;
  };
  CHECK(broken([](json& s) { s = json::array(); }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["format"] = 2; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s.erase("users"); }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["extra"] = 1; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["users"][0]["address"] = "nowhere"; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["users"].push_back(s["users"][0]); }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["users"].erase(1); }) == "bad_snapshot");  // bob, a buyer
  CHECK(broken([](json& s) { s["users"].erase(0); }) == "bad_snapshot");  // alice, the seller
  CHECK(broken([](json& s) { s["next_auction_id"] = 1; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["auctions"].push_back(s["auctions"][0]); }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["auctions"][0]["stage"] = "paused"; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["auctions"][0]["base_price"] = -1; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["auctions"][0]["current_price"] = 5; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["auctions"][0]["winner"] = "bob"; }) == "bad_snapshot");
  CHECK(broken([](json& s) {
          s["auctions"][0]["buyers"].push_back({{"username", "alice"}, {"active", true}});
        }) == "bad_snapshot");
  // The buyers' statuses are the chain's: inactive exactly when a link withdraws them.
  CHECK(broken([](json& s) { s["auctions"][0]["buyers"][0]["active"] = false; }) == "bad_snapshot");
  CHECK(broken([](json& s) {
          s["auctions"][0]["links"] = json::array({silent_link(1, {"bob"})});
        }) == "bad_snapshot");
  CHECK(
      broken([](json& s) {
        s["auctions"][0]["buyers"][0]["active"] = false;
        s["auctions"][0]["links"] = json::array({silent_link(1, {"bob"}), silent_link(2, {"bob"})});
      }) == "bad_snapshot");
  CHECK(broken([](json& s) {
          s["auctions"][0]["buyers"][0]["active"] = false;
          s["auctions"][0]["links"] = json::array({silent_link(1, {"bob"})});
        }) == "restored");
  // The keys the auction took at its start: usernames and lowercase hex keys only.
  REQUIRE(good["auctions"][0]["keys"].contains("alice"));
  CHECK(broken([](json& s) { s["auctions"][0]["keys"]["alice"] = std::string(64, 'A'); }) ==
        "bad_snapshot");
  CHECK(broken([](json& s) { s["auctions"][0]["keys"]["al ice"] = std::string(64, 'a'); }) ==
        "bad_snapshot");
  CHECK(broken([](json& s) { s["auctions"][0]["keys"]["alice"] = 1; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["sessions"][0]["last_used_index"] = 999999; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["sessions"][0]["last_seq"] = 0; }) == "bad_snapshot");
  CHECK(broken([](json& s) { s["sessions"].push_back(s["sessions"][0]); }) == "bad_snapshot");
}

TEST_CASE(
    "platform: the binary snapshot restores to an equal state that carries on identically, "
    "and JSON snapshots of before still restore",
    "[platform]") {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    INFO("seed " << seed);
    const auto log = command_stream(seed, 600);
    StateMachine original;
    std::uint64_t index = 0;
    for (std::size_t i = 0; i < 300; ++i) original.apply(auction::raft::LogIndex{++index}, log[i]);

    const std::string bytes = original.snapshot_bytes();
    CHECK(bytes.front() == '\x02');
    CHECK(bytes.size() < original.snapshot().dump().size());
    auto restored = StateMachine::restore_bytes(bytes);
    REQUIRE(restored.has_value());
    CHECK(restored->snapshot() == original.snapshot());
    CHECK(restored->snapshot_bytes() == bytes);
    CHECK(restored->digest() == original.digest());
    auto from_json = StateMachine::restore_bytes(original.snapshot().dump());
    REQUIRE(from_json.has_value());
    CHECK(from_json->snapshot_bytes() == bytes);

    for (std::size_t i = 300; i < log.size(); ++i) {
      ++index;
      REQUIRE(original.apply(auction::raft::LogIndex{index}, log[i]) ==
              restored->apply(auction::raft::LogIndex{index}, log[i]));
    }
    CHECK(restored->digest() == original.digest());
  }
}

TEST_CASE(
    "platform: a damaged binary snapshot is refused as bad_snapshot, never half-loaded: every "
    "truncation, bytes left over, any byte changed",
    "[platform]") {
  const auto log = command_stream(7, 300);
  StateMachine original;
  std::uint64_t index = 0;
  for (const auto& entry : log) original.apply(auction::raft::LogIndex{++index}, entry);
  const std::string bytes = original.snapshot_bytes();
  REQUIRE(bytes.size() > 100);
  for (std::size_t size = 1; size < bytes.size(); ++size) {
    INFO(size);
    auto cut = StateMachine::restore_bytes(std::string_view(bytes).substr(0, size));
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error().code == "bad_snapshot");
  }
  auto longer = StateMachine::restore_bytes(bytes + '\0');
  REQUIRE_FALSE(longer.has_value());
  CHECK(longer.error().code == "bad_snapshot");
  // A JSON snapshot that nests without end is refused before the parser sees it.
  auto deep = StateMachine::restore_bytes(std::string(100'000, '[') + std::string(100'000, ']'));
  REQUIRE_FALSE(deep.has_value());
  CHECK(deep.error().code == "bad_snapshot");
  CHECK(deep.error().message.find("nests too deep") != std::string::npos);
  // A changed byte is refused, or (a value still within every rule) restores a whole state,
  // one that snapshots and restores again: nothing is taken in half.
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::string changed = bytes;
    const std::size_t at = 1 + rng() % (bytes.size() - 1);
    changed[at] = static_cast<char>(changed[at] ^ (1 + rng() % 255));
    auto restored = StateMachine::restore_bytes(changed);
    if (restored) {
      auto again = StateMachine::restore_bytes(restored->snapshot_bytes());
      REQUIRE(again.has_value());
      CHECK(again->digest() == restored->digest());
    } else {
      CHECK(restored.error().code == "bad_snapshot");
    }
  }
  // The checks of the JSON form hold too: a user listed twice.
  StateMachine two;
  two.apply(auction::raft::LogIndex{1}, json{{"op", "login"},
                                             {"username", "bob"},
                                             {"address", "h:1"},
                                             {"public_key", Harness::key_of("bob")}}
                                            .dump());
  std::string twice = two.snapshot_bytes();
  // applied 1, next id 1, one user: "bob", "h:1", its key; then no auctions, no sessions.
  const std::string user = twice.substr(4, 1 + 3 + 1 + 3 + 32);
  twice[3] = '\x02';
  twice.insert(4 + user.size(), user);
  auto refused = StateMachine::restore_bytes(twice);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "users[]: bob twice");

  // An auction's key listed twice under one name (the JSON form cannot say it).
  Harness h;
  h.with_started_auction();
  std::string keys_twice = h.sm.snapshot_bytes();
  const std::string alice_key =
      "\x05"
      "alice"
      "\x40" +
      Harness::key_of("alice");
  const std::size_t at = keys_twice.rfind(alice_key);
  REQUIRE(at != std::string::npos);
  // The count of keys (one byte: a small varint) comes right before alice's, the first.
  const char keys = keys_twice[at - 1];
  REQUIRE(keys >= 1);
  REQUIRE(keys < 0x7f);
  keys_twice[at - 1] = static_cast<char>(keys + 1);
  keys_twice.insert(at, alice_key);
  auto refused_keys = StateMachine::restore_bytes(keys_twice);
  REQUIRE_FALSE(refused_keys.has_value());
  CHECK(refused_keys.error().message == "keys: a username twice");
}

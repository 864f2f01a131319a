// Every op and every error of docs/platform.md against a real 3-replica cluster, spoken both
// as raw JSON lines (what `nc` sends) and through platform::Client; and exactly-once retries
// of a write whose answer was lost. Every replica is stopped by pid when a test ends.
#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "integration/cluster.hpp"
#include "support/signed_results.hpp"
#include "support/test_keys.hpp"

namespace {

using namespace std::chrono_literals;
using auction::test::acting_user_of;
using auction::test::Cluster;
using auction::test::cluster_wait_max;
using auction::test::LineConnection;
using auction::test::PlatformUser;
using nlohmann::json;

// One answer, however it travelled: ok with a result, or an error code.
struct Answer {
  bool ok = false;
  json result;
  std::string code;
};

using Call = std::function<Answer(const std::string& op, json fields)>;

// Raw lines to `port`, the way a person at `nc` talks to the leader: one connection per user,
// which proves that user's test key first (prove_user), and one for requests that act for
// no user. A login without a public_key gets the user's test key.
class RawCaller {
 public:
  RawCaller(std::uint16_t port, std::string cluster_id)
      : port_(port), cluster_id_(std::move(cluster_id)) {}

  // Sends `line` on the connection of the user it acts for and returns the reply.
  json ask_line(const std::string& line) {
    json request = json::parse(line);
    const std::string op = request.value("op", "");
    const std::string user = acting_user_of(op, request);
    if (op == "login" && !user.empty() && !request.contains("public_key")) {
      request["public_key"] = auction::test::test_public_key(user);
    }
    LineConnection& connection = connection_of(user);
    REQUIRE(connection.send(request.dump() + "\n"));
    auto reply = connection.read_line(cluster_wait_max);
    REQUIRE(reply.has_value());
    return json::parse(*reply);
  }

  Answer operator()(const std::string& op, json fields) {
    fields["id"] = ++id_;
    fields["op"] = op;
    const json reply = ask_line(fields.dump());
    INFO(reply.dump());
    REQUIRE(reply["id"] == id_);
    if (reply["ok"] == true) return Answer{true, reply["result"], ""};
    return Answer{false, nullptr, reply["error"]["code"].get<std::string>()};
  }

 private:
  LineConnection& connection_of(const std::string& user) {
    auto& connection = connections_[user];
    if (!connection) {
      connection = LineConnection::connect(port_, cluster_wait_max);
      REQUIRE(connection != nullptr);
      if (!user.empty()) auction::test::prove_user(*connection, cluster_id_, user);
    }
    return *connection;
  }

  std::uint16_t port_;
  std::string cluster_id_;
  std::map<std::string, std::unique_ptr<LineConnection>> connections_;
  std::int64_t id_ = 0;
};

Answer through_client(PlatformUser& user, const std::string& op, json fields) {
  auto result = user.call(op, std::move(fields));
  if (result) return Answer{true, *result, ""};
  INFO(result.error().message);
  CHECK(result.error().code != "unavailable");
  return Answer{false, nullptr, result.error().code};
}

json ok(const Call& call, const std::string& op, json fields) {
  const Answer answer = call(op, fields);
  INFO(op << " " << fields.dump() << " -> " << answer.code);
  REQUIRE(answer.ok);
  return answer.result;
}

void refused(const Call& call, const std::string& op, json fields, const std::string& code) {
  const Answer answer = call(op, fields);
  INFO(op << " " << fields.dump());
  CHECK_FALSE(answer.ok);
  CHECK(answer.code == code);
}

// Walks every op of the platform and every error its users can meet, with usernames that
// start with `p` so that two walks can share one cluster.
void walk_every_op(const Call& call, const std::string& p, const std::string& cluster_id) {
  const std::string alice = p + "alice", bob = p + "bob", carol = p + "carol", dave = p + "dave";

  // login, get_user_address
  CHECK(ok(call, "login", {{"username", alice}, {"address", "127.0.0.1:7001"}})["created"] == true);
  CHECK(ok(call, "login", {{"username", alice}, {"address", "127.0.0.1:7011"}})["created"] ==
        false);
  refused(call, "login", {{"username", "no spaces"}, {"address", "127.0.0.1:1"}},
          "invalid_argument");
  refused(call, "login", {{"username", alice}}, "bad_request");
  refused(call, "login", {{"username", alice}, {"address", 7001}}, "bad_request");
  refused(call, "get_user_address", {{"username", bob}}, "unknown_user");
  for (const auto& [name, port] : {std::pair{bob, 7002}, {carol, 7003}, {dave, 7004}}) {
    ok(call, "login", {{"username", name}, {"address", "127.0.0.1:" + std::to_string(port)}});
  }
  CHECK(ok(call, "get_user_address", {{"username", alice}})["address"] == "127.0.0.1:7011");
  refused(call, "fly", json::object(), "unknown_op");

  // create_auction
  const json lamp{{"seller", alice},     {"auction_name", "spring sale"},
                  {"item_name", "lamp"}, {"item_description", "a brass lamp"},
                  {"base_price", 1000},  {"increment", 100},
                  {"period_ms", 1000}};
  const std::uint64_t a = ok(call, "create_auction", lamp)["auction_id"];
  json stranger = lamp;
  stranger["seller"] = p + "nobody";
  refused(call, "create_auction", stranger, "unknown_user");
  json negative = lamp;
  negative["base_price"] = -1;
  refused(call, "create_auction", negative, "invalid_argument");

  // join_auction / quit_auction
  CHECK(ok(call, "join_auction", {{"username", bob}, {"auction_id", a}})["already_joined"] ==
        false);
  CHECK(ok(call, "join_auction", {{"username", bob}, {"auction_id", a}})["already_joined"] == true);
  refused(call, "join_auction", {{"username", alice}, {"auction_id", a}}, "invalid_argument");
  refused(call, "join_auction", {{"username", bob}, {"auction_id", 999'999}}, "unknown_auction");
  refused(call, "quit_auction", {{"username", carol}, {"auction_id", a}}, "not_joined");
  ok(call, "join_auction", {{"username", carol}, {"auction_id", a}});
  ok(call, "join_auction", {{"username", dave}, {"auction_id", a}});
  CHECK(ok(call, "quit_auction", {{"username", dave}, {"auction_id", a}})["auction_id"] == a);

  // cancel_auction, start_auction
  const std::uint64_t b = ok(call, "create_auction", lamp)["auction_id"];
  CHECK(b > a);
  refused(call, "start_auction", {{"seller", alice}, {"auction_id", b}}, "no_buyers");
  CHECK(ok(call, "cancel_auction", {{"seller", alice}, {"auction_id", b}})["stage"] == "cancelled");
  refused(call, "cancel_auction", {{"seller", alice}, {"auction_id", b}}, "wrong_stage");
  refused(call, "start_auction", {{"seller", bob}, {"auction_id", a}}, "not_owner");
  const json started = ok(call, "start_auction", {{"seller", alice}, {"auction_id", a}});
  CHECK(started["auction"]["stage"] == "started");
  CHECK(started["auction"]["buyer_count"] == 2);
  CHECK_FALSE(started["auction"].contains("buyers"));
  refused(call, "join_auction", {{"username", dave}, {"auction_id", a}}, "wrong_stage");

  // fetch_buyers: the auction's buyers a page at a time; the seller sees their addresses.
  const json first_buyer =
      ok(call, "fetch_buyers", {{"username", alice}, {"auction_id", a}, {"limit", 1}});
  REQUIRE(first_buyer["buyers"].size() == 1);
  CHECK(first_buyer["buyers"][0]["username"] == bob);
  CHECK(first_buyer["buyers"][0]["address"] == "127.0.0.1:7002");
  CHECK(first_buyer["buyers"][0]["public_key"] == auction::test::test_public_key(bob));
  CHECK(first_buyer["more"] == true);
  const json next_buyer = ok(
      call, "fetch_buyers", {{"username", carol}, {"auction_id", a}, {"after", bob}, {"limit", 1}});
  REQUIRE(next_buyer["buyers"].size() == 1);
  CHECK(next_buyer["buyers"][0]["username"] == carol);
  CHECK_FALSE(next_buyer["buyers"][0].contains("address"));
  CHECK(next_buyer["more"] == false);
  refused(call, "fetch_buyers", {{"username", dave}, {"auction_id", a}}, "not_joined");
  refused(call, "fetch_buyers", {{"username", alice}, {"auction_id", a}, {"limit", 1001}},
          "invalid_argument");

  // update_auction: the round, the price, and the chain's links the platform lacks
  json update{{"seller", alice},       {"auction_id", a}, {"round_id", 2},
              {"current_price", 1200}, {"links_from", 0}, {"links", json::array()}};
  const json updated = ok(call, "update_auction", update);
  CHECK(updated["applied"] == true);
  CHECK(updated["link_count"] == 0);
  // Links that leave a gap after the ones held, that withdraw someone who did not join, or
  // whose withdrawal is not signed by its buyer are refused.
  const json silent_dave = {
      {"round_id", 2}, {"withdrawn", json::array({{{"username", dave}, {"reason", "silent"}}})}};
  json gap = update;
  gap["links_from"] = 1;
  gap["links"] = json::array({silent_dave});
  refused(call, "update_auction", gap, "transcript_invalid");
  json stranger_out = update;
  stranger_out["links"] = json::array({silent_dave});
  refused(call, "update_auction", stranger_out, "not_joined");
  json forged = update;
  forged["links"] = json::array(
      {{{"round_id", 2},
        {"withdrawn",
         json::array(
             {{{"username", carol},
               {"reason", "by_request"},
               {"proof",
                {{"round_id", 2}, {"price", 1200}, {"signature", std::string(128, '0')}}}}})}}});
  refused(call, "update_auction", forged, "bad_signature");
  json with_buyers = update;
  with_buyers["buyers"] = json::array();
  refused(call, "update_auction", with_buyers, "bad_request");  // statuses are the chain's
  update["round_id"] = 1;
  update["current_price"] = 1100;
  CHECK(ok(call, "update_auction", update)["applied"] == false);

  // fetch_auctions: what each user may see
  const json page{{"after_id", a - 1}, {"limit", 1}};
  json as_buyer = page;
  as_buyer["username"] = carol;
  const json seen_by_buyer = ok(call, "fetch_auctions", as_buyer);
  REQUIRE(seen_by_buyer["auctions"].size() == 1);
  CHECK(seen_by_buyer["auctions"][0]["role"] == "buyer");
  CHECK(seen_by_buyer["auctions"][0]["round_id"] == 2);
  CHECK(seen_by_buyer["auctions"][0]["buyer_count"] == 2);
  CHECK(seen_by_buyer["auctions"][0]["active_count"] == 2);
  CHECK(seen_by_buyer["more"] == true);
  // Only carol's own: auction b, cancelled, was never hers.
  const json mine = ok(call, "fetch_auctions", {{"username", carol}, {"mine", true}});
  REQUIRE(mine["auctions"].size() == 1);
  CHECK(mine["auctions"][0]["auction_id"] == a);
  CHECK(mine["more"] == false);
  json as_stranger = page;
  as_stranger["username"] = dave;
  const json seen_by_stranger = ok(call, "fetch_auctions", as_stranger);
  CHECK(seen_by_stranger["auctions"][0]["role"] == "none");
  CHECK_FALSE(seen_by_stranger["auctions"][0].contains("round_id"));
  as_stranger["limit"] = 0;
  refused(call, "fetch_auctions", as_stranger, "invalid_argument");
  refused(call, "fetch_auctions", {{"username", p + "nobody"}}, "unknown_user");

  // finish_auction: a result carries its chain and the seller's signature, and must be what
  // the chain ends with. carol leaves in round 3, so bob wins at 13.00.
  const auction::test::TestAuction auction{cluster_id, a, alice, 1000, 100, {bob, carol}};
  const json result = auction::test::signed_finish(auction, 3, {carol});
  json other_winner = result;
  other_winner["winner"] = bob;
  other_winner["price"] = 1200;
  other_winner["round_id"] = 2;
  refused(call, "finish_auction", other_winner, "transcript_invalid");
  json unsigned_withdrawal = result;
  unsigned_withdrawal["links"][0]["withdrawn"][0]["proof"]["signature"] = std::string(128, '0');
  refused(call, "finish_auction", unsigned_withdrawal, "bad_signature");
  json unproven = result;
  unproven["links"][0]["withdrawn"][0].erase("proof");
  refused(call, "finish_auction", unproven, "invalid_argument");
  json reseated = result;
  reseated["signature"] = auction::test::signed_finish(
      {cluster_id, a, alice, 1000, 100, {bob, carol}}, 4, {carol})["signature"];
  refused(call, "finish_auction", reseated, "bad_signature");
  // Signed in another cluster, or under another purpose: worth nothing here.
  refused(call, "finish_auction",
          auction::test::signed_finish({"another-cluster", a, alice, 1000, 100, {bob, carol}}, 3,
                                       {carol}),
          "bad_signature");
  json other_purpose = result;
  other_purpose["signature"] =
      auction::market::sign_statement(
          auction::market::PeerSigner{alice, auction::test::test_keys(alice), cluster_id},
          auction::identity::SigningPurpose::announcement,
          auction::market::finished_statement(
              auction::market::FinishRecord{
                  auction::AuctionId{a},
                  3,
                  bob,
                  auction::Cents{1300},
                  {{bob, auction::market::BuyerStatus::active},
                   {carol, auction::market::BuyerStatus::withdrawn_by_request}}},
              *auction::identity::sha256_digest_from_text(result["chain_head"].get<std::string>())))
          .to_text();
  refused(call, "finish_auction", other_purpose, "bad_signature");
  refused(call, "get_transcript", {{"username", dave}, {"auction_id", a}}, "not_joined");
  CHECK(ok(call, "finish_auction", result)["applied"] == true);
  const json again = ok(call, "finish_auction", result);
  CHECK(again["applied"] == false);
  CHECK(again["winner"] == bob);
  // get_transcript: the signed result and the counts, for the auction's own users; the
  // chain's links and the buyers' recorded keys are pages of their own.
  const json transcript = ok(call, "get_transcript", {{"username", carol}, {"auction_id", a}});
  CHECK(transcript["link_count"] == result["links"].size());
  CHECK(transcript["buyer_count"] == 2);
  CHECK_FALSE(transcript.contains("links"));
  const json links = ok(call, "fetch_links", {{"username", carol}, {"auction_id", a}});
  CHECK(links["links"] == result["links"]);
  CHECK(links["more"] == false);
  refused(call, "fetch_links", {{"username", carol}, {"auction_id", a}, {"from", 99}},
          "invalid_argument");
  CHECK(ok(call, "fetch_buyers", {{"username", bob}, {"auction_id", a}})["buyers"][1] ==
        json{{"username", carol},
             {"active", false},
             {"public_key", auction::test::test_public_key(carol)}});
  CHECK(transcript["chain_head"] == result["chain_head"]);
  CHECK(transcript["signature"] == result["signature"]);
  CHECK(transcript["winner"] == bob);
  CHECK(transcript["seller_key"] == auction::test::test_public_key(alice));
  refused(call, "update_auction", update, "wrong_stage");
  json as_finished = page;
  as_finished["username"] = dave;
  const json finished = ok(call, "fetch_auctions", as_finished)["auctions"][0];
  CHECK(finished["stage"] == "finished");
  CHECK(finished["winner"] == bob);
  CHECK(finished["price"] == 1300);
}

}  // namespace

TEST_CASE("integration: every platform op and error, by raw line and through the client",
          "[integration][platform]") {
  Cluster cluster(3, Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();
  const std::uint64_t leader = cluster.wait_for_leader();
  INFO(cluster.logs());

  SECTION("raw lines to the leader, and what only raw lines can reach") {
    RawCaller raw(cluster.client_port(leader), cluster.cluster_id());
    walk_every_op(std::ref(raw), "r_", cluster.cluster_id());

    // status, from every replica; not_leader from a follower
    for (std::uint64_t id = 1; id <= cluster.size(); ++id) {
      const json status = auction::test::ask(cluster.client_port(id), R"({"id":1,"op":"status"})");
      CHECK(status["result"]["id"] == id);
      CHECK(status["result"]["leader"] == leader);
    }
    const std::uint64_t follower = leader % cluster.size() + 1;
    const json redirect = auction::test::ask(
        cluster.client_port(follower), R"({"id":1,"op":"get_user_address","username":"r_bob"})");
    CHECK(redirect["error"]["code"] == "not_leader");
    CHECK(redirect["error"]["leader"]["address"] ==
          "127.0.0.1:" + std::to_string(cluster.client_port(leader)));

    // sessions: session_expired, then seq 1 begins one; stale_request; a replayed answer
    const std::string tagged = R"({"id":1,"op":"login","username":"r_sam","address":"h:1",)"
                               R"("client_id":"raw-session","seq":)";
    CHECK(raw.ask_line(tagged + "2}")["error"]["code"] == "session_expired");
    const json first = raw.ask_line(tagged + "1}");
    CHECK(first["ok"] == true);
    CHECK(raw.ask_line(tagged + "3}")["ok"] == true);
    CHECK(raw.ask_line(tagged + "2}")["error"]["code"] == "stale_request");
    CHECK(raw.ask_line(tagged + "3}")["result"]["created"] == false);

    // More buyers than the old bound of 100 join one auction; each buyer joins on its own
    // connection, which proves that buyer's key. (The bound itself, 10,000 buyers, is a unit
    // test of the state machine: platform/state_machine_test.cpp.)
    const std::uint64_t crowded = raw("create_auction", {{"seller", "r_alice"},
                                                         {"auction_name", "crowd"},
                                                         {"item_name", "bench"},
                                                         {"item_description", ""},
                                                         {"base_price", 0},
                                                         {"increment", 1},
                                                         {"period_ms", 100}})
                                      .result["auction_id"];
    for (int i = 0; i < 101; ++i) {
      const std::string buyer = "r_crowd" + std::to_string(100 + i);
      ok(std::ref(raw), "login", {{"username", buyer}, {"address", "127.0.0.1:9000"}});
      ok(std::ref(raw), "join_auction", {{"username", buyer}, {"auction_id", crowded}});
    }
    // Their pages, as the seller reads them: 100 and 1, every buyer once.
    const Answer page =
        raw("fetch_buyers", {{"username", "r_alice"}, {"auction_id", crowded}, {"limit", 100}});
    REQUIRE(page.ok);
    CHECK(page.result["buyers"].size() == 100);
    CHECK(page.result["more"] == true);
    const Answer rest = raw("fetch_buyers", {{"username", "r_alice"},
                                             {"auction_id", crowded},
                                             {"after", page.result["buyers"][99]["username"]}});
    REQUIRE(rest.ok);
    CHECK(rest.result["buyers"].size() == 1);
    CHECK(rest.result["buyers"][0]["username"] == "r_crowd200");
    CHECK(rest.result["more"] == false);
  }

  SECTION("through the client, which finds the leader itself") {
    PlatformUser user(cluster.client_options());
    walk_every_op([&](const std::string& op,
                      json fields) { return through_client(user, op, std::move(fields)); },
                  "c_", cluster.cluster_id());
    for (std::size_t i = 0; i < cluster.size(); ++i) {
      auto status = user.status(i);
      REQUIRE(status.has_value());
      CHECK((*status)["id"] == i + 1);
      CHECK((*status)["leader"] == leader);
    }
  }
  cluster.stop_all();
}

TEST_CASE("integration: a write retried after its answer was lost is applied exactly once",
          "[integration][platform]") {
  Cluster cluster(3, Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();
  const std::uint16_t port = cluster.client_port(cluster.wait_for_leader());
  INFO(cluster.logs());
  REQUIRE(auction::test::ask(
              port, R"({"id":1,"op":"login","username":"alice","address":"127.0.0.1:7001"})",
              cluster.cluster_id())["ok"] == true);
  const auto create = [](int seq) {
    return R"({"id":2,"op":"create_auction","seller":"alice","auction_name":"x",)"
           R"("item_name":"y","item_description":"","base_price":500,"increment":50,)"
           R"("period_ms":500,"client_id":"alice-7f3a","seq":)" +
           std::to_string(seq) + "}";
  };

  // The answer is read and thrown away, as if the network lost it; then the retry.
  {
    auto connection = LineConnection::connect(port, cluster_wait_max);
    REQUIRE(connection != nullptr);
    REQUIRE(connection->send(create(1) + "\n"));
    REQUIRE(connection->read_line(cluster_wait_max).has_value());
  }
  const json retried = auction::test::ask(port, create(1), cluster.cluster_id());
  INFO(retried.dump());
  REQUIRE(retried["ok"] == true);
  const json first_id = retried["result"]["auction_id"];

  // The connection closes before the answer could be read; the retry comes on a new one,
  // perhaps while the first copy is still being committed.
  {
    auto connection = LineConnection::connect(port, cluster_wait_max);
    REQUIRE(connection != nullptr);
    REQUIRE(connection->send(create(2) + "\n"));
  }
  const json second = auction::test::ask(port, create(2), cluster.cluster_id());
  INFO(second.dump());
  REQUIRE(second["ok"] == true);
  CHECK(second["result"]["auction_id"] != first_id);

  const json listed = auction::test::ask(
      port, R"({"id":3,"op":"fetch_auctions","username":"alice"})", cluster.cluster_id());
  INFO(listed.dump());
  REQUIRE(listed["result"]["auctions"].size() == 2);
  CHECK(listed["result"]["auctions"][0]["auction_id"] == first_id);
  CHECK(listed["result"]["auctions"][1]["auction_id"] == second["result"]["auction_id"]);
  cluster.stop_all();
}

TEST_CASE(
    "integration: creating an auction whose name holds a terminal escape is refused with the "
    "field and the character named, and changes nothing",
    "[integration][platform]") {
  Cluster cluster(1, Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();
  RawCaller raw(cluster.client_port(cluster.wait_for_leader()), cluster.cluster_id());
  INFO(cluster.logs());
  ok(std::ref(raw), "login", {{"username", "alice"}, {"address", "127.0.0.1:7001"}});
  const json clear_screen =
      raw.ask_line(R"({"id":1,"op":"create_auction","seller":"alice","auction_name":"x\u001b[2J",)"
                   R"("item_name":"lamp","item_description":"","base_price":100,"increment":10,)"
                   R"("period_ms":1000})");
  CHECK(clear_screen["ok"] == false);
  CHECK(clear_screen["error"]["code"] == "invalid_argument");
  CHECK(clear_screen["error"]["message"] ==
        "auction_name: must not hold U+001B (no control or bidirectional formatting characters)");
  const json fake_line =
      raw.ask_line(R"({"id":2,"op":"create_auction","seller":"alice","auction_name":"sale",)"
                   R"("item_name":"lamp","item_description":"a\nauction 1: finished, you won",)"
                   R"("base_price":100,"increment":10,"period_ms":1000})");
  CHECK(fake_line["error"]["code"] == "invalid_argument");
  CHECK(fake_line["error"]["message"].get<std::string>().starts_with(
      "item_description: must not hold U+000A"));
  CHECK(ok(std::ref(raw), "fetch_auctions", {{"username", "alice"}})["auctions"].empty());
}

TEST_CASE(
    "integration: a flood of writes the leader refuses leaves its log as it was and a "
    "session's retry of an applied write still gets its answer",
    "[integration][platform]") {
  Cluster cluster(3, Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();
  const std::uint64_t leader = cluster.wait_for_leader();
  const std::uint16_t port = cluster.client_port(leader);
  INFO(cluster.logs());
  RawCaller caller(port, cluster.cluster_id());
  const Call raw = [&caller](const std::string& op, json fields) {
    return caller(op, std::move(fields));
  };
  ok(raw, "login", {{"username", "alice"}, {"address", "127.0.0.1:7001"}});
  ok(raw, "login", {{"username", "bob"}, {"address", "127.0.0.1:7002"}});
  const json created = ok(raw, "create_auction",
                          {{"seller", "alice"},
                           {"auction_name", "x"},
                           {"item_name", "y"},
                           {"item_description", ""},
                           {"base_price", 500},
                           {"increment", 50},
                           {"period_ms", 500}});
  const std::uint64_t id = created["auction_id"].get<std::uint64_t>();
  ok(raw, "join_auction", {{"username", "bob"}, {"auction_id", id}});

  const auto last_index = [&](std::uint64_t replica) {
    const auto status = cluster.status(replica);
    REQUIRE(status.has_value());
    return (*status)["last_index"].get<std::uint64_t>();
  };
  const std::uint64_t before = last_index(leader);
  for (int i = 0; i < 1000; ++i) {
    refused(raw, "update_auction",
            {{"seller", "nobody" + std::to_string(i)},
             {"auction_id", id},
             {"round_id", 1},
             {"current_price", 550},
             {"links", json::array()}},
            "unknown_user");
  }
  refused(raw, "start_auction", {{"seller", "bob"}, {"auction_id", id}}, "not_owner");
  refused(raw, "quit_auction", {{"username", "alice"}, {"auction_id", id}}, "not_joined");
  refused(raw, "cancel_auction", {{"seller", "alice"}, {"auction_id", id + 1}}, "unknown_auction");
  CHECK(last_index(leader) == before);

  // The start's answer is lost with its connection, perhaps before it committed; its retry
  // (the same client_id and seq) gets the start's answer, although a fresh start of this
  // auction is refused from then on.
  const std::string start = R"({"id":9,"op":"start_auction","seller":"alice","auction_id":)" +
                            std::to_string(id) + R"(,"client_id":"alice-s","seq":1})";
  {
    auto connection = LineConnection::connect(port, cluster_wait_max);
    REQUIRE(connection != nullptr);
    REQUIRE(connection->send(start + "\n"));
  }
  const json retried = auction::test::ask(port, start, cluster.cluster_id());
  INFO(retried.dump());
  REQUIRE(retried["ok"] == true);
  CHECK(retried["result"]["auction"]["stage"] == "started");
  refused(raw, "start_auction", {{"seller", "alice"}, {"auction_id", id}}, "wrong_stage");
  cluster.stop_all();
}

TEST_CASE(
    "integration: with the default limits a socket flood and a registration flood from "
    "single sources leave other users served",
    "[integration][platform][limits]") {
  Cluster cluster(3, {.tick_ms = 10, .election_ticks = 20, .heartbeat_ticks = 2},
                  json::object(),               // the defaults of a real deployment
                  Cluster::ClientPort::plain);  // raw lines, as with nc
  cluster.start_all();
  const std::uint16_t port = cluster.client_port(cluster.wait_for_leader());
  INFO(cluster.logs());
  const std::string ping = R"({"id":1,"op":"ping"})"
                           "\n";

  // One source opens many more sockets than its share: it gets its share, and every
  // connection beyond it is told why it is closed.
  std::vector<std::unique_ptr<LineConnection>> held;
  int refused = 0;
  for (int i = 0; i < 100; ++i) {
    auto connection = LineConnection::connect(port, cluster_wait_max, "127.0.0.2");
    REQUIRE(connection != nullptr);
    REQUIRE(connection->send(ping));
    const auto line = connection->read_line(cluster_wait_max);
    REQUIRE(line.has_value());
    const json answer = json::parse(*line);
    if (answer["ok"] == true) {
      held.push_back(std::move(connection));
    } else {
      CHECK(answer["error"]["code"] == "too_many_connections");
      CHECK(connection->wait_closed(cluster_wait_max));
      ++refused;
    }
  }
  CHECK(held.size() == 64);
  CHECK(refused == 36);

  // Another source registers names as fast as it can: its burst, then rate_limited.
  auto flooder = LineConnection::connect(port, cluster_wait_max, "127.0.0.3");
  REQUIRE(flooder != nullptr);
  int registered = 0;
  json limited;
  const std::string cluster_id = cluster.cluster_id();
  for (int i = 0; i < 1000 && limited.is_null(); ++i) {
    // One connection proves one new name after another (the last proof counts).
    const std::string name = "flood" + std::to_string(i);
    auction::test::prove_user(*flooder, cluster_id, name);
    const json login{{"id", 2},
                     {"op", "login"},
                     {"username", name},
                     {"address", "127.0.0.1:9"},
                     {"public_key", auction::test::test_public_key(name)}};
    REQUIRE(flooder->send(login.dump() + "\n"));
    const auto line = flooder->read_line(cluster_wait_max);
    REQUIRE(line.has_value());
    const json answer = json::parse(*line);
    if (answer["ok"] == true) {
      ++registered;
    } else {
      limited = answer;
    }
  }
  INFO(limited.dump());
  REQUIRE_FALSE(limited.is_null());
  CHECK(limited["error"]["code"] == "rate_limited");
  CHECK(limited["error"]["retry_after_ms"].get<std::int64_t>() >= 1);
  CHECK(registered >= 100);  // the burst

  // Meanwhile a user elsewhere (127.0.0.1) registers and is served as usual.
  PlatformUser user(cluster.client_options());
  auto first_login = user.call("login", {{"username", "carol"}, {"address", "127.0.0.1:7003"}});
  REQUIRE(first_login.has_value());
  CHECK((*first_login)["created"] == true);
  auto where = user.call("get_user_address", {{"username", "carol"}});
  REQUIRE(where.has_value());
  CHECK((*where)["address"] == "127.0.0.1:7003");
  cluster.stop_all();
}

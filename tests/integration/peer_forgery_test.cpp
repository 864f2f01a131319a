// Peer messages from strangers, with real processes: three replicas, a seller and three
// buyers. While the auction runs, a stranger who knows every address sends the seller a
// withdrawal in a buyer's name, and sends the buyers a result, a seller_back and an
// announcement far ahead, each signed with a key of its own (the only thing it cannot have is
// the real user's key). Every one is refused with bad_signature, and the auction ends as if
// nothing had been sent: the buyer named in the forged withdrawal stays in and wins, the
// buyer with a max price leaves at its real price, and the real withdrawal still reaches the
// real seller.
#include <catch2/catch.hpp>

#include "auction/identity/sha256.hpp"
#include "auction/market/peer_signatures.hpp"
#include "integration/auction_cli.hpp"
#include "support/test_keys.hpp"

using namespace auction::test;
namespace market = auction::market;
namespace identity = auction::identity;
using auction::AuctionId;
using auction::Cents;
using auction::RoundId;

namespace {

std::uint16_t port_of(const std::string& address) {
  return static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

std::string address_of(PlatformUser& platform, const std::string& username) {
  auto found = platform.call("get_user_address", {{"username", username}});
  REQUIRE(found.has_value());
  return (*found)["address"].get<std::string>();
}

json request(const std::string& op, json body) {
  body["id"] = 1;
  body["op"] = op;
  return body;
}

void check_refused(const json& reply, const std::string& code) {
  INFO(reply.dump());
  REQUIRE(reply.contains("error"));
  CHECK(reply["error"]["code"] == code);
}

}  // namespace

TEST_CASE("auction: forged peer messages from a stranger are refused and change nothing",
          "[auction][integration][identity]") {
  Cluster cluster(3);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");

  AuctionCli alice("seller", cluster, "alice", {"--state-dir", state.path().string()});
  AuctionCli bob("buyer", cluster, "bob");
  AuctionCli carol("buyer", cluster, "carol", {"--max-price", "12.50"});
  AuctionCli dave("buyer", cluster, "dave");

  alice.ask("create lamp lamp 10.00 0.50 300", "created auction 1");
  for (AuctionCli* b : {&bob, &carol, &dave}) b->ask("join 1", "joined auction 1");
  alice.ask("start 1", "auction 1 started");
  bob.expect("auction 1: round 1, price 10.50");

  PlatformUser platform(cluster.client_options());
  const std::uint16_t seller_port = port_of(address_of(platform, "alice"));
  const std::uint16_t bob_port = port_of(address_of(platform, "bob"));
  const std::uint16_t carol_port = port_of(address_of(platform, "carol"));
  const std::uint16_t dave_port = port_of(address_of(platform, "dave"));

  // The stranger signs in this very cluster, with a key of its own.
  const market::PeerSigner mallory{"mallory", test_keys("mallory"), cluster.cluster_id()};
  const AuctionId auction_id{1};

  // 1. A withdrawal in bob's name, to the seller: unsigned, then signed by mallory.
  json withdraw = {{"auction_id", 1}, {"username", "bob"}, {"reason", "by_request"},
                   {"round_id", 1},   {"price", 1050},     {"signature", std::string(128, '0')}};
  check_refused(ask(seller_port, request("withdraw", withdraw).dump()), "bad_signature");
  withdraw["signature"] =
      market::sign_statement(
          mallory, identity::SigningPurpose::withdraw,
          market::withdraw_statement(auction_id, "bob", market::WithdrawReason::by_request, 1,
                                     Cents(1050)))
          .to_text();
  check_refused(ask(seller_port, request("withdraw", withdraw).dump()), "bad_signature");

  // 2. A result that makes mallory's friend dave the winner, to bob.
  market::SignedFinish finish{{auction_id,
                               2,
                               "dave",
                               Cents(1100),
                               {{"bob", market::BuyerStatus::withdrawn_by_request},
                                {"carol", market::BuyerStatus::withdrawn_silent},
                                {"dave", market::BuyerStatus::active}}},
                              {},
                              {}};
  finish.signature =
      market::sign_statement(mallory, identity::SigningPurpose::auction_finished,
                             market::finished_statement(finish.record, finish.chain_head));
  check_refused(ask(bob_port, request("auction_finished", market::encode(finish)).dump()),
                "bad_signature");

  // 3. A seller_back that would send dave's withdrawal to mallory's port.
  market::SellerBack back{auction_id, "alice", "127.0.0.1:9", 1, {}};
  back.signature = market::sign_statement(mallory, identity::SigningPurpose::seller_back,
                                          market::seller_back_statement(back));
  check_refused(ask(dave_port, request("seller_back", market::encode(back)).dump()),
                "bad_signature");

  // 4. An announcement of round 2^40 at 999,999.00, to carol, whose max price is 12.50.
  market::AnnouncePrice far{auction_id,
                            RoundId{1} << 40,
                            Cents(99'999'900),
                            {{"bob", market::BuyerStatus::active},
                             {"carol", market::BuyerStatus::active},
                             {"dave", market::BuyerStatus::active}},
                            false,
                            {},
                            {}};
  far.signature = market::sign_statement(mallory, identity::SigningPurpose::announcement,
                                         market::announcement_statement(far));
  check_refused(ask(carol_port, request("announce_price", market::encode(far)).dump()),
                "bad_signature");

  // The auction goes on as if nothing had been sent: dave's real withdrawal reaches alice,
  // carol leaves at her real max price, and bob, named in the forged withdrawal, wins.
  dave.ask("withdraw 1", "asked the seller to let you out of auction 1");
  dave.expect("you asked to leave; the seller answered your withdrawal: you are out");
  const std::string carol_out = alice.expect("carol withdrew (max price) in round ");
  const std::uint64_t last_round = round_in(carol_out);
  CHECK(last_round >= 6);
  const std::string result = "finished in round " + std::to_string(last_round) + ": bob wins at " +
                             dollars(1000 + 50 * static_cast<std::int64_t>(last_round));
  alice.expect("auction 1: " + result);
  bob.expect(result + " (you won)");
  dave.expect(result + " (you did not win)");
  alice.expect("auction 1: result recorded by the platform");
}

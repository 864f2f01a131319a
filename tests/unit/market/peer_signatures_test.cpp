// Tests of the signed peer statements (auction/market/peer_signatures.hpp): a signature
// verifies only for its key, purpose, cluster and statement; every field of every statement
// is covered; statements of different kinds never share bytes; buyer order does not matter
// where statuses are listed; and expand_compact rebuilds the full announcement the seller
// signed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "auction/market/peer_signatures.hpp"
#include "signed_chain_fixture.hpp"

using namespace auction;
using namespace auction::market;
using namespace auction::market::chain_test;
using identity::SigningPurpose;

namespace {

const std::vector<SigningPurpose> all_purposes = {
    SigningPurpose::connection_auth, SigningPurpose::announcement, SigningPurpose::ack,
    SigningPurpose::withdraw,        SigningPurpose::seller_back,  SigningPurpose::auction_finished,
    SigningPurpose::key_rotation};

identity::Sha256Digest digest_of(std::string_view text) { return identity::sha256(text); }

const std::vector<BuyerEntry> statuses = {{"amy", BuyerStatus::active},
                                          {"bob", BuyerStatus::withdrawn_silent},
                                          {"cat", BuyerStatus::withdrawn_max_price},
                                          {"dan", BuyerStatus::withdrawn_by_request}};

// `statement` signed by `signer_name` for `purpose`; then checks that every variant in
// `variants` is another statement on which the signature does not verify.
void check_every_field_counts(SigningPurpose purpose, const std::string& statement,
                              const std::vector<std::string>& variants) {
  const PeerSigner signer = signer_of("sam");
  const identity::Signature signature = sign_statement(signer, purpose, statement);
  const identity::PublicKey& key = signer.keys->public_key();
  REQUIRE(verify_statement(key, cluster, purpose, statement, signature));
  std::set<std::string> seen{statement};
  for (std::size_t i = 0; i < variants.size(); ++i) {
    INFO("variant " << i);
    CHECK(seen.insert(variants[i]).second);
    CHECK_FALSE(verify_statement(key, cluster, purpose, variants[i], signature));
  }
}

// The 4-byte big-endian length and the text: how every statement starts (with its kind).
std::string kind_prefix(std::string_view kind) {
  std::string p(4, '\0');
  p[2] = static_cast<char>((kind.size() >> 8) & 0xff);
  p[3] = static_cast<char>(kind.size() & 0xff);
  p += kind;
  return p;
}

AnnouncePrice full_announcement() {
  AnnouncePrice m;
  m.auction_id = the_auction;
  m.round_id = 4;
  m.price = price_of(4);
  m.buyers = statuses;
  m.chain_head = digest_of("head");
  m.signature =
      sign_statement(signer_of("sam"), SigningPurpose::announcement, announcement_statement(m));
  return m;
}

}  // namespace

TEST_CASE("market: a peer signature verifies only for its key purpose cluster and statement",
          "[market][signatures]") {
  const PeerSigner amy = signer_of("amy");
  const std::string statement =
      withdraw_statement(the_auction, "amy", WithdrawReason::by_request, 3, price_of(3));
  const identity::Signature signature = sign_statement(amy, SigningPurpose::withdraw, statement);
  const identity::PublicKey& key = amy.keys->public_key();

  CHECK(verify_statement(key, cluster, SigningPurpose::withdraw, statement, signature));
  // Deterministic (Ed25519), so the same key signs the same statement the same way.
  CHECK(sign_statement(amy, SigningPurpose::withdraw, statement) == signature);

  CHECK_FALSE(verify_statement(keys_of("bob")->public_key(), cluster, SigningPurpose::withdraw,
                               statement, signature));
  CHECK_FALSE(verify_statement(key, "cluster-b", SigningPurpose::withdraw, statement, signature));
  CHECK_FALSE(verify_statement(key, "cluster-a ", SigningPurpose::withdraw, statement, signature));
  CHECK_FALSE(verify_statement(key, "", SigningPurpose::withdraw, statement, signature));
  for (const SigningPurpose& purpose : all_purposes) {
    INFO("purpose " << purpose.tag());
    CHECK(verify_statement(key, cluster, purpose, statement, signature) ==
          (purpose == SigningPurpose::withdraw));
  }

  std::string flipped = statement;
  flipped.back() ^= 1;
  CHECK_FALSE(verify_statement(key, cluster, SigningPurpose::withdraw, flipped, signature));
  CHECK_FALSE(verify_statement(key, cluster, SigningPurpose::withdraw,
                               statement.substr(0, statement.size() - 1), signature));
  CHECK_FALSE(
      verify_statement(key, cluster, SigningPurpose::withdraw, statement + '\0', signature));
  identity::Signature damaged = signature;
  damaged.bytes[10] ^= 0x04;
  CHECK_FALSE(verify_statement(key, cluster, SigningPurpose::withdraw, statement, damaged));

  // Signed in another cluster: valid there, and only there.
  const identity::Signature elsewhere =
      sign_statement(signer_of("amy", "cluster-b"), SigningPurpose::withdraw, statement);
  CHECK(elsewhere != signature);
  CHECK(verify_statement(key, "cluster-b", SigningPurpose::withdraw, statement, elsewhere));
  CHECK_FALSE(verify_statement(key, cluster, SigningPurpose::withdraw, statement, elsewhere));
}

TEST_CASE("market: every field of an announcement statement is signed", "[market][signatures]") {
  const identity::Sha256Digest head = digest_of("head");
  auto statement = [&](AuctionId a, RoundId r, Cents p, std::vector<BuyerEntry> b,
                       identity::Sha256Digest h) { return announcement_statement(a, r, p, b, h); };
  const std::string base = statement(the_auction, 4, Cents(1400), statuses, head);

  auto with_status = [&](std::size_t i, BuyerStatus s) {
    std::vector<BuyerEntry> b = statuses;
    b[i].status = s;
    return b;
  };
  auto renamed = statuses;
  renamed[1].username = "bobby";
  auto fewer = statuses;
  fewer.pop_back();
  auto more = statuses;
  more.push_back({"eve", BuyerStatus::active});
  identity::Sha256Digest other_head = head;
  other_head.bytes[0] ^= 1;

  check_every_field_counts(
      SigningPurpose::announcement, base,
      {statement(AuctionId{8}, 4, Cents(1400), statuses, head),
       statement(the_auction, 5, Cents(1400), statuses, head),
       statement(the_auction, 4, Cents(1401), statuses, head),
       statement(the_auction, 4, Cents(1400), with_status(0, BuyerStatus::withdrawn_silent), head),
       statement(the_auction, 4, Cents(1400), with_status(1, BuyerStatus::active), head),
       statement(the_auction, 4, Cents(1400), with_status(2, BuyerStatus::withdrawn_by_request),
                 head),
       statement(the_auction, 4, Cents(1400), with_status(3, BuyerStatus::withdrawn_max_price),
                 head),
       statement(the_auction, 4, Cents(1400), renamed, head),
       statement(the_auction, 4, Cents(1400), fewer, head),
       statement(the_auction, 4, Cents(1400), more, head),
       statement(the_auction, 4, Cents(1400), {}, head),
       statement(the_auction, 4, Cents(1400), statuses, other_head)});

  // The message form signs the same bytes as the fields.
  AnnouncePrice m = full_announcement();
  CHECK(announcement_statement(m) ==
        announcement_statement(m.auction_id, m.round_id, m.price, m.buyers, m.chain_head));
  // The signature itself is not part of what is signed.
  const std::string before = announcement_statement(m);
  m.signature.bytes[0] ^= 1;
  CHECK(announcement_statement(m) == before);
}

TEST_CASE("market: every field of an ack statement is signed", "[market][signatures]") {
  const identity::Sha256Digest acked =
      identity::sha256(announcement_statement(full_announcement()));
  identity::Sha256Digest other = acked;
  other.bytes[31] ^= 0x10;
  check_every_field_counts(
      SigningPurpose::ack, ack_statement(the_auction, "amy", 4, acked),
      {ack_statement(AuctionId{8}, "amy", 4, acked), ack_statement(the_auction, "amz", 4, acked),
       ack_statement(the_auction, "am", 4, acked), ack_statement(the_auction, "amy", 5, acked),
       ack_statement(the_auction, "amy", 4, other)});
}

TEST_CASE("market: every field of a withdraw statement is signed", "[market][signatures]") {
  check_every_field_counts(
      SigningPurpose::withdraw,
      withdraw_statement(the_auction, "amy", WithdrawReason::by_request, 3, Cents(1300)),
      {withdraw_statement(AuctionId{8}, "amy", WithdrawReason::by_request, 3, Cents(1300)),
       withdraw_statement(the_auction, "bob", WithdrawReason::by_request, 3, Cents(1300)),
       withdraw_statement(the_auction, "amy", WithdrawReason::max_price, 3, Cents(1300)),
       withdraw_statement(the_auction, "amy", WithdrawReason::by_request, 4, Cents(1300)),
       withdraw_statement(the_auction, "amy", WithdrawReason::by_request, 3, Cents(1400))});
}

TEST_CASE("market: every field of a seller_back statement is signed", "[market][signatures]") {
  const SellerBack base{the_auction, "sam", "127.0.0.1:7000", 6, {}};
  auto with = [&](auto change) {
    SellerBack m = base;
    change(m);
    return seller_back_statement(m);
  };
  check_every_field_counts(SigningPurpose::seller_back, seller_back_statement(base),
                           {with([](SellerBack& m) { m.auction_id = AuctionId{8}; }),
                            with([](SellerBack& m) { m.seller = "sal"; }),
                            with([](SellerBack& m) { m.address = "127.0.0.1:7001"; }),
                            with([](SellerBack& m) { m.address = "127.0.0.2:7000"; }),
                            with([](SellerBack& m) { m.round_id = 7; })});
  // The signature field is not signed over itself.
  CHECK(with([](SellerBack& m) { m.signature.bytes[5] = 9; }) == seller_back_statement(base));
}

TEST_CASE("market: every field of a finished statement is signed", "[market][signatures]") {
  const FinishRecord base = honest_record();
  const identity::Sha256Digest head = digest_of("final head");
  auto with = [&](auto change) {
    FinishRecord r = base;
    change(r);
    return finished_statement(r, head);
  };
  identity::Sha256Digest other_head = head;
  other_head.bytes[7] ^= 0x01;
  check_every_field_counts(
      SigningPurpose::auction_finished, finished_statement(base, head),
      {with([](FinishRecord& r) { r.auction_id = AuctionId{8}; }),
       with([](FinishRecord& r) { r.round_id = 6; }),
       with([](FinishRecord& r) { r.winner = "cat"; }),
       with([](FinishRecord& r) { r.winner.reset(); }),
       with([](FinishRecord& r) { r.price = Cents(1501); }),
       with([](FinishRecord& r) { r.buyers[0].status = BuyerStatus::withdrawn_silent; }),
       with([](FinishRecord& r) { r.buyers[1].status = BuyerStatus::withdrawn_max_price; }),
       with([](FinishRecord& r) { r.buyers[1].username = "rob"; }),
       with([](FinishRecord& r) { r.buyers.pop_back(); }), finished_statement(base, other_head)});
}

TEST_CASE("market: statements of different kinds never share bytes", "[market][signatures]") {
  // As alike as the kinds allow: the same auction, round, price, names and digest.
  const identity::Sha256Digest head = digest_of("head");
  const std::vector<BuyerEntry> one = {{"amy", BuyerStatus::active}};
  const FinishRecord record{the_auction, 3, "amy", Cents(1300), one};
  const std::vector<std::pair<std::string_view, std::string>> statements = {
      {"ppapd/v1/announcement", announcement_statement(the_auction, 3, Cents(1300), one, head)},
      {"ppapd/v1/ack", ack_statement(the_auction, "amy", 3, head)},
      {"ppapd/v1/withdraw",
       withdraw_statement(the_auction, "amy", WithdrawReason::by_request, 3, Cents(1300))},
      {"ppapd/v1/seller-back", seller_back_statement(SellerBack{the_auction, "amy", "h:1", 3, {}})},
      {"ppapd/v1/auction-finished", finished_statement(record, head)},
  };
  std::set<std::string> distinct;
  for (const auto& [kind, bytes] : statements) {
    INFO("kind " << kind);
    CHECK(bytes.starts_with(kind_prefix(kind)));
    distinct.insert(bytes);
  }
  CHECK(distinct.size() == statements.size());
  // No statement is a prefix of another, so no trailing bytes can turn one into another.
  for (const auto& [kind_a, a] : statements) {
    for (const auto& [kind_b, b] : statements) {
      if (kind_a != kind_b) CHECK_FALSE(b.starts_with(a));
    }
  }

  // The seller's signature on an announcement is worth nothing as its result, even where
  // the kinds share every value.
  const PeerSigner sam = signer_of("sam");
  const identity::Signature on_announcement =
      sign_statement(sam, SigningPurpose::announcement, statements[0].second);
  CHECK_FALSE(verify_statement(sam.keys->public_key(), cluster, SigningPurpose::auction_finished,
                               statements[4].second, on_announcement));
  CHECK_FALSE(verify_statement(sam.keys->public_key(), cluster, SigningPurpose::announcement,
                               statements[4].second, on_announcement));
}

TEST_CASE("market: buyer order does not matter in announcement and finished statements",
          "[market][signatures]") {
  const identity::Sha256Digest head = digest_of("head");
  std::vector<BuyerEntry> permuted = statuses;
  const std::string announced = announcement_statement(the_auction, 4, Cents(1400), statuses, head);
  FinishRecord record = honest_record();
  const std::string finished = finished_statement(record, head);

  std::sort(permuted.begin(), permuted.end(),
            [](const BuyerEntry& a, const BuyerEntry& b) { return a.username > b.username; });
  int permutations = 0;
  do {
    ++permutations;
    CHECK(announcement_statement(the_auction, 4, Cents(1400), permuted, head) == announced);
  } while (std::prev_permutation(
      permuted.begin(), permuted.end(),
      [](const BuyerEntry& a, const BuyerEntry& b) { return a.username < b.username; }));
  CHECK(permutations == 24);

  std::reverse(record.buyers.begin(), record.buyers.end());
  CHECK(finished_statement(record, head) == finished);
  std::rotate(record.buyers.begin(), record.buyers.begin() + 1, record.buyers.end());
  CHECK(finished_statement(record, head) == finished);

  // But the pairing of name and status does matter.
  std::vector<BuyerEntry> swapped = statuses;
  std::swap(swapped[1].status, swapped[2].status);
  CHECK(announcement_statement(the_auction, 4, Cents(1400), swapped, head) != announced);
}

TEST_CASE("market: expand_compact rebuilds the full announcement the seller signed",
          "[market][signatures]") {
  const std::vector<std::string> joined = {"amy", "bob", "cat", "dan"};
  const AnnouncePrice full = full_announcement();

  AnnouncePrice compact = full;
  compact.is_compact = true;
  compact.buyers = {{"dan", BuyerStatus::withdrawn_by_request},
                    {"bob", BuyerStatus::withdrawn_silent},
                    {"cat", BuyerStatus::withdrawn_max_price}};

  auto expanded = expand_compact(compact, joined);
  REQUIRE(expanded.has_value());
  CHECK_FALSE(expanded->is_compact);
  CHECK(expanded->auction_id == full.auction_id);
  CHECK(expanded->round_id == full.round_id);
  CHECK(expanded->price == full.price);
  CHECK(expanded->chain_head == full.chain_head);
  CHECK(expanded->signature == full.signature);
  // In joined order, the unlisted ones active.
  CHECK(expanded->buyers == std::vector<BuyerEntry>{{"amy", BuyerStatus::active},
                                                    {"bob", BuyerStatus::withdrawn_silent},
                                                    {"cat", BuyerStatus::withdrawn_max_price},
                                                    {"dan", BuyerStatus::withdrawn_by_request}});
  CHECK(*expanded == full);
  // So the seller's one signature checks on the compact form once expanded.
  CHECK(verify_statement(keys_of("sam")->public_key(), cluster, SigningPurpose::announcement,
                         announcement_statement(*expanded), full.signature));

  // Nobody withdrawn: everyone active.
  AnnouncePrice none = compact;
  none.buyers.clear();
  auto all_active = expand_compact(none, joined);
  REQUIRE(all_active.has_value());
  REQUIRE(all_active->buyers.size() == joined.size());
  for (std::size_t i = 0; i < joined.size(); ++i) {
    CHECK(all_active->buyers[i] == BuyerEntry{joined[i], BuyerStatus::active});
  }
  // A buyer that holds another list sees other statuses: the signature does not check.
  CHECK_FALSE(verify_statement(keys_of("sam")->public_key(), cluster, SigningPurpose::announcement,
                               announcement_statement(*all_active), full.signature));

  // No buyers at all.
  auto empty = expand_compact(none, {});
  REQUIRE(empty.has_value());
  CHECK(empty->buyers.empty());
}

TEST_CASE("market: expand_compact refuses a name that did not join", "[market][signatures]") {
  AnnouncePrice compact = full_announcement();
  compact.is_compact = true;
  compact.buyers = {{"bob", BuyerStatus::withdrawn_silent}, {"eve", BuyerStatus::withdrawn_silent}};
  auto refused = expand_compact(compact, {"amy", "bob", "cat"});
  check_refused(refused, "invalid_argument", "eve");
  check_refused(refused, "invalid_argument", "announce_price.withdrawn");

  auto to_nobody = expand_compact(compact, {});
  REQUIRE_FALSE(to_nobody.has_value());
  CHECK(to_nobody.error().code == "invalid_argument");

  compact.buyers = {{"bob", BuyerStatus::withdrawn_silent}};
  CHECK(expand_compact(compact, {"amy", "bob", "cat"}).has_value());
}

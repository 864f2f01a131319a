// Fuzz target: an auction's transcript and the seller's announcement chain, i.e. what the
// platform or anyone checking a result accepts from a seller (auction/market/transcript.hpp,
// auction_chain.hpp), and the signed result buyers receive.
//
// The whole input is tried as one JSON value against every decoder of the chain and the
// transcript (decode_chain_opening, decode_chain_link, decode_chain_links, decode_transcript,
// decode_signed_finish). What must hold:
//   - a decoder accepts or answers bad_request / invalid_argument with a message;
//   - what a decoder accepts encodes and decodes back to the same value (also through JSON
//     text), canonically; an accepted opening has valid, unique usernames without its seller
//     and an increment of at least 1; an accepted link withdraws at least one buyer and
//     carries a proof exactly when the buyer asked to leave; a list of links withdraws at most
//     limits::buyers_per_auction_max buyers in all; the digests of what round trips do not
//     change;
//   - an accepted transcript is checked with verify_transcript against fixed keys (the
//     seller sam and buyers amy, bob, cat and dan, whose seeds the checked-in corpus was
//     signed with, in cluster "cluster-a"): it verifies, or fails with transcript_invalid or
//     bad_signature and a message. replay_chain agrees with it on the chain. One that verifies
//     ends finished, at the head AuctionChain computes and the finish names, with the result
//     the finish claims and one replayed withdrawal per withdrawal in the links, each with a
//     proof exactly when the buyer asked.
// Nothing may crash, hang, or throw (an escaped exception aborts the target).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/limits.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/identity/sha256.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/market/auction_chain.hpp"
#include "auction/market/peer_messages.hpp"
#include "auction/market/transcript.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace auction;
using namespace auction::market;

constexpr std::string_view cluster = "cluster-a";

bool is_decoder_error(const auction::Error& error) {
  return (error.code == "bad_request" || error.code == "invalid_argument") &&
         !error.message.empty();
}

// Every accepted value round trips through its encoding, canonically, also through text.
template <class Decode, class Encode>
void check_codec(const nlohmann::json& j, Decode decode, Encode encode_value) {
  auto decoded = decode(j);
  if (!decoded) {
    FUZZ_CHECK(is_decoder_error(decoded.error()), "a decoder error with an unexpected code");
    return;
  }
  const nlohmann::json encoded = encode_value(*decoded);
  auto again = decode(encoded);
  FUZZ_CHECK(again.has_value(), "an accepted value does not decode after encoding");
  FUZZ_CHECK(*again == *decoded, "encode -> decode changed an accepted value");
  FUZZ_CHECK(encode_value(*again) == encoded, "the encoding is not canonical");
  auto reparsed = nlohmann::json::parse(encoded.dump(), nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!reparsed.is_discarded(), "an encoded value is not JSON text");
  auto from_text = decode(reparsed);
  FUZZ_CHECK(from_text.has_value() && *from_text == *decoded, "the text round trip failed");
}

// The keys the checked-in corpus was signed with (tests/unit/market/signed_chain_fixture.hpp
// derives the same ones).
const TranscriptKeys& fixed_keys() {
  static const TranscriptKeys keys = [] {
    auto public_key_of = [](std::string_view name) {
      const identity::Sha256Digest seed =
          identity::sha256("ppapd market chain test key of " + std::string(name));
      return identity::KeyPair::from_seed(seed.bytes).public_key();
    };
    TranscriptKeys k{public_key_of("sam"), {}};
    for (const char* name : {"amy", "bob", "cat", "dan"})
      k.buyers.emplace(name, public_key_of(name));
    return k;
  }();
  return keys;
}

void check_opening(const ChainOpening& opening) {
  FUZZ_CHECK(is_valid_username(opening.seller), "an opening with an invalid seller");
  FUZZ_CHECK(opening.increment.value >= 1, "an opening with an increment below 1");
  FUZZ_CHECK(opening.base_price.value >= 0, "an opening with a negative base price");
  FUZZ_CHECK(opening.buyers.size() <= limits::buyers_per_auction_max, "too many buyers");
  std::vector<std::string> sorted = opening.buyers;
  std::sort(sorted.begin(), sorted.end());
  FUZZ_CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(), "repeated buyer");
  for (const std::string& name : opening.buyers) {
    FUZZ_CHECK(is_valid_username(name), "an opening with an invalid buyer");
    FUZZ_CHECK(name != opening.seller, "an opening with its seller among its buyers");
  }
  // The digest ignores the buyers' order.
  ChainOpening reversed = opening;
  std::reverse(reversed.buyers.begin(), reversed.buyers.end());
  FUZZ_CHECK(chain_opening_digest(reversed) == chain_opening_digest(opening),
             "the opening digest depends on the buyers' order");
}

std::size_t check_links(const std::vector<ChainLink>& links) {
  std::size_t withdrawals = 0;
  for (const ChainLink& link : links) {
    FUZZ_CHECK(!link.withdrawals.empty(), "an accepted link withdraws nobody");
    for (const ChainWithdrawal& w : link.withdrawals) {
      FUZZ_CHECK(is_valid_username(w.username), "a withdrawal of an invalid username");
      FUZZ_CHECK(w.status != BuyerStatus::active, "a withdrawal that leaves a buyer active");
      FUZZ_CHECK(w.proof.has_value() == (w.status != BuyerStatus::withdrawn_silent),
                 "a proof where there should be none, or none where there should be one");
    }
    withdrawals += link.withdrawals.size();
  }
  FUZZ_CHECK(withdrawals <= limits::buyers_per_auction_max, "more withdrawals than buyers");
  return withdrawals;
}

std::vector<BuyerEntry> sorted_by_name(std::vector<BuyerEntry> buyers) {
  std::sort(buyers.begin(), buyers.end(),
            [](const BuyerEntry& a, const BuyerEntry& b) { return a.username < b.username; });
  return buyers;
}

void check_transcript(const Transcript& t) {
  check_opening(t.opening);
  const std::size_t withdrawals = check_links(t.links);
  FUZZ_CHECK(t.finish.record.auction_id == t.opening.auction_id,
             "a transcript whose finish is for another auction");

  const TranscriptKeys& keys = fixed_keys();
  auto chain = replay_chain(t.opening, t.links, keys, cluster);
  auto verified = verify_transcript(t, keys, cluster);
  if (!chain) {
    FUZZ_CHECK(!verified && verified.error() == chain.error(),
               "verify_transcript and replay_chain disagree on the chain");
  }
  if (!verified) {
    const Error& e = verified.error();
    FUZZ_CHECK(e.code == "transcript_invalid" || e.code == "bad_signature",
               "verify_transcript error with an unexpected code");
    FUZZ_CHECK(!e.message.empty(), "verify_transcript error without a message");
    return;
  }
  FUZZ_CHECK(chain.has_value(), "a transcript verifies but its chain does not replay");
  const identity::Sha256Digest head = AuctionChain(t.opening, t.links).head();
  FUZZ_CHECK(verified->head == head, "the replayed head is not AuctionChain's");
  FUZZ_CHECK(chain->head == head, "replay_chain's head is not AuctionChain's");
  FUZZ_CHECK(t.finish.chain_head == head, "a verified finish names another head");
  FUZZ_CHECK(verified->rules.is_finished(), "a verified transcript's auction is not over");
  const FinishRecord expected = verified->rules.finish_record();
  const FinishRecord& claimed = t.finish.record;
  FUZZ_CHECK(claimed.auction_id == expected.auction_id && claimed.round_id == expected.round_id &&
                 claimed.price == expected.price && claimed.winner == expected.winner &&
                 sorted_by_name(claimed.buyers) == sorted_by_name(expected.buyers),
             "a verified finish is not the replay's result");
  FUZZ_CHECK(verified->withdrawals.size() == withdrawals,
             "the replay does not list every withdrawal once");
  for (const ReplayedWithdrawal& w : verified->withdrawals) {
    FUZZ_CHECK(w.proof.has_value() == (w.status != BuyerStatus::withdrawn_silent),
               "a replayed withdrawal with a proof where there should be none, or none");
    FUZZ_CHECK(keys.buyers.contains(w.username) || !w.proof,
               "a proof checked against a key nobody gave");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;

  auto opening = [](const nlohmann::json& v) { return decode_chain_opening(v, "opening"); };
  auto link = [](const nlohmann::json& v) { return decode_chain_link(v, "link"); };
  auto links = [](const nlohmann::json& v) { return decode_chain_links(v, "links"); };
  auto encode_opening = [](const ChainOpening& o) { return encode(o); };
  auto encode_link = [](const ChainLink& l) { return encode(l); };
  auto encode_list = [](const std::vector<ChainLink>& l) { return encode_links(l); };
  auto encode_transcript = [](const Transcript& t) { return encode(t); };
  auto encode_finish = [](const SignedFinish& f) { return encode(f); };

  check_codec(j, opening, encode_opening);
  check_codec(j, link, encode_link);
  check_codec(j, links, encode_list);
  check_codec(j, decode_transcript, encode_transcript);
  check_codec(j, decode_signed_finish, encode_finish);

  if (auto o = opening(j)) check_opening(*o);
  if (auto l = link(j)) check_links({*l});
  if (auto l = links(j)) check_links(*l);
  if (auto t = decode_transcript(j)) check_transcript(*t);
  return 0;
}

// The platform's answers, typed: the "result" object of each op's success answer, with one
// codec for both ends. The state machine encodes its answers with encode_answer() and
// platform::Client decodes them with decode_answer(), and both walk one list of each
// answer's fields (answers.cpp), so a field renamed on one end is renamed on the other.
// JSON of each answer: docs/platform.md, "Commands".
//
// Pure: no I/O, no clock. Never throws: a malformed answer is `bad_response`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/money.hpp"
#include "auction/platform/auction_record.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/views.hpp"
#include "auction/platform/watch_event.hpp"

namespace auction::platform {

// login: the user as the directory now holds it.
struct LoggedIn {
  std::string username;
  std::string address;
  bool created = false;  // false: an existing user moved to `address`

  friend bool operator==(const LoggedIn&, const LoggedIn&) = default;
};

// get_user_address.
struct UserAddress {
  std::string username;
  std::string address;
  std::string public_key;  // the user's registered key, hex (commands.hpp)

  friend bool operator==(const UserAddress&, const UserAddress&) = default;
};

// create_auction: the new auction's id.
struct CreatedAuction {
  AuctionId auction_id;

  friend bool operator==(const CreatedAuction&, const CreatedAuction&) = default;
};

// join_auction.
struct JoinedAuction {
  AuctionId auction_id;
  bool already_joined = false;  // true: a repeat, which changed nothing

  friend bool operator==(const JoinedAuction&, const JoinedAuction&) = default;
};

// quit_auction.
struct LeftAuction {
  AuctionId auction_id;

  friend bool operator==(const LeftAuction&, const LeftAuction&) = default;
};

// start_auction: the auction as its seller now sees it (its buyers and their addresses:
// fetch_buyers, a page at a time).
struct StartedAuction {
  AuctionView auction;

  friend bool operator==(const StartedAuction&, const StartedAuction&) = default;
};

// update_auction: whether the push was applied, and the round, price and number of the
// chain's links stored now (a push older than the stored round is not applied): the seller's
// next push carries the links from link_count on.
struct UpdatedAuction {
  bool applied = false;
  std::uint64_t round_id = 0;
  Cents current_price;
  std::uint64_t link_count = 0;

  friend bool operator==(const UpdatedAuction&, const UpdatedAuction&) = default;
};

// finish_auction: whether this finish was applied, and the stored outcome (a repeat of a
// finished auction is not applied and answers the outcome stored the first time).
struct FinishedAuction {
  bool applied = false;
  std::optional<std::string> winner;  // nullopt: finished without a winner
  Cents price;
  std::uint64_t round_id = 0;

  friend bool operator==(const FinishedAuction&, const FinishedAuction&) = default;
};

// cancel_auction.
struct CancelledAuction {
  AuctionId auction_id;
  Stage stage = Stage::cancelled;

  friend bool operator==(const CancelledAuction&, const CancelledAuction&) = default;
};

// fetch_auctions: one page, ids increasing; `more`: auctions follow the last one.
struct AuctionPage {
  std::vector<AuctionView> auctions;
  bool more = false;

  friend bool operator==(const AuctionPage&, const AuctionPage&) = default;
};

// Any answer; the alternatives in the order of Command's, so the answer to a command holds
// the alternative of the same index.
// rotate_key: the user's key from now on.
struct RotatedKey {
  std::string username;
  std::string public_key;

  friend bool operator==(const RotatedKey&, const RotatedKey&) = default;
};

// get_transcript: an auction's transcript without its lists (market/transcript.hpp): the
// opening's terms, the seller's key as recorded at the start, how many buyers joined and how
// many links the chain holds, and once finished the result with the head of the chain and
// the seller's signature over both ("" before). The buyers with their recorded keys are
// fetch_buyers' pages, the links fetch_links' (Client::async_fetch_transcript gathers them).
struct TranscriptSummary {
  AuctionId auction_id;
  std::string seller;
  std::string seller_key;
  Cents base_price;
  Cents increment;
  SaleTerms terms{};  // as terms_as_seen_by() the user asking (views.hpp)
  Stage stage = Stage::started;
  std::uint64_t buyer_count = 0;
  std::uint64_t link_count = 0;
  std::uint64_t round_id = 0;
  Cents price;
  std::optional<std::string> winner;
  std::string chain_head;
  std::string signature;

  friend bool operator==(const TranscriptSummary&, const TranscriptSummary&) = default;
};

// fetch_buyers: one page of an auction's buyers in username order; `more`: buyers follow the
// last one.
struct BuyerPage {
  AuctionId auction_id;
  std::vector<BuyerView> buyers;
  bool more = false;

  friend bool operator==(const BuyerPage&, const BuyerPage&) = default;
};

// fetch_links: the chain's links from index `from` on, as the seller pushed them; `more`:
// links follow (the next page starts at from + links.size()).
struct LinkPage {
  AuctionId auction_id;
  std::uint64_t from = 0;
  nlohmann::json links = nlohmann::json::array();
  bool more = false;

  friend bool operator==(const LinkPage&, const LinkPage&) = default;
};

using Answer =
    std::variant<LoggedIn, UserAddress, CreatedAuction, JoinedAuction, LeftAuction, StartedAuction,
                 UpdatedAuction, FinishedAuction, CancelledAuction, AuctionPage, RotatedKey,
                 TranscriptSummary, BuyerPage, LinkPage, WatchPage>;

// One participant of an auction with the key it had at the start.
struct TranscriptBuyer {
  std::string username;
  bool active = true;
  std::string public_key;

  friend bool operator==(const TranscriptBuyer&, const TranscriptBuyer&) = default;
};

// A whole transcript: what anyone needs to replay an auction (market/transcript.hpp), gathered
// from get_transcript and every page of fetch_buyers and fetch_links (no one answer holds it,
// Client::async_fetch_transcript). Not an answer of its own.
struct AuctionTranscript {
  AuctionId auction_id;
  std::string seller;
  std::string seller_key;
  Cents base_price;
  Cents increment;
  SaleTerms terms{};
  Stage stage = Stage::started;
  std::vector<TranscriptBuyer> buyers;  // username order
  nlohmann::json links = nlohmann::json::array();
  std::uint64_t round_id = 0;
  Cents price;
  std::optional<std::string> winner;
  std::string chain_head;
  std::string signature;

  friend bool operator==(const AuctionTranscript&, const AuctionTranscript&) = default;
};

// The answer to a command of type C: AnswerTo<Login> is LoggedIn, and so on.
template <class C>
struct AnswerOf;
template <>
struct AnswerOf<Login> {
  using type = LoggedIn;
};
template <>
struct AnswerOf<GetUserAddress> {
  using type = UserAddress;
};
template <>
struct AnswerOf<CreateAuction> {
  using type = CreatedAuction;
};
template <>
struct AnswerOf<JoinAuction> {
  using type = JoinedAuction;
};
template <>
struct AnswerOf<QuitAuction> {
  using type = LeftAuction;
};
template <>
struct AnswerOf<StartAuction> {
  using type = StartedAuction;
};
template <>
struct AnswerOf<UpdateAuction> {
  using type = UpdatedAuction;
};
template <>
struct AnswerOf<FinishAuction> {
  using type = FinishedAuction;
};
template <>
struct AnswerOf<CancelAuction> {
  using type = CancelledAuction;
};
template <>
struct AnswerOf<FetchAuctions> {
  using type = AuctionPage;
};
template <>
struct AnswerOf<RotateKey> {
  using type = RotatedKey;
};
template <>
struct AnswerOf<GetTranscript> {
  using type = TranscriptSummary;
};
template <>
struct AnswerOf<FetchBuyers> {
  using type = BuyerPage;
};
template <>
struct AnswerOf<FetchLinks> {
  using type = LinkPage;
};
template <>
struct AnswerOf<Watch> {
  using type = WatchPage;
};
template <class C>
using AnswerTo = typename AnswerOf<C>::type;

// One watch event's JSON, as it stands in a watch answer's "events".
nlohmann::json encode_watch_event(const WatchEvent& event);

// The "result" object of the success answer. Precondition: every view in it keeps the
// invariants of AuctionView.
nlohmann::json encode_answer(const Answer& answer);

// Reads the "result" object of a success answer as A (one of Answer's alternatives; the
// template is instantiated for each in answers.cpp). Keys it does not know are ignored.
// Errors: bad_response naming the op and the field, e.g.
//   "create_auction answer: auction_id: must be an integer".
template <class A>
Result<A> decode_answer(const nlohmann::json& result);

// Reads the result of a success answer to `asked` as the answer to its op.
// Errors: as decode_answer<A>().
Result<Answer> decode_answer(const Command& asked, const nlohmann::json& result);

// fetch_auctions' answer as compact JSON text, from views that are already serialized
// (the replica's kept view texts, view_cache.hpp): the same bytes as
// encode_answer(AuctionPage{...}).dump(), without building the views again.
class AuctionPageText {
 public:
  AuctionPageText();
  // Precondition: `view_text` is the compact JSON of encode_auction_view(some view).
  void add_view(std::string_view view_text);
  // The whole answer; the object is spent.
  std::string finish(bool more) &&;

 private:
  std::string text_;
  bool is_empty_ = true;
};

}  // namespace auction::platform

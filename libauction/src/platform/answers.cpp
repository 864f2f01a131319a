// The answers' codec (see auction/platform/answers.hpp). Pure.
//
// The field lists below are the one place where an answer's JSON names are written: the
// state machine's encoder and the clients' decoder both walk them (field_list.hpp). A view
// inside an answer is written and read by views.cpp's codec.
#include "auction/platform/answers.hpp"

#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "auction/base/error_codes.hpp"
#include "platform/field_list.hpp"

namespace auction::platform {

// fetch_auctions' two keys, which AuctionPageText writes by hand as well.
namespace {
constexpr char auctions_key[] = "auctions";
constexpr char more_key[] = "more";
// A dumped object lists its keys in sorted order, and AuctionPageText writes them so.
static_assert(std::string_view(auctions_key) < std::string_view(more_key));
}  // namespace

constexpr auto fields_of(std::type_identity<LoggedIn>) {
  return std::tuple{field("username", &LoggedIn::username), field("address", &LoggedIn::address),
                    field("created", &LoggedIn::created)};
}

constexpr auto fields_of(std::type_identity<UserAddress>) {
  return std::tuple{field("username", &UserAddress::username),
                    field("address", &UserAddress::address),
                    field("public_key", &UserAddress::public_key)};
}

constexpr auto fields_of(std::type_identity<CreatedAuction>) {
  return std::tuple{field("auction_id", &CreatedAuction::auction_id)};
}

constexpr auto fields_of(std::type_identity<JoinedAuction>) {
  return std::tuple{field("auction_id", &JoinedAuction::auction_id),
                    field("already_joined", &JoinedAuction::already_joined)};
}

constexpr auto fields_of(std::type_identity<LeftAuction>) {
  return std::tuple{field("auction_id", &LeftAuction::auction_id)};
}

constexpr auto fields_of(std::type_identity<StartedAuction>) {
  return std::tuple{field("auction", &StartedAuction::auction)};
}

constexpr auto fields_of(std::type_identity<UpdatedAuction>) {
  return std::tuple{field("applied", &UpdatedAuction::applied),
                    field("round_id", &UpdatedAuction::round_id),
                    field("current_price", &UpdatedAuction::current_price),
                    field("link_count", &UpdatedAuction::link_count)};
}

constexpr auto fields_of(std::type_identity<FinishedAuction>) {
  return std::tuple{
      field("applied", &FinishedAuction::applied), field("winner", &FinishedAuction::winner),
      field("price", &FinishedAuction::price), field("round_id", &FinishedAuction::round_id)};
}

constexpr auto fields_of(std::type_identity<CancelledAuction>) {
  return std::tuple{field("auction_id", &CancelledAuction::auction_id),
                    field("stage", &CancelledAuction::stage)};
}

constexpr auto fields_of(std::type_identity<RotatedKey>) {
  return std::tuple{field("username", &RotatedKey::username),
                    field("public_key", &RotatedKey::public_key)};
}

constexpr auto fields_of(std::type_identity<TranscriptSummary>) {
  using T = TranscriptSummary;
  return std::tuple{field("auction_id", &T::auction_id), field("seller", &T::seller),
                    field("seller_key", &T::seller_key), field("base_price", &T::base_price),
                    field("increment", &T::increment),   fields_inline(&T::terms),
                    field("stage", &T::stage),           field("buyer_count", &T::buyer_count),
                    field("link_count", &T::link_count), field("round_id", &T::round_id),
                    field("price", &T::price),           field("winner", &T::winner),
                    field("chain_head", &T::chain_head), field("signature", &T::signature)};
}

constexpr auto fields_of(std::type_identity<BuyerView>) {
  return std::tuple{field("username", &BuyerView::username), field("active", &BuyerView::active),
                    field_if_present("address", &BuyerView::address),
                    field_if_present("public_key", &BuyerView::public_key)};
}

constexpr auto fields_of(std::type_identity<BuyerPage>) {
  return std::tuple{field("auction_id", &BuyerPage::auction_id),
                    field("buyers", &BuyerPage::buyers), field("more", &BuyerPage::more)};
}

constexpr auto fields_of(std::type_identity<LinkPage>) {
  return std::tuple{field("auction_id", &LinkPage::auction_id), field("from", &LinkPage::from),
                    field("links", &LinkPage::links), field("more", &LinkPage::more)};
}

constexpr auto fields_of(std::type_identity<AuctionPage>) {
  return std::tuple{field(auctions_key, &AuctionPage::auctions),
                    field(more_key, &AuctionPage::more)};
}

constexpr auto fields_of(std::type_identity<WatchEvent>) {
  using E = WatchEvent;
  return std::tuple{field("revision", &E::revision),
                    field("kind", &E::kind),
                    field_if_present("auction_id", &E::auction_id),
                    field_if_present("auction", &E::auction),
                    field_if_present("role", &E::role),
                    field_if_present("username", &E::username),
                    field_if_present("address", &E::address),
                    field_if_present("outcome", &E::outcome),
                    field_if_present("progress", &E::progress)};
}

constexpr auto fields_of(std::type_identity<WatchPage>) {
  return std::tuple{field("revision", &WatchPage::revision), field("events", &WatchPage::events)};
}

namespace {

// Answer lists its alternatives in Command's order (decode_answer(Command) relies on it).
template <std::size_t... I>
constexpr bool is_in_command_order(std::index_sequence<I...>) {
  return (std::is_same_v<AnswerTo<std::variant_alternative_t<I, Command>>,
                         std::variant_alternative_t<I, Answer>> &&
          ...);
}
static_assert(std::variant_size_v<Answer> == std::variant_size_v<Command> &&
              is_in_command_order(std::make_index_sequence<std::variant_size_v<Answer>>()));

// The op answered by an A ("create_auction" for CreatedAuction), for error messages.
template <class A, std::size_t I = 0>
std::string_view op_answered_by() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, Answer>, A>) {
    return op_name(Command(std::in_place_index<I>));
  } else {
    return op_answered_by<A, I + 1>();
  }
}

}  // namespace

nlohmann::json encode_answer(const Answer& answer) {
  return std::visit([](const auto& a) { return json_value(a); }, answer);
}

template <class A>
Result<A> decode_answer(const nlohmann::json& result) {
  A answer{};
  if (auto ok = read_object(result, answer); !ok) {
    return fail(code::bad_response,
                std::string(op_answered_by<A>()) + " answer: " + ok.error().message);
  }
  return answer;
}

template Result<LoggedIn> decode_answer<LoggedIn>(const nlohmann::json&);
template Result<UserAddress> decode_answer<UserAddress>(const nlohmann::json&);
template Result<CreatedAuction> decode_answer<CreatedAuction>(const nlohmann::json&);
template Result<JoinedAuction> decode_answer<JoinedAuction>(const nlohmann::json&);
template Result<LeftAuction> decode_answer<LeftAuction>(const nlohmann::json&);
template Result<StartedAuction> decode_answer<StartedAuction>(const nlohmann::json&);
template Result<UpdatedAuction> decode_answer<UpdatedAuction>(const nlohmann::json&);
template Result<FinishedAuction> decode_answer<FinishedAuction>(const nlohmann::json&);
template Result<CancelledAuction> decode_answer<CancelledAuction>(const nlohmann::json&);
template Result<AuctionPage> decode_answer<AuctionPage>(const nlohmann::json&);
template Result<RotatedKey> decode_answer<RotatedKey>(const nlohmann::json&);
template Result<TranscriptSummary> decode_answer<TranscriptSummary>(const nlohmann::json&);
template Result<BuyerPage> decode_answer<BuyerPage>(const nlohmann::json&);
template Result<LinkPage> decode_answer<LinkPage>(const nlohmann::json&);
template Result<WatchPage> decode_answer<WatchPage>(const nlohmann::json&);

nlohmann::json encode_watch_event(const WatchEvent& event) { return json_value(event); }

Result<Answer> decode_answer(const Command& asked, const nlohmann::json& result) {
  return std::visit(
      [&result](const auto& command) -> Result<Answer> {
        using C = std::decay_t<decltype(command)>;
        auto answer = decode_answer<AnswerTo<C>>(result);
        if (!answer) return std::unexpected(std::move(answer.error()));
        return Answer(std::in_place_type<AnswerTo<C>>, std::move(*answer));
      },
      asked);
}

AuctionPageText::AuctionPageText() : text_(std::string("{\"") + auctions_key + "\":[") {}

void AuctionPageText::add_view(std::string_view view_text) {
  if (!is_empty_) text_ += ',';
  text_ += view_text;
  is_empty_ = false;
}

std::string AuctionPageText::finish(bool more) && {
  text_ += std::string("],\"") + more_key + (more ? "\":true}" : "\":false}");
  return std::move(text_);
}

}  // namespace auction::platform

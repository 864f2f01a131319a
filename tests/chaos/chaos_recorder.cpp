// ChaosRecorder: platform calls and answers -> History operations (see the header).
#include "chaos_recorder.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "auction/base/error_codes.hpp"
#include "invariant.hpp"

namespace auction::test {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

bool is_definite_error(const std::string& code) {
  static constexpr std::array<std::string_view, 10> decided = {
      code::unknown_user,     code::unknown_auction, code::wrong_stage, code::not_joined,
      code::invalid_argument, code::limit_exceeded,  code::bad_request, code::not_owner,
      code::not_leader,       code::unavailable};
  return std::find(decided.begin(), decided.end(), code) != decided.end();
}

std::int64_t ChaosRecorder::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start_)
      .count();
}

void ChaosRecorder::record(std::int64_t process, const platform::Command& call,
                           std::int64_t invoke_ns, std::int64_t complete_ns,
                           const Result<platform::Answer>& answer) {
  Operation op;
  op.process = process;
  op.invoke_ns = invoke_ns;
  if (answer) {
    op.outcome = Outcome::ok;
  } else if (is_definite_error(answer.error().code)) {
    op.outcome = Outcome::failed;
    op.error = answer.error().code;
  } else {
    op.outcome = Outcome::indeterminate;
  }
  if (op.outcome != Outcome::indeterminate) op.complete_ns = complete_ns;

  // A fetch becomes one read per auction, appended by its branch; the others one operation.
  const bool is_one_operation =
      std::visit(Overloaded{
                     [&](const platform::Login& c) {
                       op.kind = OpKind::write;
                       op.key = user_key(c.username);
                       op.input = c.address;
                       return true;
                     },
                     [&](const platform::GetUserAddress& c) {
                       op.kind = OpKind::read;
                       op.key = user_key(c.username);
                       if (answer) op.output = std::get<platform::UserAddress>(*answer).address;
                       return true;
                     },
                     [&](const platform::JoinAuction& c) {
                       op.kind = OpKind::add;
                       op.key = auction_key(c.auction_id);
                       op.input = c.username;
                       return true;
                     },
                     [&](const platform::QuitAuction& c) {
                       op.kind = OpKind::remove;
                       op.key = auction_key(c.auction_id);
                       op.input = c.username;
                       return true;
                     },
                     [&](const platform::FetchBuyers& c) {
                       // Nothing observed (or a definite error that concerns no set): nothing to
                       // check.
                       if (!answer) return false;
                       std::map<std::string, std::vector<std::string>> sets;
                       std::vector<std::string>& members = sets[auction_key(c.auction_id)];
                       for (const auto& buyer : std::get<platform::BuyerPage>(*answer).buyers) {
                         members.push_back(buyer.username);
                       }
                       std::sort(members.begin(), members.end());
                       std::lock_guard lock(mutex_);
                       append_multi_read(history_, process, invoke_ns, complete_ns, sets);
                       return false;
                     },
                     [](const auto&) -> bool {
                       CHAOS_ASSERT(false, "the chaos workload makes no such call");
                       return false;
                     },
                 },
                 call);
  if (!is_one_operation) return;
  std::lock_guard lock(mutex_);
  history_.append(std::move(op));
}

History ChaosRecorder::history() const {
  std::lock_guard lock(mutex_);
  return history_;
}

}  // namespace auction::test

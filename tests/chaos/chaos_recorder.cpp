// ChaosRecorder: platform calls and answers -> History operations (see the header).
#include "chaos_recorder.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

namespace auction::chaos {

std::string ChaosCall::op() const {
  switch (kind) {
    case Kind::login: return "login";
    case Kind::get_user_address: return "get_user_address";
    case Kind::join_auction: return "join_auction";
    case Kind::quit_auction: return "quit_auction";
    case Kind::fetch_auctions: return "fetch_auctions";
  }
  return "";
}

nlohmann::json ChaosCall::fields() const {
  switch (kind) {
    case Kind::login: return {{"username", username}, {"address", address}};
    case Kind::join_auction:
    case Kind::quit_auction: return {{"username", username}, {"auction_id", auction_id}};
    case Kind::get_user_address:
    case Kind::fetch_auctions: return {{"username", username}};
  }
  return nlohmann::json::object();
}

bool is_definite_error(const std::string& code) {
  static constexpr std::array<std::string_view, 8> decided = {
      "unknown_user", "unknown_auction", "wrong_stage",    "not_joined",
      "invalid_argument", "limit_exceeded", "bad_request", "not_owner"};
  return std::find(decided.begin(), decided.end(), code) != decided.end();
}

std::int64_t ChaosRecorder::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start_)
      .count();
}

void ChaosRecorder::record(std::int64_t process, const ChaosCall& call, std::int64_t invoke_ns,
                           std::int64_t complete_ns, const Result<nlohmann::json>& answer) {
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

  using Kind = ChaosCall::Kind;
  switch (call.kind) {
    case Kind::login:
      op.kind = OpKind::write;
      op.key = user_key(call.username);
      op.input = call.address;
      break;
    case Kind::get_user_address:
      op.kind = OpKind::read;
      op.key = user_key(call.username);
      if (answer) op.output = answer->at("address").get<std::string>();
      break;
    case Kind::join_auction:
    case Kind::quit_auction:
      op.kind = call.kind == Kind::join_auction ? OpKind::add : OpKind::remove;
      op.key = auction_key(call.auction_id);
      op.input = call.username;
      break;
    case Kind::fetch_auctions: {
      // Nothing observed (or a definite error that concerns no set): nothing to check.
      if (!answer) return;
      std::map<std::string, std::vector<std::string>> sets;
      for (const auto& auction : answer->at("auctions")) {
        if (!auction.contains("buyers")) continue;
        const auto id = auction.at("auction_id").get<std::uint64_t>();
        std::vector<std::string>& members = sets[auction_key(id)];
        for (const auto& buyer : auction.at("buyers")) {
          members.push_back(buyer.at("username").get<std::string>());
        }
        std::sort(members.begin(), members.end());
      }
      std::lock_guard lock(mutex_);
      append_multi_read(history_, process, invoke_ns, complete_ns, sets);
      return;
    }
  }
  std::lock_guard lock(mutex_);
  history_.append(std::move(op));
}

History ChaosRecorder::history() const {
  std::lock_guard lock(mutex_);
  return history_;
}

}  // namespace auction::chaos

// A platform StateMachine fed JSON requests at consecutive log indexes, with shorthands for
// the common setup steps. Test-only.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/platform/state_machine.hpp"

namespace auction::test {
using namespace auction::platform;

using nlohmann::json;

class Harness {
 public:
  // A state machine of the platform's capacity, or of a smaller one (a test of the bounds).
  explicit Harness(Capacity capacity = {}) : sm(capacity) {}

  // Applies `request` at the next log index and returns the parsed answer.
  json apply(const json& request) { return json::parse(apply_bytes(request.dump())); }

  std::string apply_bytes(const std::string& bytes) {
    next_index_ += 1;
    return sm.apply(raft::LogIndex{next_index_}, bytes);
  }

  // Applies a decoded request (the typed apply()) at the next log index.
  std::string apply_request(const Request& request) {
    next_index_ += 1;
    return sm.apply(raft::LogIndex{next_index_}, request);
  }

  // Applies and requires success; returns "result".
  json ok(const json& request) {
    const json answer = apply(request);
    INFO("request: " << request.dump() << "\nanswer: " << answer.dump());
    REQUIRE(answer.at("ok") == true);
    return answer.at("result");
  }

  // Applies and requires failure; returns the error code.
  std::string error(const json& request) {
    const json answer = apply(request);
    INFO("request: " << request.dump() << "\nanswer: " << answer.dump());
    REQUIRE(answer.at("ok") == false);
    return answer.at("error").at("code").get<std::string>();
  }

  // The code of a failed read, or "" if it succeeded.
  std::string query_error(const json& request) const {
    const auto r = sm.query(request);
    return r ? std::string() : r.error().code;
  }

  // A public key for `username` (hex): the state machine keeps keys, it does not check them.
  static std::string key_of(const std::string& username) {
    std::string key(64, '0');
    for (std::size_t i = 0; i < username.size() && i < 32; ++i) {
      static constexpr char hex[] = "0123456789abcdef";
      key[2 * i] = hex[static_cast<unsigned char>(username[i]) >> 4];
      key[2 * i + 1] = hex[static_cast<unsigned char>(username[i]) & 15];
    }
    return key;
  }

  void login(const std::string& username, const std::string& address = "127.0.0.1:7000") {
    ok({{"op", "login"},
        {"username", username},
        {"address", address},
        {"public_key", key_of(username)}});
  }

  // `terms`: the optional terms' keys (increment_steps, reserve, ...), added to the request.
  std::uint64_t create(const std::string& seller, std::int64_t base_price = 1000,
                       std::int64_t increment = 100, const json& terms = json::object()) {
    json request = {{"op", "create_auction"},
                    {"seller", seller},
                    {"auction_name", "spring sale"},
                    {"item_name", "lamp"},
                    {"item_description", "a brass lamp"},
                    {"base_price", base_price},
                    {"increment", increment},
                    {"period_ms", 1000}};
    request.update(terms);
    return ok(request).at("auction_id").get<std::uint64_t>();
  }

  void join(const std::string& username, std::uint64_t id) {
    ok({{"op", "join_auction"}, {"username", username}, {"auction_id", id}});
  }

  json start(const std::string& seller, std::uint64_t id) {
    return ok({{"op", "start_auction"}, {"seller", seller}, {"auction_id", id}});
  }

  // alice sells auction 1; bob and carol joined it; dave is a bystander.
  std::uint64_t with_created_auction() {
    login("alice", "127.0.0.1:7001");
    login("bob", "127.0.0.1:7002");
    login("carol", "127.0.0.1:7003");
    login("dave", "127.0.0.1:7004");
    const auto id = create("alice");
    join("bob", id);
    join("carol", id);
    return id;
  }

  std::uint64_t with_started_auction() {
    const auto id = with_created_auction();
    start("alice", id);
    return id;
  }

  std::uint64_t last_index() const { return next_index_; }
  void skip_indexes(std::uint64_t n) { next_index_ += n; }

  StateMachine sm;

 private:
  std::uint64_t next_index_ = 0;
};

// A link of the seller's chain that withdraws `buyers` for silence in `round`: the state
// machine reads only whom a link withdraws (the leader's chain check judges the rest).
inline json silent_link(std::uint64_t round, const std::vector<std::string>& buyers) {
  json withdrawn = json::array();
  for (const std::string& b : buyers) withdrawn.push_back({{"username", b}, {"reason", "silent"}});
  return {{"round_id", round}, {"withdrawn", std::move(withdrawn)}};
}

// update_auction pushing the chain's links from index `links_from` on.
inline json update(std::uint64_t id, std::uint64_t round, std::int64_t price,
                   const json& links = json::array(), std::uint64_t links_from = 0,
                   const std::string& seller = "alice") {
  return {{"op", "update_auction"}, {"seller", seller},       {"auction_id", id},
          {"round_id", round},      {"current_price", price}, {"links_from", links_from},
          {"links", links}};
}

// finish_auction with the chain's links from index `links_from` on.
inline json finish(std::uint64_t id, const json& winner, std::int64_t price, std::uint64_t round,
                   const json& links = json::array(), std::uint64_t links_from = 0,
                   const std::string& seller = "alice") {
  return {{"op", "finish_auction"},   {"seller", seller}, {"auction_id", id},
          {"winner", winner},         {"price", price},   {"round_id", round},
          {"links_from", links_from}, {"links", links}};
}

}  // namespace auction::test

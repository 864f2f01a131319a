// AdminService: see admin_service.hpp.
#include "platform/admin_service.hpp"

#include <set>
#include <utility>

#include "auction/base/endpoint.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "platform/leader_hint.hpp"

namespace auction::platform {

namespace asio = boost::asio;
using wire::Json;
using wire::Reply;

namespace {

asio::awaitable<Reply> async_ready(Reply reply) { co_return reply; }

Reply bad_request(const std::string& why) { return Reply::failure(Error{code::bad_request, why}); }

// The request's fields are exactly `allowed` (none missing that `required` names).
std::optional<Reply> unexpected_fields(const Json& body, const std::set<std::string>& allowed,
                                       const std::set<std::string>& required) {
  if (!body.is_object() && !body.is_null()) return bad_request("the fields must be an object");
  if (body.is_object()) {
    for (const auto& [key, value] : body.items()) {
      if (!allowed.contains(key)) return bad_request("unknown field \"" + key + "\"");
    }
  }
  for (const std::string& key : required) {
    if (!body.is_object() || !body.contains(key)) {
      return bad_request("missing field \"" + key + "\"");
    }
  }
  return std::nullopt;
}

// A member id: a positive integer.
Result<raft::NodeId> node_id(const Json& value, const char* name) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0) {
    return fail(code::invalid_argument, std::string(name) + " must be a replica id (1 or more)");
  }
  return raft::NodeId{value.get<std::uint64_t>()};
}

// "host:port" with a port to connect to.
Result<std::string> address(const Json& value, const char* name) {
  if (!value.is_string()) return fail(code::bad_request, std::string(name) + " must be a string");
  auto endpoint = parse_endpoint(value.get<std::string>());
  if (!endpoint)
    return fail(code::invalid_argument, std::string(name) + ": " + endpoint.error().message);
  if (endpoint->port == 0) return fail(code::invalid_argument, std::string(name) + ": port 0");
  return to_string(*endpoint);
}

Json member_json(const raft::Member& member, const raft::MembershipStatus& status) {
  const auto match = status.matches.find(member.id);
  return Json{{"id", member.id.value},
              {"role", std::string(raft::to_string(member.role))},
              {"raft_address", member.raft_address},
              {"client_address", member.client_address},
              {"match", match == status.matches.end() ? Json(nullptr) : Json(match->second.value)}};
}

}  // namespace

AdminService::AdminService(raft::Server& raft, ClusterConfig cluster, bool is_plain)
    : raft_(raft), cluster_(std::move(cluster)), is_plain_(is_plain) {}

void AdminService::register_ops(wire::Server& server) {
  server.handle("member_list", [this](wire::Request request) {
    if (auto refused = refusal(request)) return async_ready(std::move(*refused));
    if (auto bad = unexpected_fields(request.body, {}, {})) return async_ready(std::move(*bad));
    return async_list();
  });
  server.handle("member_add", [this](wire::Request request) {
    if (auto refused = refusal(request)) return async_ready(std::move(*refused));
    const Json& body = request.body;
    if (auto bad = unexpected_fields(body, {"member", "raft_address", "client_address"},
                                     {"member", "raft_address", "client_address"})) {
      return async_ready(std::move(*bad));
    }
    auto id = node_id(body.at("member"), "member");
    if (!id) return async_ready(Reply::failure(id.error()));
    auto raft_address = address(body.at("raft_address"), "raft_address");
    if (!raft_address) return async_ready(Reply::failure(raft_address.error()));
    auto client_address = address(body.at("client_address"), "client_address");
    if (!client_address) return async_ready(Reply::failure(client_address.error()));
    return async_change(raft::MembershipChange{raft::MembershipChangeType::add_learner, *id,
                                               std::move(*raft_address),
                                               std::move(*client_address)});
  });
  for (const auto& [op, type] : {std::pair{"member_promote", raft::MembershipChangeType::promote},
                                 std::pair{"member_remove", raft::MembershipChangeType::remove}}) {
    server.handle(op, [this, type](wire::Request request) {
      if (auto refused = refusal(request)) return async_ready(std::move(*refused));
      if (auto bad = unexpected_fields(request.body, {"member"}, {"member"})) {
        return async_ready(std::move(*bad));
      }
      auto id = node_id(request.body.at("member"), "member");
      if (!id) return async_ready(Reply::failure(id.error()));
      return async_change(raft::MembershipChange{type, *id, {}, {}});
    });
  }
  server.handle("transfer_leadership", [this](wire::Request request) {
    if (auto refused = refusal(request)) return async_ready(std::move(*refused));
    if (auto bad = unexpected_fields(request.body, {"to"}, {})) return async_ready(std::move(*bad));
    raft::NodeId target{0};
    if (request.body.is_object() && request.body.contains("to")) {
      auto to = node_id(request.body.at("to"), "to");
      if (!to) return async_ready(Reply::failure(to.error()));
      target = *to;
    }
    return async_transfer(target);
  });
}

std::optional<Reply> refusal_unless_operator(const wire::Request& request, bool is_plain,
                                             std::string_view what) {
  if (is_plain) {
    // Plain TCP proves nobody: only a process on this machine (IPv4 loopback) is taken for
    // the operator.
    if (request.source.starts_with("127.")) return std::nullopt;
    return Reply::failure(
        Error{code::unauthenticated,
              "on a plain client port " + std::string(what) + " are served to 127.0.0.1 only"});
  }
  // The operators' certificate only: a replica's key (one that was removed included) opens
  // the raft port, never what is the operators'.
  const std::string& name =
      request.connection ? request.connection->client_certificate_name : std::string();
  if (name == admin_certificate_name) return std::nullopt;
  return Reply::failure(
      Error{code::unauthenticated,
            std::string(what) +
                " need a certificate of the cluster's CA: connect with tls.dir/admin.crt and "
                "admin.key (`replica init-certs` makes them)"});
}

std::optional<Reply> AdminService::refusal(const wire::Request& request) const {
  return refusal_unless_operator(request, is_plain_, "the admin ops");
}

Reply AdminService::not_leader() const {
  return failure_with_leader_hint(
      raft_, cluster_, code::not_leader,
      "replica " + std::to_string(raft_.id().value) + " is not the leader");
}

Reply AdminService::handed_over(raft::NodeId removed) const {
  return failure_with_leader_hint(
      raft_, cluster_, code::not_leader,
      "replica " + std::to_string(removed.value) +
          " led and handed leadership over so that it can be removed; nothing was removed yet");
}

Reply AdminService::failure(const Error& error) const {
  if (error.code == code::not_leader || error.code == code::leadership_lost) {
    return failure_with_leader_hint(raft_, cluster_, error.code, error.message);
  }
  return Reply::failure(error);
}

asio::awaitable<Reply> AdminService::async_list() {
  if (raft_.role() != raft::Role::leader) co_return not_leader();
  // What a majority holds: a leader deposed meanwhile is not asked.
  auto barrier = co_await raft_.async_read_barrier();
  if (!barrier) co_return failure(barrier.error());
  const raft::ServerStatus status = raft_.status();
  const raft::MembershipStatus configuration = raft_.membership();
  Json members = Json::array();
  for (const raft::Member& member : configuration.membership.members) {
    members.push_back(member_json(member, configuration));
  }
  co_return Reply::success(Json{{"leader", status.id.value},
                                {"index", configuration.index.value},
                                {"committed", configuration.index <= configuration.commit},
                                {"last_index", status.last_index.value},
                                {"members", std::move(members)}});
}

asio::awaitable<Reply> AdminService::async_change(raft::MembershipChange change) {
  if (raft_.role() != raft::Role::leader) co_return not_leader();
  if (change.type == raft::MembershipChangeType::remove && change.id == raft_.id()) {
    // The core never removes its own leader: hand over first, and let the client ask the
    // node that leads now (nothing was removed yet).
    const raft::NodeId most_up_to_date{0};
    auto handed = co_await raft_.async_hand_over(most_up_to_date);
    if (!handed) co_return failure(handed.error());
    co_return handed_over(change.id);
  }
  auto changed = co_await raft_.async_change_membership(std::move(change));
  if (!changed) co_return failure(changed.error());
  co_return Reply::success(Json{{"index", changed->value}});
}

asio::awaitable<Reply> AdminService::async_transfer(raft::NodeId target) {
  if (raft_.role() != raft::Role::leader) co_return not_leader();
  const raft::NodeId from = raft_.id();
  auto handed = co_await raft_.async_hand_over(target);
  if (!handed) co_return failure(handed.error());
  const raft::NodeId now = raft_.leader();
  co_return Reply::success(
      Json{{"from", from.value}, {"leader", now.value == 0 ? Json(nullptr) : Json(now.value)}});
}

}  // namespace auction::platform

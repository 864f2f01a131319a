// BenchUsers: see bench_users.hpp.
#include "bench_users.hpp"

#include <utility>

#include "auction/base/error_codes.hpp"
#include "auction/identity/signing.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "platform/user_proofs.hpp"
#include "support/test_keys.hpp"
#include "wire/envelope.hpp"

namespace auction::bench {

namespace asio = boost::asio;
using wire::Json;

namespace {

// The result of the answer `line` to `op`, or the error it carries.
Result<Json> result_of(const Result<std::string>& line, const char* op) {
  if (!line) return std::unexpected(line.error());
  auto response = wire::parse_response(*line);
  if (!response) {
    return fail(code::bad_response, std::string(op) + ": " + response.error().message);
  }
  if (!response->reply.ok) return std::unexpected(response->reply.to_error());
  return std::move(response->reply.result);
}

asio::awaitable<Result<void>> async_prove(platform::ClientUser user, std::string cluster_id,
                                          NewLineConnection connection) {
  const std::string ask = wire::encode_request(1, "auth_challenge", nullptr);
  const auto asked_line = co_await connection.exchange(ask);
  auto asked = result_of(asked_line, "auth_challenge");
  if (!asked) co_return std::unexpected(std::move(asked.error()));
  const Json& challenge = (*asked)["challenge"];
  if (!challenge.is_string() ||
      challenge.get_ref<const std::string&>().size() != 2 * platform::challenge_bytes) {
    co_return fail(code::bad_response, "auth_challenge answer: challenge: must be 64 hex digits");
  }
  // Proofs are scoped to our own copy of the id; the replica's only explains a refusal.
  const Json& theirs = (*asked)["cluster_id"];
  if (theirs.is_string() && theirs.get_ref<const std::string&>() != cluster_id) {
    co_return fail(code::credentials_invalid,
                   "the replica belongs to cluster " + theirs.get<std::string>() + ", not " +
                       cluster_id + " (the cluster file's tls.dir/cluster-id)");
  }
  const std::string key = user.keys->public_key().to_text();
  const std::string scope =
      platform::connection_proof_scope(cluster_id, connection.channel_binding);
  const identity::Signature signature = identity::sign(
      *user.keys, identity::SigningContext{identity::SigningPurpose::connection_auth, scope},
      platform::connection_proof_message(challenge.get_ref<const std::string&>(), user.username,
                                         key));
  const Json fields{
      {"username", user.username}, {"public_key", key}, {"signature", signature.to_text()}};
  const std::string prove = wire::encode_request(2, "authenticate", fields);
  const auto proven_line = co_await connection.exchange(prove);
  auto proven = result_of(proven_line, "authenticate");
  if (!proven) co_return std::unexpected(std::move(proven.error()));
  co_return Result<void>{};
}

}  // namespace

platform::ClientUser bench_user(const std::string& username) { return test::test_user(username); }

Result<platform::ClientOptions> bench_client_options(const platform::ClusterConfig& config) {
  platform::ClientOptions options = platform::client_options_from(config);
  if (!config.tls) {
    return fail(code::credentials_invalid,
                "the cluster file has no \"tls\" section, so no cluster id to prove users' keys "
                "in (use the cluster file the replicas use)");
  }
  auto cluster_id = platform::load_cluster_id(config.tls->dir);
  if (!cluster_id) return std::unexpected(cluster_id.error());
  options.cluster_id = std::move(*cluster_id);
  return options;
}

platform::ClientOptions acting_as(platform::ClientOptions options, const std::string& username) {
  options.user = bench_user(username);
  return options;
}

LineGreeting line_user_proof(platform::ClientUser user, std::string cluster_id) {
  return [user = std::move(user),
          cluster_id = std::move(cluster_id)](const NewLineConnection& connection) {
    return async_prove(user, cluster_id, connection);
  };
}

}  // namespace auction::bench

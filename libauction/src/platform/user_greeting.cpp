// A user's greeting of a new connection: see user_greeting.hpp.
#include "platform/user_greeting.hpp"

#include <utility>

#include "auction/base/error_codes.hpp"
#include "auction/identity/signing.hpp"
#include "platform/user_proofs.hpp"

namespace auction::platform {

namespace asio = boost::asio;
using wire::Json;

namespace {

asio::awaitable<Result<void>> async_greet(ClientUser user, std::string cluster_id,
                                          wire::NewConnection connection) {
  auto asked = co_await connection.call("auth_challenge", Json::object());
  if (!asked) co_return std::unexpected(std::move(asked.error()));
  if (!asked->ok) co_return std::unexpected(asked->to_error());
  const Json& challenge = asked->result["challenge"];
  if (!challenge.is_string() ||
      challenge.get_ref<const std::string&>().size() != 2 * challenge_bytes) {
    co_return fail(code::bad_response, "auth_challenge answer: challenge: must be 64 hex digits");
  }
  const std::string key = user.keys->public_key().to_text();
  const std::string scope = connection_proof_scope(cluster_id, connection.channel_binding);
  const identity::Signature signature = identity::sign(
      *user.keys, identity::SigningContext{identity::SigningPurpose::connection_auth, scope},
      connection_proof_message(challenge.get_ref<const std::string&>(), user.username, key));
  Json fields{{"username", user.username}, {"public_key", key}, {"signature", signature.to_text()}};
  auto proven = co_await connection.call("authenticate", std::move(fields));
  if (!proven) co_return std::unexpected(std::move(proven.error()));
  if (!proven->ok) co_return std::unexpected(proven->to_error());
  co_return Result<void>{};
}

}  // namespace

std::function<asio::awaitable<Result<void>>(wire::NewConnection)> user_greeting(
    ClientUser user, std::string cluster_id) {
  return
      [user = std::move(user), cluster_id = std::move(cluster_id)](wire::NewConnection connection) {
        return async_greet(user, cluster_id, std::move(connection));
      };
}

}  // namespace auction::platform

// UserAuthenticator: see user_authenticator.hpp.
#include "platform/user_authenticator.hpp"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/identity/random.hpp"
#include "auction/identity/user_key.hpp"
#include "platform/field_reader.hpp"
#include "platform/user_proofs.hpp"

namespace auction::platform {

namespace asio = boost::asio;
using wire::Json;
using wire::Reply;

namespace {

// The connection's ConnectionUser, made on first use.
ConnectionUser& user_of(wire::ConnectionContext& connection) {
  if (auto* user = std::any_cast<ConnectionUser>(&connection.attachment)) return *user;
  return connection.attachment.emplace<ConnectionUser>();
}

const ConnectionUser* user_of(const wire::ConnectionContext* connection) {
  return connection == nullptr ? nullptr : std::any_cast<ConnectionUser>(&connection->attachment);
}

Error unauthenticated(const std::string& why) { return Error{code::unauthenticated, why}; }

// The check itself, run on the worker.
asio::awaitable<bool> async_check_signature(std::string public_key_hex,
                                            identity::SigningPurpose purpose, std::string scope,
                                            std::string message, std::string signature_hex) {
  auto key = identity::public_key_from_text(public_key_hex);
  auto signature = identity::signature_from_text(signature_hex);
  if (!key || !signature) co_return false;
  co_return identity::verify(*key, identity::SigningContext{purpose, scope}, message, *signature);
}

}  // namespace

UserAuthenticator::UserAuthenticator(const StateMachine& machine, std::string cluster_id)
    : machine_(machine), cluster_id_(std::move(cluster_id)) {}

UserAuthenticator::~UserAuthenticator() { worker_.join(); }

Reply UserAuthenticator::challenge(const wire::Request& request) {
  if (!request.body.empty()) {
    return Reply::failure(Error{code::bad_request, "auth_challenge takes no fields"});
  }
  ConnectionUser& user = user_of(*request.connection);
  user.challenge = identity::random_hex(challenge_bytes);
  return Reply::success(Json{{"challenge", user.challenge}, {"cluster_id", cluster_id_}});
}

asio::awaitable<Reply> UserAuthenticator::async_authenticate(wire::Request request) {
  ConnectionUser& user = user_of(*request.connection);
  // One try per challenge, whatever its outcome.
  const std::string challenge = std::exchange(user.challenge, std::string());
  FieldReader r(request.body);
  std::string username;
  std::string public_key;
  std::string signature;
  r.username("username", username);
  r.hex("public_key", public_key, public_key_hex_digits);
  r.hex("signature", signature, signature_hex_digits);
  if (auto read = r.finish(); !read) co_return Reply::failure(read.error());
  if (challenge.empty()) {
    co_return Reply::failure(
        unauthenticated("no challenge on this connection: ask auth_challenge first"));
  }
  const std::optional<std::string> registered = machine_.public_key(username);
  if (registered && *registered != public_key) {
    co_return Reply::failure(unauthenticated("that is not the key of " + username));
  }
  const bool is_registered = registered.has_value();
  std::string scope = connection_proof_scope(cluster_id_, request.connection->channel_binding);
  std::string message = connection_proof_message(challenge, username, public_key);
  const bool valid =
      co_await async_verify(public_key, identity::SigningPurpose::connection_auth, std::move(scope),
                            std::move(message), std::move(signature));
  if (!valid) {
    co_return Reply::failure(
        Error{code::bad_signature, "the signature does not prove the key of " + username +
                                       " for this challenge on this connection"});
  }
  // The connection may have proven another user meanwhile: the last proof wins.
  ConnectionUser& proven = user_of(*request.connection);
  proven.username = username;
  proven.public_key = std::move(public_key);
  co_return Reply::success(Json{{"username", std::move(username)}, {"registered", is_registered}});
}

std::optional<Error> UserAuthenticator::authorize(const Command& command,
                                                  const wire::ConnectionContext* connection) const {
  const std::optional<std::string_view> acting = acting_user(command);
  if (!acting) return std::nullopt;
  const ConnectionUser* user = user_of(connection);
  if (user == nullptr || user->username.empty()) {
    return unauthenticated("this connection has not proven to be " + std::string(*acting) +
                           ": authenticate first");
  }
  if (user->username != *acting) {
    return unauthenticated("this connection speaks for " + user->username + ", not " +
                           std::string(*acting));
  }
  if (const auto* login = std::get_if<Login>(&command)) {
    if (login->public_key != user->public_key) {
      return unauthenticated("public_key is not the key this connection proved");
    }
    return std::nullopt;
  }
  const std::optional<std::string> registered = machine_.public_key(*acting);
  if (registered && *registered != user->public_key) {
    return unauthenticated("the key of " + user->username +
                           " changed since this connection proved it: authenticate again");
  }
  return std::nullopt;
}

asio::awaitable<Result<void>> UserAuthenticator::async_check_rotation(RotateKey rotation,
                                                                      std::string old_key) {
  std::string message = rotation_proof_message(rotation.username, old_key, rotation.public_key);
  const bool valid =
      co_await async_verify(rotation.public_key, identity::SigningPurpose::key_rotation,
                            cluster_id_, std::move(message), rotation.proof);
  if (!valid) {
    co_return fail(code::bad_signature, "proof: not the new key's signature of this rotation");
  }
  co_return Result<void>{};
}

void UserAuthenticator::on_rotated(const RotateKey& rotation, wire::ConnectionContext& connection) {
  ConnectionUser& user = user_of(connection);
  if (user.username == rotation.username) user.public_key = rotation.public_key;
}

namespace {

// A plain coroutine, not a lambda: g++ 12 destroys a coroutine lambda's captures twice.
asio::awaitable<Result<void>> async_run_check(ChainCheck check, ChainClaim claim) {
  co_return check(claim);
}

}  // namespace

asio::awaitable<Result<void>> UserAuthenticator::async_on_worker(const ChainCheck& check,
                                                                 ChainClaim claim) {
  auto run = async_run_check(check, std::move(claim));
  co_return co_await asio::co_spawn(worker_, std::move(run), asio::use_awaitable);
}

asio::awaitable<bool> UserAuthenticator::async_verify(std::string public_key_hex,
                                                      identity::SigningPurpose purpose,
                                                      std::string scope, std::string message,
                                                      std::string signature_hex) {
  // co_spawn on the worker runs the check there and resumes this coroutine on its own
  // executor when it is done. (A plain coroutine, not a lambda: g++ 12 destroys a coroutine
  // lambda's captures twice.)
  auto check = async_check_signature(std::move(public_key_hex), purpose, std::move(scope),
                                     std::move(message), std::move(signature_hex));
  co_return co_await asio::co_spawn(worker_, std::move(check), asio::use_awaitable);
}

}  // namespace auction::platform

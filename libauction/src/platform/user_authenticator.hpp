// UserAuthenticator: which user a client connection speaks for, and the proofs that decide it.
//
// A connection proves a user's key the way SSH's public-key login does, bound to the TLS
// session: `auth_challenge` hands the connection a fresh random challenge; `authenticate`
// {username, public_key, signature} answers it with the user's signature of the connection
// proof (user_proofs.hpp), scoped to this cluster and this connection's channel binding.
// The key must be the user's registered key, or, for a name nobody has registered, the key
// that the connection's `login` will register. A challenge is good for one try. From then on
// the connection speaks for that user: authorize() lets through exactly the requests that
// act for or read as that user (commands.hpp, acting_user()), and only while the user's key
// is still the one proven.
// Why checking here, on the leader, is enough: only requests this check let through are
// proposed, and only members holding the cluster's certificates can write the log (the raft
// port's mutual TLS), so every entry that apply() sees was authorized by a leader. apply()
// still decides what depends on the order of entries (first come, first served for a name).
// Signatures are checked on a worker thread of this object, never on the replica's event
// loop: one Ed25519 check costs tens of microseconds, and a flood of proofs must not stall
// heartbeats or writes. The replica rate-limits proofs per source like writes.
// Threading: every member runs on the replica's executor; the worker only verifies.
// Never: lets a request through for a user the connection did not prove, accepts a challenge
// twice, or verifies on the caller's thread.
#pragma once

#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "auction/base/error.hpp"
#include "auction/identity/signing.hpp"
#include "auction/platform/chain_check.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/state_machine.hpp"
#include "wire/envelope.hpp"

namespace auction::platform {

// What a connection proved (its wire::ConnectionContext::attachment).
struct ConnectionUser {
  std::string challenge;   // hex; "" when none is outstanding
  std::string username;    // "" until a proof succeeded
  std::string public_key;  // the key proven, hex
};

class UserAuthenticator {
 public:
  // `machine` must outlive this object; `cluster_id` scopes every proof (cluster_credentials.hpp).
  UserAuthenticator(const StateMachine& machine, std::string cluster_id);
  // Waits for a check in progress on the worker.
  ~UserAuthenticator();
  UserAuthenticator(const UserAuthenticator&) = delete;
  UserAuthenticator& operator=(const UserAuthenticator&) = delete;

  // auth_challenge: a fresh challenge for the request's connection, replacing any earlier.
  // Result: {"challenge": hex, "cluster_id": ...}.
  wire::Reply challenge(const wire::Request& request);

  // authenticate, on a state that holds every acknowledged write (the caller waited for a
  // read barrier). Result: {"username", "registered": whether the name has a key already}.
  // Errors: bad_request / invalid_argument (fields), unauthenticated (no challenge on this
  // connection, or not the user's registered key), bad_signature.
  boost::asio::awaitable<wire::Reply> async_authenticate(wire::Request request);

  // nullopt when `connection` may send `command`; otherwise the `unauthenticated` refusal.
  std::optional<Error> authorize(const Command& command,
                                 const wire::ConnectionContext* connection) const;

  // rotate_key's proof: the new key's signature of the rotation. Errors: bad_signature.
  boost::asio::awaitable<Result<void>> async_check_rotation(RotateKey rotation,
                                                            std::string old_key);
  // Runs `check(claim)` on the worker (a chain check costs a signature check per
  // withdrawal); resumes on the caller's executor.
  boost::asio::awaitable<Result<void>> async_on_worker(const ChainCheck& check, ChainClaim claim);

  // After a rotate_key was applied: the connection now speaks with the new key.
  static void on_rotated(const RotateKey& rotation, wire::ConnectionContext& connection);

 private:
  // Runs verify() on the worker; resumes on the caller's executor.
  boost::asio::awaitable<bool> async_verify(std::string public_key_hex,
                                            identity::SigningPurpose purpose, std::string scope,
                                            std::string message, std::string signature_hex);

  const StateMachine& machine_;
  std::string cluster_id_;
  boost::asio::thread_pool worker_{1};
};

}  // namespace auction::platform

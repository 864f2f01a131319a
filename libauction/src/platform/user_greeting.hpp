// The greeting a platform client gives each new connection when it acts as a user: it asks
// the replica for a challenge and answers it with the user's connection proof
// (user_proofs.hpp), so every call on that connection acts as that user (docs/identity.md).
// Private to src/platform; used by platform::Client through wire::ClientOptions::greeting.
// Never: signs anything but a connection proof for the challenge of this connection.
#pragma once

#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/client.hpp"
#include "wire/client.hpp"

namespace auction::platform {

// Errors of the greeting: those of the calls (not_leader, unavailable, ...), the replica's
// refusal of the proof (unauthenticated: the name is registered with another key;
// bad_signature), bad_response (a challenge that is not 64 hex digits).
std::function<boost::asio::awaitable<Result<void>>(wire::NewConnection)> user_greeting(
    ClientUser user, std::string cluster_id);

}  // namespace auction::platform

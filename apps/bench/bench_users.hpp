// BenchUsers: the users bench acts as on the platform, and how it proves to be them.
//
// The platform serves a request that acts for or reads as a user (platform::acting_user())
// only on a connection that proved that user's Ed25519 key, and a connection speaks for one
// user (docs/identity.md). So every user bench acts as has its own key and its own
// connections: through platform::Client acting as it (ClientOptions::user: the client proves
// the key on each connection it makes), or, on bench's raw line connections, through
// line_user_proof() below, the same proof by hand.
// Keys derive from the user's name (tests/support/test_keys.hpp, which bench links): the
// bench users of a cluster that outlives one run (--cluster) keep their keys from run to
// run, so a later run logs them in again where a fresh key would find the name taken.
// Anyone can derive these keys: never give a bench name to a real user.
#pragma once

#include <string>

#include "auction/base/error.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "line_connection.hpp"

namespace auction::bench {

// `username` with its bench key.
platform::ClientUser bench_user(const std::string& username);

// The client options of `config` (platform::client_options_from) with the cluster's id read
// once from tls.dir/cluster-id: every user's proof is scoped to it. Anonymous (no user).
// Errors: credentials_invalid (the cluster file has no "tls" section, or its cluster-id is
// missing or malformed: `replica init-certs` adds it).
Result<platform::ClientOptions> bench_client_options(const platform::ClusterConfig& config);

// `options` acting as `username` with its bench key.
platform::ClientOptions acting_as(platform::ClientOptions options, const std::string& username);

// The greeting of a LineConnection that proves `user` as platform::Client does
// (platform/user_greeting.cpp): auth_challenge, then authenticate with the user's signature
// of the connection proof (platform/user_proofs.hpp) scoped to `cluster_id` and the
// connection's channel binding. Errors: those of the exchanges, the replica's refusal
// (not_leader, rate_limited, unauthenticated, bad_signature, ...), bad_response (an answer
// that is not what was asked for), credentials_invalid (the replica names another cluster).
LineGreeting line_user_proof(platform::ClientUser user, std::string cluster_id);

}  // namespace auction::bench

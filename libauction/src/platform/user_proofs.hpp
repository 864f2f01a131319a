// What a user signs to prove its key to the platform: the one definition of each signed text,
// shared by the client that signs (platform::Client) and the replica that checks
// (UserAuthenticator), so the two cannot drift apart. docs/identity.md describes them.
//
//   connection proof  SigningPurpose::connection_auth, scope: the cluster id followed by the
//                     connection's channel binding (tls_context.hpp; nothing on a plain
//                     client port), message: "<challenge> <username> <public key>". Counts
//                     once (the replica forgets the challenge), on one connection, of one
//                     cluster.
//   rotation proof    SigningPurpose::key_rotation, made with the NEW key, scope: the
//                     cluster id, message: "<username> <old public key> <new public key>".
//                     The old key is proven by the connection that sends it.
// Every part of a message is hex or a username ([A-Za-z0-9_.-]), so the spaces cannot be
// confused with the parts; the cluster id has a fixed length, so the scope cannot either.
// Private to src/platform. Pure.
#pragma once

#include <string>
#include <string_view>

namespace auction::platform {

// The random challenge a replica gives a connection: this many bytes, sent as hex.
inline constexpr std::size_t challenge_bytes = 32;

std::string connection_proof_scope(std::string_view cluster_id, std::string_view channel_binding);
std::string connection_proof_message(std::string_view challenge_hex, std::string_view username,
                                     std::string_view public_key_hex);
std::string rotation_proof_message(std::string_view username, std::string_view old_key_hex,
                                   std::string_view new_key_hex);

}  // namespace auction::platform

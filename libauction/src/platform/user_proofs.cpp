// The signed texts of user proofs: see user_proofs.hpp.
#include "platform/user_proofs.hpp"

namespace auction::platform {

namespace {

std::string joined(std::string_view a, std::string_view b, std::string_view c) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size() + 2);
  out.append(a).append(" ").append(b).append(" ").append(c);
  return out;
}

}  // namespace

std::string connection_proof_scope(std::string_view cluster_id, std::string_view channel_binding) {
  std::string scope(cluster_id);
  scope.append(channel_binding);
  return scope;
}

std::string connection_proof_message(std::string_view challenge_hex, std::string_view username,
                                     std::string_view public_key_hex) {
  return joined(challenge_hex, username, public_key_hex);
}

std::string rotation_proof_message(std::string_view username, std::string_view old_key_hex,
                                   std::string_view new_key_hex) {
  return joined(username, old_key_hex, new_key_hex);
}

}  // namespace auction::platform

// Users' keys for tests: each username's key pair derives from the name alone, so every test,
// every process a test starts and every helper agrees on alice's key without sharing a file.
// Never for real users: anyone can derive these keys.
// Header-only. Threading: any.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auction/identity/sha256.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/platform/client.hpp"

namespace auction::test {

inline std::shared_ptr<const identity::KeyPair> test_keys(std::string_view username) {
  const identity::Sha256Digest seed =
      identity::sha256("ppapd test key of " + std::string(username));
  return std::make_shared<const identity::KeyPair>(identity::KeyPair::from_seed(seed.bytes));
}

// test_keys(username)'s public key as the platform's requests carry it (hex).
inline std::string test_public_key(std::string_view username) {
  return test_keys(username)->public_key().to_text();
}

// The ClientUser that acts as `username` with its test keys.
inline platform::ClientUser test_user(std::string_view username) {
  return platform::ClientUser{std::string(username), test_keys(username)};
}

}  // namespace auction::test

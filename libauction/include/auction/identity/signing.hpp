// Signing with a user's key, separated by domain: a signature made for one purpose, in one
// scope, over one message verifies for exactly that and nothing else, so no signature can be
// replayed as another kind of statement, into another cluster or onto another connection.
//
// What is signed is never the message alone but signed_bytes(context, message):
//
//   u32be(len(tag)) tag  u32be(len(scope)) scope  u32be(len(message)) message
//
// where u32be is a 4-byte big-endian length, `tag` the purpose's fixed tag below and
// `scope` what the signature is bound to. Every field carries its length, so two different
// (purpose, scope, message) triples never give the same bytes ("ab","c" vs "a","bc").
// The signature is Ed25519 over those bytes (libsodium's crypto_sign_detached).
// docs/identity.md lists the purposes with the scope each one takes.
//
// Identity layer, on base. Pure functions of their inputs; safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"
#include "auction/identity/user_key.hpp"

namespace auction::identity {

// What a signature says, as a fixed tag. These are the only purposes there are: the
// constructor is private, so a signature can never be made under a tag typed by hand.
// A tag is part of the protocol: never change one; a new meaning gets a new tag
// ("ppapd/v2/...").
class SigningPurpose {
 public:
  // A user proves to a replica that it holds its key; scope: the connection's binding.
  static const SigningPurpose connection_auth;
  // A seller's price announcement; scope: the cluster id.
  static const SigningPurpose announcement;
  // A buyer's acknowledgement of an announced price; scope: the cluster id.
  static const SigningPurpose ack;
  // A buyer's withdrawal from an auction; scope: the cluster id.
  static const SigningPurpose withdraw;
  // A seller telling its buyers where it answers after a restart; scope: the cluster id.
  static const SigningPurpose seller_back;
  // A seller's result of an auction, naming the head of its announcement chain; scope: the
  // cluster id.
  static const SigningPurpose auction_finished;
  // A user's old key vouching for its new one; scope: the cluster id.
  static const SigningPurpose key_rotation;

  constexpr std::string_view tag() const { return tag_; }

  friend constexpr bool operator==(SigningPurpose a, SigningPurpose b) { return a.tag_ == b.tag_; }

 private:
  constexpr explicit SigningPurpose(std::string_view tag) : tag_(tag) {}
  std::string_view tag_;
};

inline constexpr SigningPurpose SigningPurpose::connection_auth{"ppapd/v1/connection-auth"};
inline constexpr SigningPurpose SigningPurpose::announcement{"ppapd/v1/announcement"};
inline constexpr SigningPurpose SigningPurpose::ack{"ppapd/v1/ack"};
inline constexpr SigningPurpose SigningPurpose::withdraw{"ppapd/v1/withdraw"};
inline constexpr SigningPurpose SigningPurpose::seller_back{"ppapd/v1/seller-back"};
inline constexpr SigningPurpose SigningPurpose::auction_finished{"ppapd/v1/auction-finished"};
inline constexpr SigningPurpose SigningPurpose::key_rotation{"ppapd/v1/key-rotation"};

// What a signature is for and where it counts. `scope` is a view: it must outlive the call
// it is passed to. It must not be empty (an unscoped signature would count everywhere).
struct SigningContext {
  SigningPurpose purpose;
  std::string_view scope;  // the cluster id, or a connection's binding (see the purposes)
};

inline constexpr std::size_t signature_bytes = 64;

// An Ed25519 signature. A plain value.
struct Signature {
  std::array<std::uint8_t, signature_bytes> bytes{};

  // 128 lowercase hex digits.
  std::string to_text() const;

  friend bool operator==(const Signature&, const Signature&) = default;
};

// The signature whose to_text() is `text`. Errors: invalid_argument for anything but exactly
// 128 lowercase hex digits.
Result<Signature> signature_from_text(std::string_view text);

// The exact bytes sign() signs and verify() checks (the encoding above).
// Precondition: scope and message are each shorter than 4 GiB (asserted).
std::string signed_bytes(const SigningContext& context, std::string_view message);

// `keys`' signature of `message` in `context`.
// Preconditions: context.scope is not empty; keys is not moved from (both asserted).
Signature sign(const KeyPair& keys, const SigningContext& context, std::string_view message);

// Whether `signature` is `key`'s signature of `message` in exactly `context`. False for any
// other key, purpose, scope or message, for an empty scope, and for a key or signature that
// libsodium refuses (small-order points, non-canonical encodings).
bool verify(const PublicKey& key, const SigningContext& context, std::string_view message,
            const Signature& signature);

}  // namespace auction::identity

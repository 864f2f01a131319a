// Domain-separated Ed25519 signatures (see auction/identity/signing.hpp).
#include "auction/identity/signing.hpp"

#include "auction/base/assert.hpp"
#include "identity/hex.hpp"
#include "identity/length_prefixed.hpp"
#include "identity/sodium.hpp"

namespace auction::identity {

static_assert(signature_bytes == crypto_sign_BYTES);

std::string Signature::to_text() const { return to_hex(bytes); }

Result<Signature> signature_from_text(std::string_view text) {
  return value_from_hex<Signature>(text, "signature");
}

std::string signed_bytes(const SigningContext& context, std::string_view message) {
  std::string bytes;
  bytes.reserve(12 + context.purpose.tag().size() + context.scope.size() + message.size());
  append_length_prefixed(bytes, context.purpose.tag());
  append_length_prefixed(bytes, context.scope);
  append_length_prefixed(bytes, message);
  return bytes;
}

Signature sign(const KeyPair& keys, const SigningContext& context, std::string_view message) {
  AUCTION_ASSERT(!context.scope.empty(), "a signature must be bound to a scope");
  ensure_sodium();
  const std::string bytes = signed_bytes(context, message);
  Signature signature;
  const int signed_ok = crypto_sign_detached(signature.bytes.data(), nullptr,
                                             reinterpret_cast<const unsigned char*>(bytes.data()),
                                             bytes.size(), keys.secret_key().bytes().data());
  AUCTION_ASSERT(signed_ok == 0, "Ed25519 signing cannot fail");
  return signature;
}

bool verify(const PublicKey& key, const SigningContext& context, std::string_view message,
            const Signature& signature) {
  if (context.scope.empty()) return false;
  ensure_sodium();
  const std::string bytes = signed_bytes(context, message);
  return crypto_sign_verify_detached(signature.bytes.data(),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     bytes.size(), key.bytes.data()) == 0;
}

}  // namespace auction::identity

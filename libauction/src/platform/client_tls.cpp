// The client port's TLS context for a platform client: see client_tls.hpp.
#include "platform/client_tls.hpp"

#include <optional>
#include <utility>

#include "base/credential_file.hpp"
#include "wire/tls_context.hpp"

namespace auction::platform {

namespace asio = boost::asio;

Result<std::shared_ptr<asio::ssl::context>> client_tls_context(const ClientOptions& options) {
  if (options.is_plain) return nullptr;
  if (options.trusted_ca_file.empty()) {
    return fail(code::credentials_invalid,
                "no CA certificate to check the replicas with: the cluster file has no \"tls\" "
                "section (ask for the cluster file the replicas use)");
  }
  auto pem = read_credential_file(options.trusted_ca_file);
  if (!pem) return std::unexpected(pem.error());
  std::optional<TlsCredentials> own;
  if (!options.certificate_file.empty() || !options.private_key_file.empty()) {
    auto certificate = read_credential_file(options.certificate_file);
    if (!certificate) return std::unexpected(certificate.error());
    auto key = read_credential_file(options.private_key_file, Readers::owner_only, "the key");
    if (!key) return std::unexpected(key.error());
    own = TlsCredentials{*pem, std::move(*certificate), std::move(*key)};
  }
  auto context = wire::make_client_tls_context(*pem, own ? &*own : nullptr);
  if (!context) {
    return fail(code::credentials_invalid,
                (own ? options.certificate_file : options.trusted_ca_file).string() + ": " +
                    context.error().message);
  }
  return context;
}

}  // namespace auction::platform

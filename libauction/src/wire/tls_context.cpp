// TLS contexts for mutually authenticated connections: see tls_context.hpp.
#include "wire/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/buffer.hpp>

namespace auction::wire {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

std::unexpected<Error> refuse(const std::string& what, const boost::system::error_code& ec) {
  return fail(code::credentials_invalid, what + ": " + ec.message());
}

// TLS 1.3 only, no session tickets or cache.
Result<std::shared_ptr<ssl::context>> new_tls13_context() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1) {
    return fail(code::credentials_invalid, "this OpenSSL cannot speak TLS 1.3");
  }
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  return context;
}

Result<void> trust(ssl::context& context, const std::string& trusted_ca_pem) {
  if (trusted_ca_pem.empty()) return fail(code::credentials_invalid, "no trusted CA certificate");
  boost::system::error_code ec;
  context.add_certificate_authority(asio::buffer(trusted_ca_pem), ec);
  if (ec) return refuse("the CA certificate does not load", ec);
  return {};
}

Result<void> present(ssl::context& context, const TlsCredentials& credentials) {
  boost::system::error_code ec;
  context.use_certificate_chain(asio::buffer(credentials.certificate_pem), ec);
  if (ec) return refuse("the certificate does not load", ec);
  context.use_private_key(asio::buffer(credentials.private_key_pem), ssl::context::pem, ec);
  if (ec) return refuse("the private key does not load", ec);
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    ERR_clear_error();
    return fail(code::credentials_invalid, "the private key does not match the certificate");
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_mutual_tls_context(const TlsCredentials& credentials) {
  auto context = new_tls13_context();
  if (!context) return context;
  if (auto ok = trust(**context, credentials.trusted_ca_pem); !ok)
    return std::unexpected(ok.error());
  if (auto ok = present(**context, credentials); !ok) return std::unexpected(ok.error());
  boost::system::error_code ec;
  (*context)->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  if (ec) return refuse("cannot require peer certificates", ec);
  return context;
}

Result<std::shared_ptr<ssl::context>> make_server_tls_context(const TlsCredentials& credentials) {
  auto context = new_tls13_context();
  if (!context) return context;
  if (auto ok = present(**context, credentials); !ok) return std::unexpected(ok.error());
  if (!credentials.trusted_ca_pem.empty()) {
    // A client may prove it holds a certificate of the cluster's CA (an operator's, for the
    // admin ops); one that presents another is refused, one that presents none goes on.
    if (auto ok = trust(**context, credentials.trusted_ca_pem); !ok) {
      return std::unexpected(ok.error());
    }
    boost::system::error_code ec;
    (*context)->set_verify_mode(ssl::verify_peer, ec);
    if (ec) return refuse("cannot ask for client certificates", ec);
  }
  return context;
}

Result<std::shared_ptr<ssl::context>> make_client_tls_context(const std::string& trusted_ca_pem,
                                                              const TlsCredentials* own) {
  auto context = new_tls13_context();
  if (!context) return context;
  if (auto ok = trust(**context, trusted_ca_pem); !ok) return std::unexpected(ok.error());
  if (own != nullptr) {
    if (auto ok = present(**context, *own); !ok) return std::unexpected(ok.error());
  }
  boost::system::error_code ec;
  (*context)->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return refuse("cannot require the server's certificate", ec);
  // The server's certificate must be one for a TLS server (extendedKeyUsage serverAuth).
  SSL_CTX_set_purpose((*context)->native_handle(), X509_PURPOSE_SSL_SERVER);
  return context;
}

std::optional<std::string> verified_peer_name(SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509* certificate = SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr) return std::nullopt;
  const X509_NAME* subject = X509_get_subject_name(certificate);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0) {
    return std::nullopt;  // none, or more than one
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return std::nullopt;
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return name;
}

std::string channel_binding(SSL* ssl) {
  if (ssl == nullptr) return {};
  static constexpr char label[] = "EXPORTER-Channel-Binding";  // RFC 9266, section 2
  std::string binding(32, '\0');
  if (SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(binding.data()),
                                 binding.size(), label, sizeof label - 1, nullptr, 0, 0) != 1) {
    return {};
  }
  return binding;
}

}  // namespace auction::wire

// TLS contexts, and the name a peer proved.
//
// Private to the library's Asio side. Three kinds, all TLS 1.3 only, session tickets off
// (a ticket would be a second way in to keep track of):
//   make_mutual_tls_context()  the raft port, both directions of a link (accepting and
//                              connecting): this end's certificate and key, the trusted CAs,
//                              and a peer certificate required and verified;
//   make_server_tls_context()  the client port: this end's certificate and key; a client
//                              may present a certificate of the trusted CAs (an operator,
//                              for the admin ops), verified if it does; most present none
//                              (users prove who they are otherwise);
//   make_client_tls_context()  a client of the client port: the trusted CAs, and the server's
//                              certificate verified as a TLS server's; and, for an operator,
//                              its own certificate and key.
// Include only from .cpp files: it pulls in OpenSSL's headers.
// Never: accepts a handshake without a verified peer certificate, or an older TLS version.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "auction/base/error.hpp"
#include "auction/base/tls_credentials.hpp"

namespace auction::wire {

// Errors (each of the three): credentials_invalid, saying which part did not load and why.
Result<std::shared_ptr<boost::asio::ssl::context>> make_mutual_tls_context(
    const TlsCredentials& credentials);
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const TlsCredentials& credentials);
// make_server_tls_context(): with credentials.trusted_ca_pem empty, no client certificate
// is asked for. make_client_tls_context(): `own` (optional) is presented when asked.
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& trusted_ca_pem, const TlsCredentials* own = nullptr);

// The common name (CN) of the certificate the peer of `ssl` presented and the handshake
// verified; nullopt when there is none or it holds no single UTF-8 common name.
std::optional<std::string> verified_peer_name(SSL* ssl);

// The channel binding of an established TLS connection (RFC 9266, "tls-exporter"): 32 bytes
// both ends derive from the handshake's secrets, different on every connection. "" when
// `ssl` is null or the export fails.
std::string channel_binding(SSL* ssl);

}  // namespace auction::wire

// TLS contexts for mutually authenticated connections, and the name a peer proved.
//
// Private to the library's Asio side. make_mutual_tls_context() turns TlsCredentials into
// one Asio ssl::context that serves both directions of a link (accepting and connecting):
// TLS 1.3 only, this end's certificate and key, the trusted CAs, and a peer certificate
// required and verified on every handshake. Session tickets are off: members reconnect
// rarely, and a ticket would be a second way in to keep track of.
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

// Errors: credentials_invalid, saying which part did not load and why.
Result<std::shared_ptr<boost::asio::ssl::context>> make_mutual_tls_context(
    const TlsCredentials& credentials);

// The common name (CN) of the certificate the peer of `ssl` presented and the handshake
// verified; nullopt when there is none or it holds no single UTF-8 common name.
std::optional<std::string> verified_peer_name(SSL* ssl);

}  // namespace auction::wire

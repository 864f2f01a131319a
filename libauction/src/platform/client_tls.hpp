// The client port's TLS context for a platform client: what ClientOptions say about how to
// reach the replicas (their CA file, or plain TCP), made into an Asio ssl::context.
//
// Private to the library (platform::Client), and shared with `bench`, whose raw-line readers
// must speak to the replicas exactly as the client does. Reads one file, the CA's.
// Include only from .cpp files: it pulls in OpenSSL's headers.
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "auction/base/error.hpp"
#include "auction/platform/client.hpp"

namespace auction::platform {

// Null when `options.is_plain`. Errors: credentials_invalid (no CA file named: the cluster
// file has no tls section; or it cannot be read or does not load), naming the file.
Result<std::shared_ptr<boost::asio::ssl::context>> client_tls_context(const ClientOptions& options);

}  // namespace auction::platform

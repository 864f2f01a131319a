// TlsCredentials: what one end of a mutually authenticated TLS connection holds, as text.
//
// The raft port speaks TLS 1.3 with a certificate on both sides (raft::ServerOptions::tls):
// each replica proves it is a member with a certificate signed by the cluster's own CA, and
// checks the other side's the same way. This is only the data; loading it from the files a
// cluster file names is platform/cluster_credentials.hpp, using it is the raft runtime's.
// Plain strings on purpose: no OpenSSL or Asio header is needed to hold or pass them.
#pragma once

#include <string>

namespace auction {

struct TlsCredentials {
  // One or more CA certificates (PEM, concatenated): a peer's certificate must be signed
  // by one of them. Two while a CA is being rotated (docs/operations.md).
  std::string trusted_ca_pem;
  std::string certificate_pem;  // this end's certificate (PEM), signed by a trusted CA
  std::string private_key_pem;  // its private key (PEM)

  bool empty() const { return certificate_pem.empty(); }
};

}  // namespace auction

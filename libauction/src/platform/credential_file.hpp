// Reading one credentials file (a CA list, a certificate, a key): the one way the library
// reads them, for a replica's credentials (cluster_credentials.cpp) and a client's CA
// (client_tls.cpp). Private to the platform layer.
// I/O: reads the one file. Never: reads more than 1 MiB.
#pragma once

#include <filesystem>
#include <string>

#include "auction/base/error.hpp"

namespace auction::platform {

// The file's bytes. Errors: credentials_invalid ("cannot read FILE: reason", or larger
// than 1 MiB).
Result<std::string> read_credential_file(const std::filesystem::path& path);

}  // namespace auction::platform

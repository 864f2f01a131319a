// A user's key file on disk: created once with a new key pair sealed under a passphrase,
// loaded whenever the user's program starts. The format is key_file_format.hpp's
// (docs/identity.md).
//
// Identity layer, on base. I/O: the one file and its directory. Any thread; two processes
// creating the same file at once: one succeeds, the other gets credentials_exist.
// Never: writes over a file that exists, leaves half a file under the name, reads a key
// file that other users can read, or runs Argon2 with limits a file asks for beyond
// kdf_limits_max.
#pragma once

#include <filesystem>
#include <string_view>

#include "auction/base/error.hpp"
#include "auction/identity/key_file_format.hpp"
#include "auction/identity/user_key.hpp"

namespace auction::identity {

struct KeyFileOptions {
  // Argon2's cost for the new file; tests pass kdf_limits_min to stay fast.
  KdfLimits kdf = kdf_limits_interactive;
};

// Makes a new key pair, seals it under `passphrase` and writes it to `path`: mode 0600,
// synced, then put in place atomically (a reader sees no file or the whole file). The
// directory is created, mode 0700, when missing; an existing one must be the user's own
// and not writable by others (PosixDisk::create_data_directory's rule).
// Errors (nothing is left on disk but a directory that was created):
//   invalid_argument: an empty passphrase, or options.kdf outside
//     [kdf_limits_min, kdf_limits_max];
//   credentials_exist: something is at `path` already (it is left as it is);
//   storage_unsafe, storage_unavailable: the directory cannot be used, or writing fails;
//   credentials_invalid: Argon2 cannot run (not enough memory).
Result<KeyPair> create_key_file(const std::filesystem::path& path, std::string_view passphrase,
                                const KeyFileOptions& options = {});

// The key pair sealed in the key file at `path`. Reads the file only; changes nothing.
// Errors, each message naming the file:
//   credentials_invalid: it cannot be read, is not a regular file, belongs to another user
//     or is readable by group or others (as ssh refuses such keys), is larger than
//     key_file_bytes_max, does not parse as a version-1 key file (parse_key_file_text),
//     asks for key derivation limits out of range, or was altered;
//   wrong_passphrase: the passphrase does not open it.
Result<KeyPair> load_key_file(const std::filesystem::path& path, std::string_view passphrase);

}  // namespace auction::identity

// Credential files: the small files that hold a secret or what a process trusts (a replica's
// TLS key, certificates and CA list; a client's CA list; a user's key file and passphrase
// file), read and written one way for the whole library. Private to libauction: the
// platform's cluster credentials and the identity layer's key files use it.
//
// Base layer. I/O: the one file named (and, when writing, its directory). Any thread.
// Never: reads more than the bound it is given, trusts a private file that others can read,
// or writes over a file that exists.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction {

// What read_credential_file reads unless told less.
inline constexpr std::size_t credential_file_bytes_max = 1 << 20;

// Who may read the file's contents.
enum class Readers : bool {
  anyone,      // a certificate or CA list: public anyway
  owner_only,  // a key or a passphrase: the file must belong to this user, mode 0600 or less
};

// The whole of the regular file at `path`, at most `bytes_max` bytes. With
// Readers::owner_only the file must belong to the effective user and grant nothing to group
// or others; that is checked on the file as opened, so what is checked is what is read.
// `what` names the contents for the message ("the key").
// Errors: credentials_invalid, "cannot read FILE: reason", "FILE is larger than N bytes",
//   "FILE is not a regular file", "FILE belongs to another user (uid U)", "FILE has mode
//   0644: other users can read <what>; make it private (chmod 600 FILE)".
Result<std::string> read_credential_file(const std::filesystem::path& path,
                                         Readers readers = Readers::anyone,
                                         std::string_view what = "it",
                                         std::size_t bytes_max = credential_file_bytes_max);

// Creates `path` holding `content`, mode 0600, and makes it durable; never replaces a file.
// The content is written in full to a new temporary name beside `path`, synced, then linked
// at `path` (link() refuses a name that exists, so of two writers only one wins, and no
// reader ever sees half a file), the temporary name removed and the directory synced.
// Precondition: the directory exists. Errors: credentials_exist "FILE exists" (nothing
//   written); storage_unavailable when a call fails (the temporary name is removed).
Result<void> write_new_private_file(const std::filesystem::path& path, std::string_view content);

// Whether anything is at `path` (a dangling symbolic link counts). Anything but a clear
// "not found" counts as present: never write over what cannot be seen.
bool is_present(const std::filesystem::path& path);

}  // namespace auction

// The key a console program (`seller`, `buyer`) acts with: loaded from the user's key file,
// or, on first use, made and kept there (docs/identity.md).
//
// Private to src/console. I/O: the key file, the passphrase source (a prompt on the
// terminal, a file, an environment variable).
// Never: overwrites a key file, or goes on with a key file it could not open.
#pragma once

#include <memory>
#include <string>

#include "auction/base/error.hpp"
#include "auction/console/console_options.hpp"
#include "auction/console/console_program.hpp"
#include "auction/identity/user_key.hpp"

namespace auction::console {

// Where a user's key file is when --key-file does not say:
// $XDG_CONFIG_HOME/ppapd/keys/<user>.key, else ~/.config/ppapd/keys/<user>.key.
// Errors: invalid_argument when neither XDG_CONFIG_HOME nor HOME is set.
Result<std::string> default_key_file(const std::string& user);

// The user's key pair from options.key_file (or the default), opened with the passphrase
// from --passphrase-file, --passphrase-env or a prompt. When there is no file yet, a new
// pair is made and sealed there, and `print` says so with the public key.
// Errors: those of identity::load_key_file / create_key_file / read_passphrase.
Result<std::shared_ptr<const identity::KeyPair>> open_user_key(const ProgramOptions& options,
                                                               const PrintLine& print);

}  // namespace auction::console

// A console program's key: see user_key_file.hpp.
#include "console/user_key_file.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "auction/base/error_codes.hpp"
#include "auction/identity/key_file.hpp"
#include "auction/identity/passphrase.hpp"

namespace auction::console {

namespace fs = std::filesystem;

namespace {

identity::PassphraseSource passphrase_source(const ProgramOptions& options) {
  if (!options.passphrase_file.empty()) return identity::PassphraseFile{options.passphrase_file};
  if (!options.passphrase_env.empty()) return identity::PassphraseVariable{options.passphrase_env};
  return identity::PassphrasePrompt{};
}

// Wipes the passphrase when it goes out of scope.
struct Passphrase {
  std::string text;
  ~Passphrase() { identity::wipe_passphrase(text); }
};

}  // namespace

Result<std::string> default_key_file(const std::string& user) {
  fs::path base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = fs::path(home) / ".config";
  } else {
    return fail(code::invalid_argument,
                "no place for your key file: set HOME or XDG_CONFIG_HOME, or give --key-file");
  }
  return (base / "ppapd" / "keys" / (user + ".key")).string();
}

Result<std::shared_ptr<const identity::KeyPair>> open_user_key(const ProgramOptions& options,
                                                               const PrintLine& print) {
  std::string path = options.key_file;
  if (path.empty()) {
    auto found = default_key_file(options.user);
    if (!found) return std::unexpected(found.error());
    path = std::move(*found);
  }
  std::error_code ec;
  const bool exists = fs::symlink_status(path, ec).type() != fs::file_type::not_found;
  const auto use = exists ? identity::PassphraseUse::open_key : identity::PassphraseUse::create_key;
  const std::string prompt = exists
                                 ? "Passphrase for " + path + ": "
                                 : "New passphrase for " + options.user + "'s key (" + path + "): ";
  auto read = identity::read_passphrase(passphrase_source(options), use, prompt);
  if (!read) return std::unexpected(read.error());
  Passphrase passphrase{std::move(*read)};
  if (exists) {
    auto keys = identity::load_key_file(path, passphrase.text);
    if (!keys) return std::unexpected(keys.error());
    return std::make_shared<const identity::KeyPair>(std::move(*keys));
  }
  auto keys = identity::create_key_file(path, passphrase.text);
  if (!keys) return std::unexpected(keys.error());
  print("created a new key for " + options.user + " in " + path + " (public key " +
        keys->public_key().to_text() + "); keep the file and its passphrase: the name " +
        options.user + " is yours only with them");
  return std::make_shared<const identity::KeyPair>(std::move(*keys));
}

}  // namespace auction::console

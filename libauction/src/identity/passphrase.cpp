// Reading a passphrase from where the user said it is (see auction/identity/passphrase.hpp).
#include "auction/identity/passphrase.hpp"

#include <cstdlib>

#include "base/credential_file.hpp"
#include "identity/sodium.hpp"
#include "identity/terminal_prompt.hpp"

namespace auction::identity {
namespace {

std::unexpected<Error> unavailable(std::string message) {
  return fail(code::passphrase_unavailable, std::move(message));
}

Result<std::string> from_file(const PassphraseFile& file) {
  auto text = read_credential_file(file.path, Readers::owner_only, "the passphrase",
                                   passphrase_file_bytes_max);
  if (!text) return unavailable(text.error().message);
  auto passphrase = passphrase_from_file_text(*text);
  wipe(*text);
  if (!passphrase) return unavailable(file.path.string() + ": " + passphrase.error().message);
  return passphrase;
}

Result<std::string> from_variable(const PassphraseVariable& variable) {
  const char* value = variable.name.empty() ? nullptr : std::getenv(variable.name.c_str());
  if (value == nullptr) {
    return unavailable("the environment variable \"" + variable.name +
                       "\" that should hold the passphrase is not set");
  }
  const std::string_view passphrase(value);
  if (passphrase.empty()) {
    return unavailable("the environment variable " + variable.name +
                       " that should hold the passphrase is empty");
  }
  if (passphrase.size() > passphrase_bytes_max) {
    return unavailable("the passphrase in " + variable.name + " is longer than " +
                       std::to_string(passphrase_bytes_max) + " bytes");
  }
  return std::string(passphrase);
}

Result<std::string> from_terminal(std::string_view prompt, PassphraseUse use) {
  auto first = ask_on_terminal(prompt, passphrase_bytes_max);
  if (!first) return first;
  if (first->empty()) return unavailable("the passphrase must not be empty");
  if (use == PassphraseUse::open_key) return first;
  auto again = ask_on_terminal("Repeat the passphrase: ", passphrase_bytes_max);
  if (!again) {
    wipe(*first);
    return again;
  }
  const bool same = *again == *first;
  wipe(*again);
  if (!same) {
    wipe(*first);
    return unavailable("the two passphrases differ");
  }
  return first;
}

}  // namespace

Result<std::string> passphrase_from_file_text(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  if (text.find('\n') != std::string_view::npos && line.ends_with('\r')) line.remove_suffix(1);
  if (line.empty()) return unavailable("the first line, the passphrase, is empty");
  if (line.size() > passphrase_bytes_max) {
    return unavailable("the passphrase is longer than " + std::to_string(passphrase_bytes_max) +
                       " bytes");
  }
  return std::string(line);
}

Result<std::string> read_passphrase(const PassphraseSource& source, PassphraseUse use,
                                    std::string_view prompt) {
  if (const auto* file = std::get_if<PassphraseFile>(&source)) return from_file(*file);
  if (const auto* variable = std::get_if<PassphraseVariable>(&source)) {
    return from_variable(*variable);
  }
  return from_terminal(prompt, use);
}

void wipe_passphrase(std::string& passphrase) {
  sodium_memzero(passphrase.data(), passphrase.size());
}

}  // namespace auction::identity

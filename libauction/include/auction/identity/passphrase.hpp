// Where the passphrase of a key file comes from, for the programs that load or create one:
// asked on the terminal, read from a file, or taken from an environment variable (for
// scripts and services, where no one types).
//
// Identity layer, on base. Only PassphrasePrompt touches a terminal (the controlling one,
// /dev/tty, with echo off); the rest reads a file or the environment.
// Threading: read_passphrase reads the environment with getenv, so it must not race a
// setenv; a prompt must not race another prompt.
// Never: echoes a passphrase, leaves the terminal without echo when it returns, or accepts
// an empty passphrase.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "auction/base/error.hpp"

namespace auction::identity {

// Ask on the controlling terminal.
struct PassphrasePrompt {};

// The first line of a file (without its "\n", or "\r\n"). The file must be its owner's
// alone, like the key file itself (whoever reads both holds the key).
struct PassphraseFile {
  std::filesystem::path path;
};

// The whole value of an environment variable.
struct PassphraseVariable {
  std::string name;
};

using PassphraseSource = std::variant<PassphrasePrompt, PassphraseFile, PassphraseVariable>;

// What the passphrase is for: a new key file's is asked twice on a terminal, and the two
// entries must match.
enum class PassphraseUse : bool { open_key, create_key };

// A passphrase longer than this is refused (what a person types is far shorter).
inline constexpr std::size_t passphrase_bytes_max = 1024;
// A passphrase file larger than this is refused unread.
inline constexpr std::size_t passphrase_file_bytes_max = 4096;

// The passphrase from `source`; `prompt` is what the terminal shows ("Passphrase for
// alice.key: "). The caller should wipe the string once it is used.
// Errors: passphrase_unavailable, the message saying what to do: the variable is unset or
//   empty; the file cannot be read, is larger than passphrase_file_bytes_max, is readable
//   by others or its first line is empty; there is no terminal (the message names
//   --passphrase-file and --passphrase-env); the entries differ; nothing was typed (end of
//   input); the passphrase is longer than passphrase_bytes_max.
Result<std::string> read_passphrase(const PassphraseSource& source, PassphraseUse use,
                                    std::string_view prompt);

// Overwrites a passphrase with zeros (sodium_memzero: not optimised away) before it is freed.
void wipe_passphrase(std::string& passphrase);

// The passphrase a passphrase file's `text` holds: its first line, without the "\n" or
// "\r\n" that ends it. Pure. Errors: passphrase_unavailable when that line is empty or
// longer than passphrase_bytes_max.
Result<std::string> passphrase_from_file_text(std::string_view text);

}  // namespace auction::identity

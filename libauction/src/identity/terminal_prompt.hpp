// Asking for a passphrase on the controlling terminal: the only code of the identity layer
// that touches a terminal. Private to src/identity/ (passphrase.hpp is the API).
//
// I/O: opens /dev/tty, writes the prompt to it and reads one line with echo off; the
// terminal's settings are restored before it returns, whatever it returns. A signal that
// ends the process during the prompt leaves echo off (`stty echo` restores it).
// Threading: one prompt at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction::identity {

// The line typed after `prompt` (without its newline), at most `bytes_max` bytes.
// Errors: passphrase_unavailable: no controlling terminal ("... give it with
//   --passphrase-file FILE or --passphrase-env VARIABLE"), end of input before a newline,
//   a line longer than bytes_max, or a failed read.
Result<std::string> ask_on_terminal(std::string_view prompt, std::size_t bytes_max);

}  // namespace auction::identity

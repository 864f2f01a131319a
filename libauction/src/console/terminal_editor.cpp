// TerminalEditor: see terminal_editor.hpp.
#include "console/terminal_editor.hpp"

#include <langinfo.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cwchar>
#include <string_view>

// libedit's readline interface (Debian's libedit-dev). It declares FILE and uses it without
// including <stdio.h> itself, so that comes first (above).
#include <editline/readline.h>

#include "auction/base/assert.hpp"

namespace auction::console {

namespace {

// The one editor of the process: libedit calls back a plain function, which finds what it
// needs of it here.
std::function<void(std::optional<std::string>)>* current_on_line = nullptr;
std::function<int()>* current_read_char = nullptr;
std::string* current_prompt = nullptr;

// libedit takes what this returns as one character (a code point), not a byte: the bytes
// of a UTF-8 character are read and decoded here (a byte that cannot start or continue one
// is U+FFFD).
int read_terminal_char(FILE* /*stream*/) {
  const int first = (*current_read_char)();
  if (first == EOF || first < 0x80) return first;
  const int more = first >= 0xF8   ? -1
                   : first >= 0xF0 ? 3
                   : first >= 0xE0 ? 2
                   : first >= 0xC0 ? 1
                                   : -1;
  if (more < 0) return 0xFFFD;
  int code = first & (0x3F >> more);
  for (int i = 0; i < more; ++i) {
    const int next = (*current_read_char)();
    if (next == EOF) return EOF;
    if ((next & 0xC0) != 0x80) return 0xFFFD;
    code = (code << 6) | (next & 0x3F);
  }
  return code;
}

// The terminal's width in columns (80 when it does not say).
std::size_t terminal_width() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// How many columns `text` takes: one a character (UTF-8 continuation bytes take none).
// How many columns `text` takes on the terminal, character by character in the editor's
// locale (UTF-8): two for wide ones (CJK, most emoji), none for combining marks, two for a
// control character (libedit shows it as ^X), one for a byte that is no character.
std::size_t columns_of(std::string_view text) {
  std::size_t columns = 0;
  std::mbstate_t state{};
  while (!text.empty()) {
    wchar_t character = 0;
    std::size_t used = std::mbrtowc(&character, text.data(), text.size(), &state);
    if (used == static_cast<std::size_t>(-1) || used == static_cast<std::size_t>(-2)) {
      ++columns;
      text.remove_prefix(1);
      state = std::mbstate_t{};
      continue;
    }
    if (used == 0) used = 1;  // a NUL
    const int width = ::wcwidth(character);
    columns += width < 0 ? 2 : static_cast<std::size_t>(width);
    text.remove_prefix(used);
  }
  return columns;
}

// The editor's character set is UTF-8, as every text of the system is: the environment's
// locale for characters when it is a UTF-8 one, else C.UTF-8 (in the C locale libedit drops
// every key beyond ASCII: "café" was sent as "caf"). Only LC_CTYPE: numbers and messages are
// untouched.
void use_utf8_characters() {
  const char* chosen = std::setlocale(LC_CTYPE, "");
  const char* codeset = chosen != nullptr ? nl_langinfo(CODESET) : nullptr;
  if (codeset != nullptr && std::string_view(codeset) == "UTF-8") return;
  std::setlocale(LC_CTYPE, "C.UTF-8");
}

void on_libedit_line(char* line) {
  if (current_on_line == nullptr) {
    std::free(line);
    return;
  }
  if (line == nullptr) {
    (*current_on_line)(std::nullopt);
    return;
  }
  std::string text(line);
  std::free(line);
  if (!text.empty()) add_history(text.c_str());
  // Installing the handler again starts a new, empty line with its prompt (libedit keeps
  // showing the line just entered otherwise).
  rl_callback_handler_install(current_prompt->c_str(), on_libedit_line);
  (*current_on_line)(std::move(text));
}

}  // namespace

TerminalEditor::TerminalEditor(std::string prompt,
                               std::function<void(std::optional<std::string>)> on_line,
                               std::function<int()> read_char)
    : prompt_(std::move(prompt)), on_line_(std::move(on_line)), read_char_(std::move(read_char)) {
  AUCTION_ASSERT(current_on_line == nullptr, "one TerminalEditor per process");
  use_utf8_characters();
  current_on_line = &on_line_;
  current_read_char = &read_char_;
  current_prompt = &prompt_;
  rl_getc_function = read_terminal_char;
  // The program handles SIGINT and SIGTERM itself (console_program.cpp: a first Ctrl-C may
  // only warn) and restores the terminal as it leaves; libedit's own handlers would hand the
  // signal to whatever handled it when the editor began, which may be the default (death).
  rl_catch_signals = 0;
  rl_callback_handler_install(prompt_.c_str(), on_libedit_line);
}

TerminalEditor::~TerminalEditor() {
  rl_callback_handler_remove();  // the terminal's modes as they were
  std::fputc('\n', stdout);      // leave the cursor below the prompt
  std::fflush(stdout);
  current_on_line = nullptr;
  current_read_char = nullptr;
  current_prompt = nullptr;
}

void TerminalEditor::read_key() { rl_callback_read_char(); }

void TerminalEditor::print_above(std::string_view line) {
  // Up to the first row of the prompt and the typed text (a long one wraps over several),
  // clear from there to the end of the screen, print, and have libedit draw its line again.
  const std::string_view buffer = rl_line_buffer != nullptr ? rl_line_buffer : "";
  const std::string_view typed = buffer.substr(0, static_cast<std::size_t>(std::max(rl_point, 0)));
  const std::size_t rows_up = (columns_of(prompt_) + columns_of(typed)) / terminal_width();
  if (rows_up > 0) std::fprintf(stdout, "\x1b[%zuA", rows_up);
  std::fputs("\r\x1b[J", stdout);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  rl_forced_update_display();
}

void TerminalEditor::resize() { rl_resize_terminal(); }

}  // namespace auction::console

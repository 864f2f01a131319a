// TerminalEditor: the line a person types at a terminal, edited with libedit (arrows, Home
// and End, Ctrl-A/E/K/W, the history of earlier lines), and kept intact while the program
// prints events above it (private to src/console/).
//
// Without it, an event printed while a person types lands in the middle of the typed text
// ("start 3auction 2: round 0, price 5.00"). With it, each printed line first clears the
// line being typed, then libedit draws the prompt and the typed text again below, with the
// cursor where it was.
// libedit's readline interface keeps one terminal state per process, so there is at most
// one TerminalEditor at a time (an assertion). It puts the terminal in its editing mode
// while it exists and restores it when destroyed.
// Threading: not thread-safe. LineReader calls read_key() on its reader thread and
// print_above() from the console's executor, each under one mutex of its own. Never throws.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace auction::console {

class TerminalEditor {
 public:
  // `on_line` gets each line typed (without its newline), or nullopt at the end of input
  // (Ctrl-D on an empty line). It is called from inside read_key(). `read_char` is how
  // libedit reads the terminal: the next byte, or -1 at the end; it may wait (for the rest
  // of a key's bytes, an Esc sequence, a search typed after Ctrl-R), and is called from inside
  // read_key() too, so its caller can let go of what it holds meanwhile.
  TerminalEditor(std::string prompt, std::function<void(std::optional<std::string>)> on_line,
                 std::function<int()> read_char);
  ~TerminalEditor();
  TerminalEditor(const TerminalEditor&) = delete;
  TerminalEditor& operator=(const TerminalEditor&) = delete;

  // Reads and handles what the terminal has ready (one key press, through `read_char`). Call
  // it when the standard input is readable.
  void read_key();
  // Prints `line` (no newline) above the line being typed, and draws that again below it.
  // A typed line longer than the terminal is wide is cleared on every row it wraps over.
  void print_above(std::string_view line);
  // The terminal changed size (SIGWINCH): libedit measures it again.
  void resize();

 private:
  std::string prompt_;
  std::function<void(std::optional<std::string>)> on_line_;
  std::function<int()> read_char_;
};

}  // namespace auction::console

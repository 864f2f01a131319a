// The rules for names, addresses and free text, checked wherever one enters the system.
//
// Sits in base/: the platform's command codec, the peer message codecs and the front ends
// all call these, so a username valid in one place is valid everywhere, and the consoles
// print what others wrote through the one escaping function here. Limits are in limits.hpp.
// Pure functions, safe from any thread, never throw.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"

namespace auction {

// 1..bytes_max characters of [A-Za-z0-9_.-].
bool is_valid_name(std::string_view name, std::size_t bytes_max) noexcept;

// A username: a name of at most limits::username_bytes_max.
bool is_valid_username(std::string_view username) noexcept;

// A client id (exactly-once sessions): a name of at most limits::client_id_bytes_max.
bool is_valid_client_id(std::string_view client_id) noexcept;

// A peer address: an endpoint (endpoint.hpp) with a port in 1..65535, at most
// limits::address_bytes_max bytes. This is where a user's program answers peers.
bool is_valid_address(std::string_view address) noexcept;

// Well-formed UTF-8 (RFC 3629): no overlong forms, no UTF-16 surrogates, nothing past
// U+10FFFF, no truncated sequence.
bool is_valid_utf8(std::string_view bytes) noexcept;

// UTF-8 text of bytes_min..bytes_max bytes.
bool is_valid_text(std::string_view text, std::size_t bytes_min, std::size_t bytes_max) noexcept;

// True when the JSON text nests objects/arrays at most depth_max deep. A linear scan that
// understands strings and escapes, run before the (recursive) JSON parser ever sees a text
// from outside (a frame, a log entry, a snapshot), so no input can exhaust its stack.
bool is_nesting_within(std::string_view json_text, std::size_t depth_max) noexcept;

// --- Free text: auction names, item names, item descriptions ---
//
// Free text is shown on other users' terminals, so it is one line that holds no character
// able to drive a terminal (clear it, move the cursor, start a new line that looks like the
// program's own) or to make text read otherwise than it is stored. Refused:
//   C0 controls U+0000..U+001F (tab and newline included) and DEL U+007F;
//   C1 controls U+0080..U+009F;
//   the bidirectional marks, embeddings, overrides and isolates: U+061C, U+200E, U+200F,
//   U+202A..U+202E, U+2066..U+2069.
// The rule is checked where text enters (a request before the leader proposes it, what a
// user types); text already in the log or in a snapshot is never checked again, so an entry
// that an older version committed applies the same way on every replica
// (platform::check_new_request, docs/protocol.md).

// Whether the free-text rule refuses the code point `c`.
bool is_refused_in_text(char32_t c) noexcept;

// The first code point of `text` the rule refuses, or nullopt. Bytes that are not UTF-8
// are skipped: is_valid_utf8() is the rule for those.
std::optional<char32_t> first_refused_char(std::string_view text) noexcept;

// "U+001B", "U+202E": how errors and docs name a code point.
std::string code_point_name(char32_t c);

// The rule for the free-text field `field`. Error: invalid_argument, e.g.
// "auction_name: must not hold U+001B (no control or bidirectional formatting characters)".
Result<void> check_free_text(std::string_view field, std::string_view text);

// How printable_text() writes what it escapes.
enum class Escapes : bool {
  // For a terminal line: C0 controls and DEL as "\x1b", the others as "\u0085", "\u202e",
  // and a byte that is not UTF-8 as "\xff".
  readable,
  // For a JSON document (its dump(), whose strings already escape C0 controls): every
  // refused character as JSON's own "\u007f", "\u202e", valid inside a string (the only
  // place such a character can be in a JSON document), and a byte that is not UTF-8 as
  // "\ufffd".
  json,
};

// `text` (from another user or the network) made safe to print on a terminal: every
// character the free-text rule refuses is written visibly as `escapes` says; everything
// else, a backslash included, stays as it is. The consoles print every such text through it.
std::string printable_text(std::string_view text, Escapes escapes = Escapes::readable);

}  // namespace auction

// The log: the one place the runtime writes a line for the operator (stderr), in text or as
// one JSON object per line (`replica --log-format json`, docs/operations.md).
//
// Used by the runtime layers (Asio servers, the WAL, the programs), never by the pure parts
// (the Raft core, the state machine, the auction rules), which report through values. The
// JSON form reads the system clock for its timestamp. Thread-safe: each line is written by
// one call, whole.
// Never: throws, or lets a message break the line (JSON escapes every control character;
// the text form writes a line break inside a message as "\n").
#pragma once

#include <string>
#include <string_view>

namespace auction {

enum class LogFormat : bool { text, json };

// For the whole process; text until set. Set it before threads that log start.
void set_log_format(LogFormat format);
LogFormat log_format();

// Writes "<source><joiner><message>" in text, e.g. "replica 2: lost the connection ...", or
// {"time":"2026-12-07T13:40:00.123Z","source":"replica 2","message":"lost the ..."} in JSON.
void log_line(std::string_view source, std::string_view message, std::string_view joiner = ": ");

// The JSON form of one line at `unix_ms` (milliseconds since 1970, UTC), without the newline.
std::string json_log_line(long long unix_ms, std::string_view source, std::string_view message);

}  // namespace auction

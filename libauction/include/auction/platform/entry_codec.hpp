// A platform request as the Raft log holds it: a compact binary form of the writes, so that
// no replica builds or parses a JSON document for an entry.
//
// The leader decodes a client's JSON request once (decode_request(), which checks every
// field), writes encode_entry(request) into the log, and every replica turns those bytes back
// into the same Request with decode_entry() when it applies the entry. decode_entry() also
// reads the JSON text that logs written before this form hold (and that reads and tests
// still use): parse_request().
//
// The binary form (docs/platform.md, "The log's form of a request"): a version byte 0x01
// (a JSON text starts with '{' or white space, never 0x01), the op's code, its fields in a
// fixed order, then the session tag. Integers are LEB128 varints (signed ones zigzag), texts
// a varint length and the bytes, optional values a 0 or 1 byte first; chain links are their
// JSON text. Decoding checks each value by the rules decode_request() applies to it, so an
// entry no leader could have written is refused on every replica alike, never half-read.
//
// Pure: no I/O, no clock. Never throws.
#pragma once

#include <string>
#include <string_view>

#include "auction/base/error.hpp"
#include "auction/platform/commands.hpp"

namespace auction::platform {

// The bytes of `request` for the log: the binary form for a write; a read (never proposed
// by the replica, but a Request may hold one) keeps its JSON text.
std::string encode_entry(const Request& request);

// The request a log entry holds, in either form. For every request r that decode_request()
// accepted, decode_entry(encode_entry(r)) == r.
// Errors: "bad_request" (truncated, trailing bytes, an unknown op code or version, a value of
//   the wrong form), "invalid_argument" (a value decode_request() would refuse, naming the
//   field), or parse_request()'s errors for JSON text.
Result<Request> decode_entry(std::string_view bytes);

}  // namespace auction::platform

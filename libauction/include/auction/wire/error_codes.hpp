// The stable error codes of the wire layer, as constants.
//
// Sits in wire/, below every other layer; later layers add their own codes next to their
// ops (docs/protocol.md lists them all). A code is part of the protocol: it reads the same in
// C++ and in JSON and is never renamed. Plain constants, no state: safe from any thread.
#pragma once

namespace auction::wire::code {

// The request line could not be used: not JSON, not an object, invalid UTF-8, nested too
// deep, missing or ill-typed `id`/`op`, or a field of the wrong type. The connection stays up.
inline constexpr char bad_request[] = "bad_request";
// The request was well formed but names an op this process does not serve.
inline constexpr char unknown_op[] = "unknown_op";
// A field has the right type but a value out of its allowed range or length.
inline constexpr char invalid_argument[] = "invalid_argument";
// A frame exceeded the size limit. The server says so once, then closes the connection,
// because it can no longer tell where the next frame starts.
inline constexpr char frame_too_large[] = "frame_too_large";
// The server refuses a connection because it already serves its maximum; sent once, then close.
inline constexpr char overloaded[] = "overloaded";
// A handler failed in a way it did not report as a value (an escaped exception).
inline constexpr char internal[] = "internal";
// Client side: the call's deadline passed before its reply arrived (a late reply is dropped).
inline constexpr char timeout[] = "timeout";
// Client side: no connection could be made, or it dropped before the reply arrived.
inline constexpr char unavailable[] = "unavailable";
// Client side: the peer sent a line that is not a valid response envelope.
inline constexpr char bad_response[] = "bad_response";
// Server start: the listening address is taken.
inline constexpr char address_in_use[] = "address_in_use";
// Server start: the address could not be parsed, or binding/listening failed otherwise.
inline constexpr char bind_failed[] = "bind_failed";

}  // namespace auction::wire::code

// The request/response envelope: one JSON object per frame (docs/protocol.md, "Envelope").
//
//   request:  {"id": <int or string>, "op": "<name>", ...fields}
//   response: {"id": <same>, "ok": true,  "result": {...}}
//             {"id": <same>, "ok": false, "error": {"code": "...", "message": "...", ...}}
//
// Sits between FrameSplitter (bytes -> lines) and the Server/Client (Asio). Pure: no Asio,
// no clock, no I/O, so every rule about what a peer may send is unit-tested here. Parsing
// never throws and never recurses deeper than EnvelopeLimits::depth_max, whatever the input.
// Threading: free functions and plain values; safe from any thread.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/limits.hpp"

namespace auction::wire {

using Json = nlohmann::json;

// What a peer may put in one envelope. Frame size is limited earlier, by FrameSplitter.
struct EnvelopeLimits {
  std::size_t depth_max = limits::json_depth_max;  // nesting; rejected before parsing
  std::size_t id_bytes_max = 128;                  // a string id longer than this is a bad id
  std::size_t op_bytes_max = 64;
};

// What a server knows of the connection a request came on: one per connection, shared by
// its requests. Handlers run on the server's one executor, so they may read and write it
// without locks.
struct ConnectionContext {
  // TLS: the connection's exporter value (RFC 9266 "tls-exporter", 32 bytes), the same at
  // both ends and on no other connection, so a signature over it cannot be replayed on
  // another connection. Plain TCP: "".
  std::string channel_binding;
  // TLS: the common name of the client certificate the handshake verified against the
  // trusted CAs (ServerOptions::tls), e.g. "admin"; "" when the client presented none, and on
  // plain TCP.
  std::string client_certificate_name;
  // The handlers' own: what the connection proved so far (e.g. the user it speaks for).
  // The wire layer never reads it.
  std::any attachment;
};

struct Request {
  Json id;         // a JSON integer or string, echoed verbatim in the reply
  std::string op;  // non-empty, at most op_bytes_max bytes
  Json body;       // the request object without "id" and "op": the op's fields (an object)
  // Where the request came from, as the Server counts sources (source_of() in acceptor.hpp):
  // an IPv4 address, or an IPv6 /64 prefix. Set by the Server; "" when not known.
  std::string source;
  // The connection it came on. Set by the Server (never null there); null elsewhere.
  std::shared_ptr<ConnectionContext> connection;
};

// A request line that cannot be served, and the id to answer it with: null when the line
// was unusable before a valid id could be read.
struct RequestError {
  Json id;
  Error error;
};

// What a handler answers and what a client receives. Exactly one of result/error is
// meaningful, chosen by `ok`. `error` is the whole error object, so a caller can read extra
// keys a layer adds (e.g. a `leader` hint next to `not_leader`).
struct Reply {
  bool ok = true;
  Json result = Json::object();  // when ok: the op's result object
  Json error;                    // when !ok: {"code": ..., "message": ..., extra keys...}
  // When ok and not empty: the result object already serialized (compact JSON text of an
  // object, valid UTF-8), sent as is instead of `result`. For answers a server keeps
  // serialized between requests, so they are not built and dumped again for every reply.
  std::string result_text;

  static Reply success(Json result = Json::object());
  // Precondition: `result_text` is the compact JSON text of an object, valid UTF-8.
  static Reply success_text(std::string result_text);
  // `extra` (an object, or null) is merged into the error object; it cannot override
  // "code" or "message".
  static Reply failure(const Error& error, const Json& extra = nullptr);

  // "" when ok, else error["code"].
  std::string code() const;
  // The error as a value for code paths that only need code and message. Precondition: !ok.
  Error to_error() const;
};

// A decoded response line, as the client sees it.
struct Response {
  Json id;  // an integer or a string (null only in answers to unusable lines)
  Reply reply;
};

// Parses one request frame. Errors (always code "bad_request"): invalid UTF-8, nested
// deeper than depth_max, not JSON, not an object, missing/ill-typed/oversized id or op.
std::expected<Request, RequestError> parse_request(std::string_view line,
                                                   const EnvelopeLimits& limits = {});

// Encodes a reply as one frame including its trailing `\n`. Never throws: strings holding
// invalid UTF-8 (a handler bug) are encoded with U+FFFD in their place.
std::string encode_reply(const Json& id, const Reply& reply);

// Encodes a request frame including its trailing `\n`. `fields` must be an object (or null
// for none); its own "id"/"op" keys, if any, are overwritten by the arguments.
std::string encode_request(const Json& id, std::string_view op, const Json& fields);

// A request encoded once to be sent many times, on one connection or many (a seller's round,
// to every buyer): the whole frame except its id, which each call writes in front of the
// shared bytes. Immutable; copies share the encoding. The frame is
//   {"id":<id>,"op":"<op>",<fields...>}\n
// which parses exactly as encode_request's (the order of an object's keys means nothing).
class PreparedRequest {
 public:
  // `fields` as for encode_request.
  PreparedRequest(std::string_view op, const Json& fields);

  const std::string& op() const noexcept { return op_; }
  // The frame after head(id): `"op":...}\n`. Never null.
  const std::shared_ptr<const std::string>& tail() const noexcept { return tail_; }
  // The start of the frame for request `id`: `{"id":<id>,`.
  static std::string head(const Json& id);

 private:
  std::string op_;
  std::shared_ptr<const std::string> tail_;
};

// Parses one response frame. Error "bad_response" when the line is not a response envelope.
Result<Response> parse_response(std::string_view line, const EnvelopeLimits& limits = {});

}  // namespace auction::wire

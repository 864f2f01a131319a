// Fuzz target: the wire layer's framing and envelope, i.e. everything a TCP peer's bytes
// meet before a handler runs.
//
// Input layout (FuzzedDataProvider reads the control values from the end of the input): the
// last 2 bytes choose frame_bytes_max (1..1024), the byte before them the number of cut
// points (0..16), one byte before that per cut point (a chunk length); the bytes in front
// are the stream.
// What must hold:
//   - FrameSplitter gives the same frames and the same too_large verdict whether the stream
//     arrives whole or cut into the chosen chunks; every frame is non-empty, holds no `\n`
//     and fits the limit; after need_more it never holds more than frame_bytes_max + 1 bytes;
//   - parse_request on each frame either accepts (string op within the limits, integer or
//     string id, a body object without "id"/"op") or rejects with "bad_request", a message,
//     and a null or valid id;
//   - encode_request of an accepted request parses back to it;
//   - encode_reply of a success or failure reply for that id parses back with
//     parse_response to the same id and reply; a line parse_response accepts re-encodes to
//     itself.
// Nothing may crash, hang, or throw (an escaped exception aborts the target).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "auction/base/error_codes.hpp"
#include "fuzz_check.hpp"
#include "wire/envelope.hpp"
#include "wire/frame_splitter.hpp"

namespace {

using auction::wire::EnvelopeLimits;
using auction::wire::FrameSplitter;
using auction::wire::Json;
using auction::wire::Reply;

struct SplitOutcome {
  std::vector<std::string> frames;
  bool is_too_large = false;
  std::size_t buffered_bytes = 0;  // meaningful when !is_too_large
};

// Takes every frame the splitter holds; records too_large. Checks the buffering bound.
void drain(FrameSplitter& splitter, std::size_t frame_bytes_max, SplitOutcome& out) {
  std::string line;
  for (;;) {
    const auto status = splitter.next(line);
    if (status == FrameSplitter::Status::need_more) {
      FUZZ_CHECK(splitter.buffered_bytes() <= frame_bytes_max + 1,
                 "a partial frame past the limit must be reported, not buffered");
      return;
    }
    if (status == FrameSplitter::Status::too_large) {
      out.is_too_large = true;
      std::string again;
      FUZZ_CHECK(splitter.next(again) == FrameSplitter::Status::too_large,
                 "too_large must be final");
      return;
    }
    FUZZ_CHECK(!line.empty() && line.size() <= frame_bytes_max, "frame size out of bounds");
    FUZZ_CHECK(line.find('\n') == std::string::npos, "a frame holds a newline");
    out.frames.push_back(line);
  }
}

SplitOutcome split(std::string_view stream, const std::vector<std::size_t>& chunk_bytes,
                   std::size_t frame_bytes_max) {
  FrameSplitter splitter(frame_bytes_max);
  SplitOutcome out;
  std::size_t at = 0;
  for (const std::size_t n : chunk_bytes) {
    if (out.is_too_large) break;
    const std::size_t take = std::min(n, stream.size() - at);
    splitter.append(stream.substr(at, take));
    at += take;
    drain(splitter, frame_bytes_max, out);
  }
  if (!out.is_too_large) {
    splitter.append(stream.substr(at));
    drain(splitter, frame_bytes_max, out);
  }
  if (!out.is_too_large) out.buffered_bytes = splitter.buffered_bytes();
  return out;
}

bool is_valid_id(const Json& id, const EnvelopeLimits& limits) {
  return id.is_number_integer() ||
         (id.is_string() && id.get_ref<const std::string&>().size() <= limits.id_bytes_max);
}

// How deep `value` nests objects and arrays (a scalar is 0).
std::size_t depth_of(const Json& value) {
  std::size_t deepest = 0;
  if (value.is_structured()) {
    for (const auto& child : value) deepest = std::max(deepest, depth_of(child));
    return deepest + 1;
  }
  return 0;
}

// encode_reply -> parse_response must give back the id and the reply.
void check_reply_round_trip(const Json& id, const Reply& reply, const EnvelopeLimits& limits) {
  const std::string line = auction::wire::encode_reply(id, reply);
  FUZZ_CHECK(!line.empty() && line.back() == '\n', "a reply is one frame ending in a newline");
  FUZZ_CHECK(line.find('\n') == line.size() - 1, "a reply holds a newline inside its frame");
  auto parsed =
      auction::wire::parse_response(std::string_view(line).substr(0, line.size() - 1), limits);
  FUZZ_CHECK(parsed.has_value(), "an encoded reply does not parse back");
  FUZZ_CHECK(parsed->id == id, "the reply's id changed");
  FUZZ_CHECK(parsed->reply.ok == reply.ok, "the reply's ok changed");
  if (reply.ok) {
    FUZZ_CHECK(parsed->reply.result == reply.result, "the reply's result changed");
  } else {
    FUZZ_CHECK(parsed->reply.error == reply.error, "the reply's error changed");
    FUZZ_CHECK(parsed->reply.code() == reply.code(), "the reply's code changed");
    FUZZ_CHECK(parsed->reply.to_error() == reply.to_error(), "the reply's error value changed");
  }
}

void check_request(std::string_view line, const EnvelopeLimits& limits) {
  auto request = auction::wire::parse_request(line, limits);
  if (!request) {
    const auto& rejected = request.error();
    FUZZ_CHECK(rejected.error.code == auction::code::bad_request,
               "a rejected request is answered with bad_request");
    FUZZ_CHECK(!rejected.error.message.empty(), "an error without a message");
    FUZZ_CHECK(rejected.id.is_null() || is_valid_id(rejected.id, limits),
               "an error answer carries an invalid id");
    check_reply_round_trip(rejected.id, Reply::failure(rejected.error), limits);
    return;
  }
  FUZZ_CHECK(!request->op.empty() && request->op.size() <= limits.op_bytes_max,
             "accepted op out of bounds");
  FUZZ_CHECK(is_valid_id(request->id, limits), "accepted id is not an integer or short string");
  FUZZ_CHECK(request->body.is_object(), "the body is not an object");
  FUZZ_CHECK(!request->body.contains("id") && !request->body.contains("op"),
             "the body still holds id or op");
  FUZZ_CHECK(depth_of(request->body) <= limits.depth_max, "accepted nesting past depth_max");

  // What a client would send for this request parses back to it.
  const std::string again = auction::wire::encode_request(request->id, request->op, request->body);
  FUZZ_CHECK(again.back() == '\n' && again.find('\n') == again.size() - 1,
             "an encoded request is not one frame");
  auto reparsed =
      auction::wire::parse_request(std::string_view(again).substr(0, again.size() - 1), limits);
  FUZZ_CHECK(reparsed.has_value(), "an encoded request does not parse back");
  FUZZ_CHECK(
      reparsed->id == request->id && reparsed->op == request->op && reparsed->body == request->body,
      "encode_request -> parse_request changed the request");

  // A handler that echoes the body: the reply nests it one level deeper, so it fits the
  // reader's limit only when the body is at least one level shallower than the maximum.
  if (depth_of(request->body) < limits.depth_max) {
    check_reply_round_trip(request->id, Reply::success(request->body), limits);
  }
  check_reply_round_trip(
      request->id,
      Reply::failure(auction::Error{auction::code::unknown_op, "no op " + request->op}), limits);
}

void check_response(std::string_view line, const EnvelopeLimits& limits) {
  auto response = auction::wire::parse_response(line, limits);
  if (!response) {
    FUZZ_CHECK(response.error().code == auction::code::bad_response,
               "a rejected response is bad_response");
    FUZZ_CHECK(!response.error().message.empty(), "an error without a message");
    return;
  }
  FUZZ_CHECK(response->id.is_null() || is_valid_id(response->id, limits),
             "accepted response id is not null, an integer or a short string");
  if (response->reply.ok) {
    FUZZ_CHECK(response->reply.result.is_object(), "accepted result is not an object");
  } else {
    FUZZ_CHECK(response->reply.error.is_object() && response->reply.error.contains("code") &&
                   response->reply.error["code"].is_string(),
               "accepted error without a string code");
  }
  check_reply_round_trip(response->id, response->reply, limits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const std::size_t frame_bytes_max = 1 + input.ConsumeIntegral<std::uint16_t>() % 1024;
  std::vector<std::size_t> chunk_bytes(input.ConsumeIntegralInRange<std::size_t>(0, 16));
  for (auto& n : chunk_bytes) n = input.ConsumeIntegral<std::uint8_t>();
  const std::string stream = input.ConsumeRemainingBytesAsString();

  const SplitOutcome whole = split(stream, {}, frame_bytes_max);
  const SplitOutcome cut = split(stream, chunk_bytes, frame_bytes_max);
  FUZZ_CHECK(whole.frames == cut.frames, "chunking changed the frames");
  FUZZ_CHECK(whole.is_too_large == cut.is_too_large, "chunking changed the too_large verdict");
  FUZZ_CHECK(whole.buffered_bytes == cut.buffered_bytes, "chunking changed what stays buffered");

  const EnvelopeLimits limits;
  for (const auto& frame : whole.frames) {
    check_request(frame, limits);
    check_response(frame, limits);
  }
  return 0;
}

// Fuzz target: what a connection to the raft port delivers (docs/protocol.md), read the way
// the replica's PeerListener reads it, up to raft::decode().
//
// Input: the bytes after the greeting -- frames of u32 little-endian length + body. Frames
// are cut as the listener cuts them (a length of 0 or over the limit ends the stream, as it
// closes the connection).
// What must hold:
//   - decode() of each body either fails with "bad_message" or gives a message that encodes
//     back to bytes that decode to the same message (so what a node relays or re-reads means
//     the same), and whose entries respect the per-message bound;
//   - append_frame() of those bytes announces exactly their length.
// Nothing may crash, hang, or throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auction/raft/config.hpp"
#include "auction/raft/message.hpp"
#include "fuzz_check.hpp"
#include "raft/peer_stream.hpp"

namespace raft = auction::raft;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  const std::size_t limit = raft::detail::message_bytes_max(raft::Config{});
  while (stream.size() >= raft::detail::frame_header_bytes) {
    unsigned char header[raft::detail::frame_header_bytes];
    for (std::size_t i = 0; i < sizeof header; ++i) {
      header[i] = static_cast<unsigned char>(stream[i]);
    }
    const std::uint32_t length = raft::detail::frame_length(header);
    stream.remove_prefix(sizeof header);
    if (length == 0 || length > limit || length > stream.size()) return 0;
    const std::string_view body = stream.substr(0, length);
    stream.remove_prefix(length);

    auto message = raft::decode(body);
    if (!message) {
      FUZZ_CHECK(message.error().code == "bad_message", "decode fails only as bad_message");
      continue;
    }
    FUZZ_CHECK(message->entries.size() <= raft::message_entries_max, "entries are bounded");
    const std::string again = raft::encode(*message);
    auto reread = raft::decode(again);
    FUZZ_CHECK(reread.has_value() && *reread == *message, "encode() round-trips");
    std::string frame;
    raft::detail::append_frame(frame, again);
    unsigned char out[raft::detail::frame_header_bytes];
    for (std::size_t i = 0; i < sizeof out; ++i) out[i] = static_cast<unsigned char>(frame[i]);
    FUZZ_CHECK(raft::detail::frame_length(out) == again.size() &&
                   frame.size() == again.size() + sizeof out,
               "a frame announces its length");
  }
  return 0;
}

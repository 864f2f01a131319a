// The raft port's stream format: how raft::Message values travel between replicas.
//
// Private to the raft runtime (peer_link.cpp sends, peer_listener.cpp receives). A
// connection carries messages one way, from the node that opened it to the node that
// accepted it; the acceptor never writes. It starts with the 8-byte greeting
// "PPRAFT1\n" (so a program that connects to the wrong port gets a clear refusal in the log,
// and the format can change behind a new greeting), then frames, each
//   u32 length (little-endian, 1..frame_bytes_max)   the raft::encode() bytes of one message
// No reply per message: Raft's own responses (append_response, vote_response, ...) are
// messages in the other direction, on the connection the other node opened. A lost
// connection loses the messages in it, which Raft tolerates like any loss.
// Pure: no I/O here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auction/raft/config.hpp"

namespace auction::raft::detail {

inline constexpr std::string_view peer_greeting = "PPRAFT1\n";
inline constexpr std::size_t frame_header_bytes = 4;

// Appends one frame holding `encoded` (raft::encode() bytes) to `out`.
void append_frame(std::string& out, std::string_view encoded);

// The length a frame header announces.
std::uint32_t frame_length(const unsigned char (&header)[frame_header_bytes]);

// The longest encoded message a node of this config sends: one AppendEntries holds at most
// append_entries_max entries and append_bytes_max of data beyond its first entry, which
// itself is at most entry_bytes_max; one snapshot chunk holds at most snapshot_chunk_bytes.
std::size_t message_bytes_max(const Config& config);

}  // namespace auction::raft::detail

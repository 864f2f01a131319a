// The raft port's stream format: see peer_stream.hpp.
#include "raft/peer_stream.hpp"

#include "auction/raft/membership.hpp"

#include <algorithm>

namespace auction::raft::detail {

namespace {
// Bytes of an encoded Message around its entries' data (message.hpp): the fixed header is
// 71 bytes and each entry adds 21; the rest is margin.
constexpr std::size_t message_header_bytes = 128;
constexpr std::size_t message_entry_overhead_bytes = 21;
// An install_snapshot's tail around its data: size, checksum, length, and the configuration
// with its length (at most members_max members, each with two addresses at their longest).
constexpr std::size_t snapshot_chunk_overhead_bytes =
    16 + 4 + 2 + members_max * (8 + 1 + 2 * (1 + member_address_bytes_max));
}  // namespace

void append_frame(std::string& out, std::string_view encoded) {
  const auto length = static_cast<std::uint32_t>(encoded.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((length >> (8 * i)) & 0xffu));
  out.append(encoded);
}

std::uint32_t frame_length(const unsigned char (&header)[frame_header_bytes]) {
  return static_cast<std::uint32_t>(header[0]) | static_cast<std::uint32_t>(header[1]) << 8 |
         static_cast<std::uint32_t>(header[2]) << 16 | static_cast<std::uint32_t>(header[3]) << 24;
}

std::size_t message_bytes_max(const Config& config) {
  const std::size_t append = config.append_entries_max * message_entry_overhead_bytes +
                             config.entry_bytes_max + config.append_bytes_max;
  const std::size_t snapshot_chunk = snapshot_chunk_overhead_bytes + config.snapshot_chunk_bytes;
  return message_header_bytes + std::max(append, snapshot_chunk);
}

}  // namespace auction::raft::detail

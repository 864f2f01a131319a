// Binary codec for raft::Message (format in message.hpp). Pure; never throws: every read
// is length-checked against the remaining input before it happens.
#include "auction/raft/message.hpp"

#include <cstring>
#include <string>
#include <utility>

#include "raft/byte_codec.hpp"

namespace auction::raft {
namespace {

constexpr std::uint8_t codec_version = 1;

bool is_implemented(std::uint8_t type) {
  return (type >= static_cast<std::uint8_t>(MessageType::append) &&
          type <= static_cast<std::uint8_t>(MessageType::timeout_now)) ||
         type == static_cast<std::uint8_t>(MessageType::snapshot_response);
}

// "term 4611686018427387904 is beyond the bound 2^48": what the raft port logs when it
// closes a connection over such a message.
std::string beyond_bound(std::string_view field, std::uint64_t value) {
  return std::string(field) + " " + std::to_string(value) + " is beyond the bound 2^48";
}
static_assert(term_max == std::uint64_t{1} << 48 && log_index_max == std::uint64_t{1} << 48,
              "beyond_bound() names the bounds");

// Fixed part: version, type, 8 u64 fields, reject, entry count.
constexpr std::size_t header_bytes = 1 + 1 + 8 * 8 + 1 + 4;
// Smallest entry: term, index, type, length.
constexpr std::size_t entry_header_bytes = 8 + 8 + 1 + 4;

}  // namespace

std::string_view to_string(MessageType type) {
  switch (type) {
    case MessageType::append: return "append";
    case MessageType::append_response: return "append_response";
    case MessageType::heartbeat: return "heartbeat";
    case MessageType::heartbeat_response: return "heartbeat_response";
    case MessageType::vote: return "vote";
    case MessageType::vote_response: return "vote_response";
    case MessageType::pre_vote: return "pre_vote";
    case MessageType::pre_vote_response: return "pre_vote_response";
    case MessageType::install_snapshot: return "install_snapshot";
    case MessageType::timeout_now: return "timeout_now";
    case MessageType::config_change: return "config_change";
    case MessageType::snapshot_response: return "snapshot_response";
  }
  return "unknown";
}

std::string encode(const Message& m) {
  std::size_t size = header_bytes;
  for (const Entry& e : m.entries) size += entry_header_bytes + e.data.size();
  std::string out;
  out.reserve(size);
  put_u8(out, codec_version);
  put_u8(out, static_cast<std::uint8_t>(m.type));
  put_u64(out, m.from.value);
  put_u64(out, m.to.value);
  put_u64(out, m.term.value);
  put_u64(out, m.log_term.value);
  put_u64(out, m.index.value);
  put_u64(out, m.commit.value);
  put_u64(out, m.reject_hint.value);
  put_u64(out, m.context);
  put_u8(out, m.reject ? 1 : 0);
  put_u32(out, static_cast<std::uint32_t>(m.entries.size()));
  for (const Entry& e : m.entries) {
    put_u64(out, e.term.value);
    put_u64(out, e.index.value);
    put_u8(out, static_cast<std::uint8_t>(e.type));
    put_u32(out, static_cast<std::uint32_t>(e.data.size()));
    out.append(e.data);
  }
  if (m.type == MessageType::install_snapshot) {
    put_u64(out, m.snapshot_bytes);
    put_u32(out, m.snapshot_checksum);
    put_u32(out, static_cast<std::uint32_t>(m.data.size()));
    out.append(m.data);
    const std::string membership =
        m.snapshot_membership.empty() ? std::string() : encode_membership(m.snapshot_membership);
    put_u32(out, static_cast<std::uint32_t>(membership.size()));
    out.append(membership);
  }
  return out;
}

Result<Message> decode(std::string_view bytes) {
  ByteReader r(bytes);
  const std::uint8_t version = r.u8();
  const std::uint8_t type = r.u8();
  Message m;
  m.from = NodeId{r.u64()};
  m.to = NodeId{r.u64()};
  m.term = Term{r.u64()};
  m.log_term = Term{r.u64()};
  m.index = LogIndex{r.u64()};
  m.commit = LogIndex{r.u64()};
  m.reject_hint = LogIndex{r.u64()};
  m.context = r.u64();
  const std::uint8_t reject = r.u8();
  const std::uint32_t count = r.u32();
  if (!r.ok()) return fail(code::bad_message, "message shorter than its header");
  if (version != codec_version) return fail(code::bad_message, "unknown codec version");
  if (!is_implemented(type)) return fail(code::bad_message, "unknown or unsupported message type");
  m.type = static_cast<MessageType>(type);
  if (reject > 1) return fail(code::bad_message, "reject flag is not 0 or 1");
  m.reject = reject == 1;
  if (m.from.value == 0 || m.to.value == 0) return fail(code::bad_message, "node id 0");
  // A term or index past the bound (types.hpp) is no real node's: once adopted it would
  // leave no term to campaign for. log_term is at most term, checked next.
  if (m.term.value > term_max) return fail(code::bad_message, beyond_bound("term", m.term.value));
  for (const auto& [name, v] :
       {std::pair{"index", m.index.value}, std::pair{"commit", m.commit.value},
        std::pair{"reject_hint", m.reject_hint.value}}) {
    if (v > log_index_max) return fail(code::bad_message, beyond_bound(name, v));
  }
  if (m.log_term > m.term) return fail(code::bad_message, "log term above message term");
  if (count > message_entries_max) return fail(code::bad_message, "too many entries");
  if (count > 0 && m.type != MessageType::append) {
    return fail(code::bad_message, "entries on a message type that carries none");
  }
  // Every entry needs at least its header, so a huge count cannot make us allocate more
  // than the input justifies.
  if (count > r.remaining() / entry_header_bytes) {
    return fail(code::bad_message, "entry count exceeds the message length");
  }
  if (count > log_index_max - m.index.value) {
    return fail(code::bad_message, beyond_bound("entry index", m.index.value + count));
  }
  m.entries.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Entry e;
    e.term = Term{r.u64()};
    e.index = LogIndex{r.u64()};
    const std::uint8_t entry_type = r.u8();
    const std::uint32_t length = r.u32();
    if (!r.ok() || !r.bytes(length, e.data)) return fail(code::bad_message, "truncated entry");
    if (entry_type > static_cast<std::uint8_t>(EntryType::config)) {
      return fail(code::bad_message, "unknown entry type");
    }
    e.type = static_cast<EntryType>(entry_type);
    if (e.type == EntryType::config) {
      // The core takes a leader's configuration as it comes: it must be valid here.
      if (auto membership = decode_membership(e.data); !membership) {
        return fail(code::bad_message, "config entry: " + membership.error().message);
      }
    }
    if (e.index.value != m.index.value + 1 + i) {
      return fail(code::bad_message, "entry indexes are not consecutive after index");
    }
    if (e.term > m.term || (i == 0 ? e.term < m.log_term : e.term < m.entries.back().term)) {
      return fail(code::bad_message, "entry terms out of order");
    }
    m.entries.push_back(std::move(e));
  }
  if (m.type == MessageType::install_snapshot) {
    m.snapshot_bytes = r.u64();
    m.snapshot_checksum = r.u32();
    const std::uint32_t length = r.u32();
    if (!r.ok() || !r.bytes(length, m.data)) return fail(code::bad_message, "truncated chunk");
    if (m.snapshot_bytes > log_index_max) {
      return fail(code::bad_message, beyond_bound("snapshot size", m.snapshot_bytes));
    }
    if (m.context > m.snapshot_bytes || length > m.snapshot_bytes - m.context) {
      return fail(code::bad_message, "snapshot chunk reaches past the snapshot's size");
    }
    if (m.index.value == 0) return fail(code::bad_message, "snapshot of index 0");
    std::string membership;
    if (!r.bytes(r.u32(), membership)) return fail(code::bad_message, "truncated chunk");
    if (!membership.empty()) {
      auto decoded = decode_membership(membership);
      if (!decoded) return fail(code::bad_message, "snapshot's " + decoded.error().message);
      m.snapshot_membership = std::move(*decoded);
    }
  }
  if (m.type == MessageType::snapshot_response && m.context > log_index_max) {
    return fail(code::bad_message, beyond_bound("snapshot offset", m.context));
  }
  if (r.remaining() != 0) return fail(code::bad_message, "trailing bytes after the message");
  return m;
}

}  // namespace auction::raft

// Encoding and checked parsing of FileStorage records and snapshot headers (layout:
// auction/raft/file_storage.hpp).
#include "raft/file_storage_format.hpp"

#include <string>
#include <utility>

#include "raft/byte_codec.hpp"
#include "raft/crc32c.hpp"

namespace auction::raft::wal {
namespace {

// Frames `payload` (already appended to `out` after a placeholder header) in place, so an
// entry's data is copied once.
std::size_t begin_record(std::string& out, RecordType type) {
  const std::size_t start = out.size();
  out.append(record_header_bytes - 1, '\0');
  put_u8(out, static_cast<std::uint8_t>(type));
  return start;
}

void finish_record(std::string& out, std::size_t start) {
  const std::size_t payload_bytes = out.size() - start - record_header_bytes;
  std::string length;
  put_u32(length, static_cast<std::uint32_t>(payload_bytes));
  out.replace(start, 4, length);
  // The checksum covers the length too, so a damaged length cannot frame a different span
  // that happens to check out.
  std::uint32_t crc = crc32c(std::string_view(out).substr(start, 4));
  crc = crc32c(std::string_view(out).substr(start + 8), crc);
  std::string crc_bytes;
  put_u32(crc_bytes, crc);
  out.replace(start + 4, 4, crc_bytes);
}

}  // namespace

std::string segment_header() {
  std::string out(segment_magic);
  put_u32(out, format_version);
  put_u32(out, crc32c(out));
  return out;
}

Result<std::uint32_t> check_segment_header(std::string_view bytes) {
  if (bytes.size() < segment_header_bytes) {
    return fail(code::storage_corrupt, "segment header is incomplete");
  }
  if (bytes.substr(0, segment_magic.size()) != segment_magic) {
    return fail(code::storage_corrupt, "not a log segment (bad magic)");
  }
  if (crc32c(bytes.substr(0, 12)) != get_u32(bytes, 12)) {
    return fail(code::storage_corrupt, "segment header checksum mismatch");
  }
  const std::uint32_t version = get_u32(bytes, 8);
  if (version != format_version && version != first_format_version) {
    return fail(code::storage_corrupt,
                "unsupported segment format version " + std::to_string(version));
  }
  return version;
}

void append_entry_record(std::string& out, const Entry& entry) {
  const std::size_t start = begin_record(out, RecordType::entry);
  put_u64(out, entry.term.value);
  put_u64(out, entry.index.value);
  put_u8(out, static_cast<std::uint8_t>(entry.type));
  out.append(entry.data);
  finish_record(out, start);
}

void append_hard_state_record(std::string& out, const HardState& state) {
  const std::size_t start = begin_record(out, RecordType::hard_state);
  put_u64(out, state.term.value);
  put_u64(out, state.vote.value);
  put_u8(out, state.has_vote ? 1 : 0);
  put_u64(out, state.commit.value);
  finish_record(out, start);
}

void append_truncate_record(std::string& out, LogIndex last_kept) {
  const std::size_t start = begin_record(out, RecordType::truncate);
  put_u64(out, last_kept.value);
  finish_record(out, start);
}

void append_log_start_record(std::string& out, LogStart start) {
  const std::size_t begin = begin_record(out, RecordType::log_start);
  put_u64(out, start.index.value);
  put_u64(out, start.term.value);
  finish_record(out, begin);
}

std::size_t entry_record_bytes(const Entry& entry) {
  return record_header_bytes + entry_fixed_bytes + entry.data.size();
}

Result<Record> parse_record(std::string_view file, std::size_t offset,
                            std::uint32_t record_bytes_max) {
  const std::size_t remaining = file.size() - offset;
  if (remaining < record_header_bytes)
    return fail(code::storage_corrupt, "incomplete record header");
  const std::uint32_t length = get_u32(file, offset);
  if (length > record_bytes_max) {
    return fail(code::storage_corrupt, "record length " + std::to_string(length) +
                                           " exceeds the maximum " +
                                           std::to_string(record_bytes_max));
  }
  if (length > remaining - record_header_bytes) {
    return fail(code::storage_corrupt,
                "record length " + std::to_string(length) + " runs past the end of the file");
  }
  const std::string_view record = file.substr(offset, record_header_bytes + length);
  std::uint32_t crc = crc32c(record.substr(0, 4));
  crc = crc32c(record.substr(8), crc);
  if (crc != get_u32(record, 4)) return fail(code::storage_corrupt, "record checksum mismatch");
  return Record{static_cast<RecordType>(record[8]), record.substr(record_header_bytes),
                offset + record.size()};
}

TailScan scan_after_damage(std::string_view file, std::size_t from, std::uint32_t record_bytes_max,
                           std::uint64_t checksum_bytes_max) {
  std::uint64_t checksummed = 0;
  for (std::size_t offset = from; offset + record_header_bytes <= file.size(); ++offset) {
    // A cheap filter first: most offsets fail on the length, and only the rest pay for a
    // checksum.
    const std::uint32_t length = get_u32(file, offset);
    if (length > record_bytes_max || length > file.size() - offset - record_header_bytes) continue;
    checksummed += record_header_bytes + length;
    if (checksummed > checksum_bytes_max) return {TailScan::Outcome::undecided, 0};
    if (parse_record(file, offset, record_bytes_max)) {
      return {TailScan::Outcome::intact_record, offset};
    }
  }
  return {TailScan::Outcome::nothing_intact, 0};
}

Result<Entry> decode_entry(std::string_view payload) {
  if (payload.size() < entry_fixed_bytes)
    return fail(code::storage_corrupt, "entry record too short");
  const auto type = static_cast<std::uint8_t>(payload[16]);
  if (type > static_cast<std::uint8_t>(EntryType::config)) {
    return fail(code::storage_corrupt, "unknown entry type " + std::to_string(type));
  }
  Entry entry{Term{get_u64(payload, 0)}, LogIndex{get_u64(payload, 8)},
              static_cast<EntryType>(type), std::string(payload.substr(entry_fixed_bytes))};
  if (entry.type == EntryType::config) {
    // The core takes a configuration from its log as it is: it must be one.
    if (auto membership = decode_membership(entry.data); !membership) {
      return fail(code::storage_corrupt, "config entry " + std::to_string(entry.index.value) +
                                             ": " + membership.error().message);
    }
  }
  return entry;
}

Result<HardState> decode_hard_state(std::string_view payload) {
  if (payload.size() != hard_state_payload_bytes) {
    return fail(code::storage_corrupt, "hard state record has the wrong size");
  }
  const auto has_vote = static_cast<std::uint8_t>(payload[16]);
  if (has_vote > 1) return fail(code::storage_corrupt, "hard state has_vote is not 0 or 1");
  return HardState{Term{get_u64(payload, 0)}, NodeId{get_u64(payload, 8)}, has_vote == 1,
                   LogIndex{get_u64(payload, 17)}};
}

Result<LogIndex> decode_truncate(std::string_view payload) {
  if (payload.size() != truncate_payload_bytes) {
    return fail(code::storage_corrupt, "truncate record has the wrong size");
  }
  return LogIndex{get_u64(payload, 0)};
}

Result<LogStart> decode_log_start(std::string_view payload) {
  if (payload.size() != log_start_payload_bytes) {
    return fail(code::storage_corrupt, "log start record has the wrong size");
  }
  return LogStart{LogIndex{get_u64(payload, 0)}, Term{get_u64(payload, 8)}};
}

std::string snapshot_header(const Snapshot& snapshot) {
  std::string out(snapshot_magic);
  put_u32(out, snapshot_format_version);
  put_u64(out, snapshot.meta.index.value);
  put_u64(out, snapshot.meta.term.value);
  put_u64(out, snapshot.data.size());
  put_u32(out, snapshot.checksum);
  const std::string membership = snapshot.meta.membership.empty()
                                     ? std::string()
                                     : encode_membership(snapshot.meta.membership);
  put_u32(out, static_cast<std::uint32_t>(membership.size()));
  out += membership;
  put_u32(out, crc32c(out));
  return out;
}

Result<SnapshotHeader> parse_snapshot_header(std::string_view bytes) {
  constexpr std::size_t fixed_bytes = 40;  // magic through the data's checksum
  if (bytes.size() < snapshot_header_v1_bytes) {
    return fail(code::storage_corrupt,
                "the snapshot header is incomplete (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (bytes.substr(0, snapshot_magic.size()) != snapshot_magic) {
    return fail(code::storage_corrupt, "not a snapshot file (bad magic)");
  }
  const std::uint32_t version = get_u32(bytes, 8);
  SnapshotHeader header{SnapshotMeta{LogIndex{get_u64(bytes, 12)}, Term{get_u64(bytes, 20)}},
                        get_u64(bytes, 28), get_u32(bytes, 36), 0};
  std::string_view membership;
  if (version == 1) {
    header.header_bytes = snapshot_header_v1_bytes;
  } else if (version == 2) {
    const std::uint64_t membership_bytes = get_u32(bytes, fixed_bytes);
    if (bytes.size() < fixed_bytes + 8 + membership_bytes) {
      return fail(code::storage_corrupt,
                  "the snapshot header is incomplete (" + std::to_string(bytes.size()) + " bytes)");
    }
    membership = bytes.substr(fixed_bytes + 4, membership_bytes);
    header.header_bytes = fixed_bytes + 8 + membership_bytes;
  } else {
    return fail(code::storage_corrupt,
                "unsupported snapshot format version " + std::to_string(version));
  }
  const std::size_t crc_at = header.header_bytes - 4;
  if (crc32c(bytes.substr(0, crc_at)) != get_u32(bytes, crc_at)) {
    return fail(code::storage_corrupt, "snapshot header checksum mismatch");
  }
  if (!membership.empty()) {
    auto decoded = decode_membership(membership);
    if (!decoded) return fail(code::storage_corrupt, "snapshot header: " + decoded.error().message);
    header.meta.membership = std::move(*decoded);
  }
  return header;
}

}  // namespace auction::raft::wal

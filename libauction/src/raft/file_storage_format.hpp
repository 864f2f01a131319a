// The byte layout of FileStorage's segment and snapshot files: encoding records and snapshot
// headers, and parsing them back with every length checked before it is trusted. The format itself
// is specified once, in the header comment of auction/raft/file_storage.hpp (and in
// docs/raft-storage.md).
//
// Private to libauction (tests include it to compute offsets). Pure functions over byte
// strings: no I/O, callable from any thread. Parsing never allocates from a length field:
// it only hands out views into bytes that exist.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auction/base/error.hpp"
#include "auction/raft/snapshot.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft::wal {

// Segment header: magic, format version, CRC32C of the 12 bytes before it. New segments are
// written in format_version; a segment of first_format_version (no log_start records, and
// the first segment of its directory starts the log at index 1) is still read.
inline constexpr std::string_view segment_magic = "PPAPDWAL";
inline constexpr std::uint32_t format_version = 2;
inline constexpr std::uint32_t first_format_version = 1;
inline constexpr std::size_t segment_header_bytes = 16;

// Record header: payload length, CRC32C over (length, type, payload), type.
inline constexpr std::size_t record_header_bytes = 9;

enum class RecordType : std::uint8_t { entry = 1, hard_state = 2, truncate = 3, log_start = 4 };

inline constexpr std::size_t entry_fixed_bytes = 17;         // term, index, entry type
inline constexpr std::size_t hard_state_payload_bytes = 25;  // term, vote, has_vote, commit
inline constexpr std::size_t truncate_payload_bytes = 8;     // last kept index
inline constexpr std::size_t log_start_payload_bytes = 16;   // index, term

// What a log_start record says: the log continues after the entry (index, term).
struct LogStart {
  LogIndex index;
  Term term;
};

// The 16 bytes that open every new segment file (format_version).
std::string segment_header();

// Whether `bytes` starts with a complete, intact segment header of a version this code
// reads; its version if so. On failure, the reason for a person.
Result<std::uint32_t> check_segment_header(std::string_view bytes);

// Appends one framed record to `out`.
void append_entry_record(std::string& out, const Entry& entry);
void append_hard_state_record(std::string& out, const HardState& state);
void append_truncate_record(std::string& out, LogIndex last_kept);
void append_log_start_record(std::string& out, LogStart start);

// Size on disk of the record that frames `entry`.
std::size_t entry_record_bytes(const Entry& entry);

// A record whose frame and checksum are intact. `payload` views the parsed bytes. Its type
// may still be unknown (any u8 value); the reader decides what that means.
struct Record {
  RecordType type{};
  std::string_view payload;
  std::size_t end = 0;  // offset just past the record
};

// Parses the record at `offset` in `file`. Fails (reason for a person) if the header or the
// payload is incomplete, the length exceeds `record_bytes_max` or the checksum does not
// match: what a torn write leaves. Precondition: offset <= file.size().
Result<Record> parse_record(std::string_view file, std::size_t offset,
                            std::uint32_t record_bytes_max);

// What follows damage at the end of the newest segment. Recovery cuts the tail only when
// nothing intact follows, which tells a torn write (nothing follows) from damage in the middle.
struct TailScan {
  enum class Outcome { nothing_intact, intact_record, undecided } outcome{};
  std::size_t offset = 0;  // where the intact record starts (intact_record only)
};

// Checks every offset in [from, file.size()) for the start of an intact record. Garbage can
// make that quadratic (a repeated byte pattern whose every offset claims a long record), so
// the checksummed bytes are bounded by `checksum_bytes_max`; past it the answer is
// `undecided`, which recovery treats like an intact record: refuse rather than guess.
inline constexpr std::uint64_t scan_checksum_bytes_max = std::uint64_t{256} << 20;
TailScan scan_after_damage(std::string_view file, std::size_t from, std::uint32_t record_bytes_max,
                           std::uint64_t checksum_bytes_max = scan_checksum_bytes_max);

// Payload decoders. They fail if the payload has the wrong size or an invalid field.
Result<Entry> decode_entry(std::string_view payload);
Result<HardState> decode_hard_state(std::string_view payload);
Result<LogIndex> decode_truncate(std::string_view payload);
Result<LogStart> decode_log_start(std::string_view payload);

// ---- snapshot files ------------------------------------------------------------------
// Header (version 2): magic, format version, index, term, data length, CRC32C of the data,
// the length of the configuration as of the snapshot's index, that configuration
// (encode_membership(), membership.hpp), then the CRC32C of every header byte before it;
// the data follows. Version 1 (read, never written) had no configuration: 44 bytes.
inline constexpr std::string_view snapshot_magic = "PPAPDSNP";
inline constexpr std::uint32_t snapshot_format_version = 2;
inline constexpr std::size_t snapshot_header_v1_bytes = 44;

struct SnapshotHeader {
  SnapshotMeta meta;
  std::uint64_t data_bytes = 0;
  std::uint32_t data_checksum = 0;  // CRC32C of the data (Snapshot::checksum)
  std::size_t header_bytes = 0;     // where the data starts
};

// The header that opens the snapshot file of `snapshot`.
std::string snapshot_header(const Snapshot& snapshot);

// The header at the start of `bytes`, if it is complete, intact (magic and checksum), of a
// version this build reads, and names a valid configuration. Nothing about the data after it
// is checked. On failure, the reason for a person.
Result<SnapshotHeader> parse_snapshot_header(std::string_view bytes);

}  // namespace auction::raft::wal

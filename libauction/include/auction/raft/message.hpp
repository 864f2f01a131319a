// Message: what Raft nodes say to each other, and its binary wire encoding.
//
// One struct for every RPC of the Raft paper (Figure 2) and of the dissertation's
// extensions (pre-vote §9.6, ReadIndex heartbeats §6.4, leadership transfer §3.10,
// snapshots sent in chunks §7 and chapter 5), in the style of etcd's raftpb.
// Fields unused by a type are zero. encode()/decode() are pure and never throw; decode()
// validates every field a peer controls and bounds every count, so garbage yields an
// error value ("bad_message"), never a crash or an unbounded allocation.
// Threading: plain values and pure functions; safe from any thread.
//
// Wire format (all integers little-endian):
//   u8  version (= 1)
//   u8  type          (MessageType; reserved types are rejected)
//   u64 from, to, term, log_term, index, commit, reject_hint, context
//                     (terms <= term_max, indexes <= log_index_max: types.hpp)
//   u8  reject        (0 or 1)
//   u32 entry count   (<= message_entries_max; non-zero only for append)
//   per entry: u64 term, u64 index, u8 type (normal|noop|config), u32 length, length bytes
//                     (a config entry's bytes must decode_membership(): membership.hpp)
//   install_snapshot only: u64 snapshot_bytes (<= 2^48), u32 snapshot_checksum,
//                     u32 length, length bytes of data (context + length <= snapshot_bytes),
//                     u32 length, length bytes of the snapshot's configuration
//                     (encode_membership(); 0 bytes: none recorded)
// Nothing else may follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/raft/membership.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

enum class MessageType : std::uint8_t {
  append = 1,  // AppendEntries (§5.3); also carries the leader's commit index
  append_response = 2,
  heartbeat = 3,  // empty AppendEntries; `context` is the ReadIndex round (§6.4)
  heartbeat_response = 4,
  vote = 5,  // RequestVote (§5.2)
  vote_response = 6,
  pre_vote = 7,  // RequestVote for term+1 that changes nobody's term (§9.6)
  pre_vote_response = 8,
  // One chunk of the leader's snapshot (§7): `index` and `log_term` are the snapshot's
  // last included index and term, `context` the chunk's byte offset, `data` its bytes,
  // `snapshot_bytes` and `snapshot_checksum` the whole snapshot's size and CRC32C.
  install_snapshot = 9,
  // Leadership transfer (dissertation §3.10): the leader tells an up-to-date follower to
  // campaign now; its vote requests then carry `context` = vote_context_transfer.
  timeout_now = 10,
  // Reserved, never sent: membership changes travel as config entries in the log
  // (membership.hpp). decode() rejects it.
  config_change = 11,
  // A follower's answer to a chunk: `index`/`log_term` name the snapshot, `context` the
  // bytes of it held so far (the offset it wants next); `reject`: resend from there (a
  // chunk went missing, or the bytes failed their checksum and it starts again from 0).
  // A snapshot received whole is answered with an append_response for its index instead.
  snapshot_response = 12,
};

// A readable name ("append", "vote_response", ...) for logs.
std::string_view to_string(MessageType type);

struct Message {
  MessageType type = MessageType::heartbeat;
  NodeId from;
  NodeId to;
  Term term;  // sender's term; for pre_vote, the term it would campaign in
  // append: term of the entry at `index` (prevLogTerm); vote/pre_vote: candidate's last
  // log term; rejected append_response: term of the follower's entry at `reject_hint`;
  // heartbeat: term of the entry at `commit`.
  Term log_term;
  // append: index of the entry before `entries` (prevLogIndex); vote/pre_vote: candidate's
  // last log index; append_response: the last index now matched (success) or the rejected
  // prevLogIndex (reject); heartbeat_response with `reject`: the follower's last index, below
  // the heartbeat's commit (it lost entries it acknowledged).
  LogIndex index;
  std::vector<Entry> entries;  // append only; consecutive from index + 1
  // append: the leader's commit index; heartbeat: min(the follower's match, commit), which
  // the follower commits only if it holds that entry with `log_term`.
  LogIndex commit;
  bool reject = false;  // responses: false = granted / appended
  // Rejected append_response: a hint for fast backtracking (§5.3, etcd's
  // findConflictByTerm): the follower's largest index whose term is <= the leader's
  // prevLogTerm, no greater than its last index.
  LogIndex reject_hint;
  // heartbeat and its response: the ReadIndex round; vote: vote_context_transfer when the
  // candidate campaigns on its leader's TimeoutNow (voters then set the lease aside).
  std::uint64_t context = 0;
  // install_snapshot only (see MessageType::install_snapshot).
  std::uint64_t snapshot_bytes = 0;
  std::uint32_t snapshot_checksum = 0;
  std::string data;
  Membership snapshot_membership = {};  // the configuration as of the snapshot's index

  friend bool operator==(const Message&, const Message&) = default;
};

// A vote request's `context` when the candidate campaigns on its leader's TimeoutNow.
inline constexpr std::uint64_t vote_context_transfer = 1;

// Bounds on what decode() accepts: at most this many entries, and no term above term_max
// nor index (index, commit, reject_hint, any entry's) above log_index_max (types.hpp).
inline constexpr std::size_t message_entries_max = 1 << 16;

// Encodes a well-formed message (one that decode() would accept).
std::string encode(const Message& message);

// Parses and validates bytes from a peer. Errors: "bad_message" with what was wrong, e.g.
// "term 4611686018427387904 is beyond the bound 2^48".
Result<Message> decode(std::string_view bytes);

}  // namespace auction::raft

// Membership: who belongs to a Raft cluster, and how a single change alters it
// (dissertation chapter 4, single-server changes, with non-voting learners as in §4.2.1).
//
// A cluster's configuration is a list of members, each a voter (it votes and counts toward
// every majority) or a learner (it receives the log but neither votes nor counts). It lives
// in the log as entries of type `config`, each carrying the whole configuration it
// establishes (encode_membership()), and in every snapshot (SnapshotMeta::membership). A
// node uses the latest configuration in its log, committed or not (§4.1).
// One change at a time alters the configuration by one server: add a learner, promote a
// learner to voter, or remove a member. Any majority of the old voters and any majority of
// the new ones then overlap, so two leaders can never be elected at once.
// The addresses are opaque to the core: the runtime dials `raft_address` and hands
// `client_address` to clients (both "host:port"; empty for a founding member whose
// addresses come from the cluster file).
//
// Plain values and pure functions: no I/O, safe from any thread. decode_membership() checks
// every field of bytes a peer or a file controls, so garbage yields an error value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auction/base/error.hpp"
#include "auction/raft/types.hpp"

namespace auction::raft {

enum class MemberRole : std::uint8_t { voter = 1, learner = 2 };
std::string_view to_string(MemberRole role);

struct Member {
  NodeId id;
  MemberRole role = MemberRole::voter;
  std::string raft_address;    // where peers reach its raft port, "host:port"
  std::string client_address;  // where clients reach it, "host:port"
  friend bool operator==(const Member&, const Member&) = default;
};

// Bounds of a configuration (encode_membership() and decode_membership() keep to them).
inline constexpr std::size_t members_max = 32;
inline constexpr std::size_t member_address_bytes_max = 255;

struct Membership {
  std::vector<Member> members;  // in increasing id order, ids distinct and non-zero

  // A configuration is known once it has a member (a node joining a cluster starts with an
  // empty one and learns it from the leader).
  bool empty() const { return members.empty(); }
  const Member* find(NodeId id) const;
  bool contains(NodeId id) const { return find(id) != nullptr; }
  bool is_voter(NodeId id) const;
  std::vector<NodeId> voters() const;
  std::size_t voter_count() const;
  // Every member but `self`: whom a leader replicates to.
  std::vector<NodeId> others(NodeId self) const;
  friend bool operator==(const Membership&, const Membership&) = default;
};

// Every id a voter: the founding configuration of a cluster known only by its ids.
Membership voters_of(std::vector<NodeId> ids);

// A configuration valid to hold: members sorted by id, ids distinct and non-zero, at least
// one voter, at most members_max members, addresses at most member_address_bytes_max bytes.
// Errors: invalid_argument, naming what is wrong.
Result<void> check_membership(const Membership& membership);

// The bytes of a config entry: u8 version (1), u8 count, then per member u64 id, u8 role,
// u8 length + raft_address, u8 length + client_address. Precondition: check_membership().
std::string encode_membership(const Membership& membership);
// Errors: bad_message (truncated, trailing bytes, an unknown version or role, or a
// configuration that check_membership() refuses).
Result<Membership> decode_membership(std::string_view bytes);

// One single-server change (§4.1).
enum class MembershipChangeType : std::uint8_t { add_learner = 1, promote = 2, remove = 3 };
std::string_view to_string(MembershipChangeType type);

struct MembershipChange {
  MembershipChangeType type = MembershipChangeType::add_learner;
  NodeId id;
  // add_learner only: where the new member is reached.
  std::string raft_address;
  std::string client_address;
};

// `current` after `change`. Errors: invalid_argument (id 0; adding a member that exists or
// without a raft address; promoting a member that is not a learner; removing or promoting a
// node that is not a member; removing the last voter; a configuration check_membership()
// refuses).
Result<Membership> apply_change(const Membership& current, const MembershipChange& change);

}  // namespace auction::raft

// Membership: configurations, their encoding and single-server changes (membership.hpp).
#include "auction/raft/membership.hpp"

#include <algorithm>
#include <utility>

#include "raft/byte_codec.hpp"

namespace auction::raft {
namespace {

constexpr std::uint8_t membership_codec_version = 1;

std::string node_name(NodeId id) { return "node " + std::to_string(id.value); }

}  // namespace

std::string_view to_string(MemberRole role) {
  switch (role) {
    case MemberRole::voter: return "voter";
    case MemberRole::learner: return "learner";
  }
  return "unknown";
}

std::string_view to_string(MembershipChangeType type) {
  switch (type) {
    case MembershipChangeType::add_learner: return "add_learner";
    case MembershipChangeType::promote: return "promote";
    case MembershipChangeType::remove: return "remove";
  }
  return "unknown";
}

const Member* Membership::find(NodeId id) const {
  auto it = std::lower_bound(members.begin(), members.end(), id,
                             [](const Member& m, NodeId v) { return m.id < v; });
  return it != members.end() && it->id == id ? &*it : nullptr;
}

bool Membership::is_voter(NodeId id) const {
  const Member* m = find(id);
  return m != nullptr && m->role == MemberRole::voter;
}

std::vector<NodeId> Membership::voters() const {
  std::vector<NodeId> out;
  for (const Member& m : members) {
    if (m.role == MemberRole::voter) out.push_back(m.id);
  }
  return out;
}

std::size_t Membership::voter_count() const {
  return static_cast<std::size_t>(std::count_if(
      members.begin(), members.end(), [](const Member& m) { return m.role == MemberRole::voter; }));
}

std::vector<NodeId> Membership::others(NodeId self) const {
  std::vector<NodeId> out;
  for (const Member& m : members) {
    if (m.id != self) out.push_back(m.id);
  }
  return out;
}

Membership voters_of(std::vector<NodeId> ids) {
  std::sort(ids.begin(), ids.end());
  Membership out;
  for (NodeId id : ids) out.members.push_back(Member{id, MemberRole::voter, {}, {}});
  return out;
}

Result<void> check_membership(const Membership& membership) {
  if (membership.members.size() > members_max) {
    return fail(code::invalid_argument,
                "a configuration holds at most " + std::to_string(members_max) + " members");
  }
  if (membership.voter_count() == 0) {
    return fail(code::invalid_argument, "a configuration needs at least one voter");
  }
  NodeId previous{0};
  for (const Member& m : membership.members) {
    if (m.id.value == 0) return fail(code::invalid_argument, "node id 0 is reserved");
    if (m.id <= previous) {
      return fail(code::invalid_argument, "members are not in increasing id order, or repeat");
    }
    previous = m.id;
    if (m.role != MemberRole::voter && m.role != MemberRole::learner) {
      return fail(code::invalid_argument, node_name(m.id) + " has no valid role");
    }
    if (m.raft_address.size() > member_address_bytes_max ||
        m.client_address.size() > member_address_bytes_max) {
      return fail(code::invalid_argument, node_name(m.id) + ": an address is longer than " +
                                              std::to_string(member_address_bytes_max) + " bytes");
    }
  }
  return {};
}

std::string encode_membership(const Membership& membership) {
  std::string out;
  put_u8(out, membership_codec_version);
  put_u8(out, static_cast<std::uint8_t>(membership.members.size()));
  for (const Member& m : membership.members) {
    put_u64(out, m.id.value);
    put_u8(out, static_cast<std::uint8_t>(m.role));
    put_u8(out, static_cast<std::uint8_t>(m.raft_address.size()));
    out += m.raft_address;
    put_u8(out, static_cast<std::uint8_t>(m.client_address.size()));
    out += m.client_address;
  }
  return out;
}

Result<Membership> decode_membership(std::string_view bytes) {
  ByteReader r(bytes);
  const std::uint8_t version = r.u8();
  const std::uint8_t count = r.u8();
  if (!r.ok()) return fail(code::bad_message, "configuration shorter than its header");
  if (version != membership_codec_version) {
    return fail(code::bad_message, "unknown configuration version " + std::to_string(version));
  }
  if (count > members_max) return fail(code::bad_message, "too many members");
  Membership out;
  out.members.reserve(count);
  for (std::uint8_t i = 0; i < count; ++i) {
    Member m;
    m.id = NodeId{r.u64()};
    const std::uint8_t role = r.u8();
    r.bytes(r.u8(), m.raft_address);
    r.bytes(r.u8(), m.client_address);
    if (!r.ok()) return fail(code::bad_message, "truncated configuration");
    if (role != static_cast<std::uint8_t>(MemberRole::voter) &&
        role != static_cast<std::uint8_t>(MemberRole::learner)) {
      return fail(code::bad_message, "unknown member role " + std::to_string(role));
    }
    m.role = static_cast<MemberRole>(role);
    out.members.push_back(std::move(m));
  }
  if (r.remaining() != 0) return fail(code::bad_message, "trailing bytes after configuration");
  if (auto valid = check_membership(out); !valid) {
    return fail(code::bad_message, "invalid configuration: " + valid.error().message);
  }
  return out;
}

Result<Membership> apply_change(const Membership& current, const MembershipChange& change) {
  if (change.id.value == 0) return fail(code::invalid_argument, "node id 0 is reserved");
  Membership next = current;
  const Member* member = current.find(change.id);
  switch (change.type) {
    case MembershipChangeType::add_learner: {
      if (member != nullptr) {
        return fail(code::invalid_argument,
                    node_name(change.id) + " is already a " + std::string(to_string(member->role)));
      }
      if (change.raft_address.empty()) {
        return fail(code::invalid_argument, "a new member needs its raft address");
      }
      Member added{change.id, MemberRole::learner, change.raft_address, change.client_address};
      auto at = std::lower_bound(next.members.begin(), next.members.end(), change.id,
                                 [](const Member& m, NodeId v) { return m.id < v; });
      next.members.insert(at, std::move(added));
      break;
    }
    case MembershipChangeType::promote: {
      if (member == nullptr) {
        return fail(code::invalid_argument, node_name(change.id) + " is not a member");
      }
      if (member->role != MemberRole::learner) {
        return fail(code::invalid_argument, node_name(change.id) + " is already a voter");
      }
      for (Member& m : next.members) {
        if (m.id == change.id) m.role = MemberRole::voter;
      }
      break;
    }
    case MembershipChangeType::remove: {
      if (member == nullptr) {
        return fail(code::invalid_argument, node_name(change.id) + " is not a member");
      }
      std::erase_if(next.members, [&](const Member& m) { return m.id == change.id; });
      if (next.voter_count() == 0) {
        return fail(code::invalid_argument, "the last voter cannot be removed");
      }
      break;
    }
    default: return fail(code::invalid_argument, "unknown kind of membership change");
  }
  if (auto valid = check_membership(next); !valid) return std::unexpected(valid.error());
  return next;
}

}  // namespace auction::raft

// The name a member's certificate carries: see auction/raft/member_certificate.hpp.
#include "auction/raft/member_certificate.hpp"

#include <charconv>

namespace auction::raft {

namespace {
constexpr std::string_view prefix = "replica-";
}  // namespace

std::string member_certificate_name(NodeId id) {
  return std::string(prefix) + std::to_string(id.value);
}

std::optional<NodeId> member_of_certificate_name(std::string_view name) {
  if (!name.starts_with(prefix)) return std::nullopt;
  const std::string_view digits = name.substr(prefix.size());
  if (digits.empty() || digits.size() > 19 || digits.front() == '0') return std::nullopt;
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return NodeId{id};
}

}  // namespace auction::raft

// Strict parsing of the cluster file (see cluster_config.hpp for the format).
#include "auction/platform/cluster_config.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace auction::platform {
namespace {

using nlohmann::json;

Error invalid(std::string message) { return Error{code::config_invalid, std::move(message)}; }

// Rejects keys other than `allowed`, so that a misspelt key is an error, not a silent default.
Result<void> check_keys(const json& object, std::string_view where,
                        std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return std::unexpected(invalid(std::string(where) + ": unknown key \"" + key + "\""));
    }
  }
  return {};
}

Result<std::uint64_t> unsigned_field(const json& object, std::string_view where, const char* key,
                                     std::uint64_t min, std::uint64_t max) {
  auto it = object.find(key);
  if (it == object.end()) {
    return std::unexpected(invalid(std::string(where) + "." + key + " is missing"));
  }
  if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<std::int64_t>() < 0)) {
    return std::unexpected(
        invalid(std::string(where) + "." + key + " must be a non-negative integer"));
  }
  auto value = it->get<std::uint64_t>();
  if (value < min || value > max) {
    return std::unexpected(invalid(std::string(where) + "." + key + " must be in [" +
                                   std::to_string(min) + ", " + std::to_string(max) + "]"));
  }
  return value;
}

Result<ReplicaAddress> parse_replica(const json& item, std::size_t position) {
  std::string where = "replicas[" + std::to_string(position) + "]";
  if (!item.is_object()) return std::unexpected(invalid(where + " must be an object"));
  if (auto ok = check_keys(item, where, {"id", "host", "client_port", "raft_port"}); !ok) {
    return std::unexpected(ok.error());
  }
  ReplicaAddress replica;
  auto id = unsigned_field(item, where, "id", 1, 1'000'000);
  if (!id) return std::unexpected(id.error());
  replica.id = *id;

  auto host = item.find("host");
  if (host == item.end() || !host->is_string()) {
    return std::unexpected(invalid(where + ".host must be a string"));
  }
  replica.host = host->get<std::string>();
  if (replica.host.empty() || replica.host.size() > 253 ||
      replica.host.find_first_of(" \t\r\n:") != std::string::npos) {
    return std::unexpected(
        invalid(where + ".host must be a host name or IPv4 address (1..253 characters)"));
  }
  auto client_port = unsigned_field(item, where, "client_port", 1, 65535);
  if (!client_port) return std::unexpected(client_port.error());
  auto raft_port = unsigned_field(item, where, "raft_port", 1, 65535);
  if (!raft_port) return std::unexpected(raft_port.error());
  replica.client_port = static_cast<std::uint16_t>(*client_port);
  replica.raft_port = static_cast<std::uint16_t>(*raft_port);
  return replica;
}

Result<ClusterTiming> parse_timing(const json& item) {
  if (!item.is_object()) return std::unexpected(invalid("timing must be an object"));
  if (auto ok = check_keys(item, "timing", {"tick_ms", "election_ticks", "heartbeat_ticks"}); !ok) {
    return std::unexpected(ok.error());
  }
  ClusterTiming timing;
  if (item.contains("tick_ms")) {
    auto v = unsigned_field(item, "timing", "tick_ms", 1, 1000);
    if (!v) return std::unexpected(v.error());
    timing.tick_ms = static_cast<std::uint32_t>(*v);
  }
  if (item.contains("election_ticks")) {
    auto v = unsigned_field(item, "timing", "election_ticks", 2, 10'000);
    if (!v) return std::unexpected(v.error());
    timing.election_ticks = static_cast<std::uint32_t>(*v);
  }
  if (item.contains("heartbeat_ticks")) {
    auto v = unsigned_field(item, "timing", "heartbeat_ticks", 1, 10'000);
    if (!v) return std::unexpected(v.error());
    timing.heartbeat_ticks = static_cast<std::uint32_t>(*v);
  }
  if (timing.heartbeat_ticks >= timing.election_ticks) {
    return std::unexpected(invalid("timing.heartbeat_ticks must be less than election_ticks"));
  }
  return timing;
}

Result<ClusterTls> parse_tls(const json& item) {
  if (!item.is_object()) return std::unexpected(invalid("tls must be an object"));
  if (auto ok = check_keys(item, "tls", {"dir", "client_port"}); !ok) {
    return std::unexpected(ok.error());
  }
  auto dir = item.find("dir");
  if (dir == item.end() || !dir->is_string() || dir->get<std::string>().empty() ||
      dir->get<std::string>().find('\0') != std::string::npos) {
    return std::unexpected(invalid("tls.dir must be a non-empty path"));
  }
  ClusterTls tls{dir->get<std::string>()};
  if (auto mode = item.find("client_port"); mode != item.end()) {
    if (*mode == "plain") {
      tls.is_client_port_plain = true;
    } else if (*mode != "tls") {
      return std::unexpected(invalid("tls.client_port must be \"tls\" or \"plain\""));
    }
  }
  return tls;
}

Result<ClusterSnapshots> parse_snapshots(const json& item) {
  if (!item.is_object()) return std::unexpected(invalid("snapshots must be an object"));
  if (auto ok = check_keys(item, "snapshots", {"entries", "log_bytes", "keep_entries"}); !ok) {
    return std::unexpected(ok.error());
  }
  ClusterSnapshots snapshots;
  struct Field {
    const char* key;
    std::uint64_t ClusterSnapshots::*member;
    std::uint64_t max;
  };
  static constexpr Field fields[] = {
      {"entries", &ClusterSnapshots::entries, std::uint64_t{1} << 40},
      {"log_bytes", &ClusterSnapshots::log_bytes, std::uint64_t{1} << 48},
      {"keep_entries", &ClusterSnapshots::keep_entries, std::uint64_t{1} << 40},
  };
  for (const Field& field : fields) {
    if (!item.contains(field.key)) continue;
    auto value = unsigned_field(item, "snapshots", field.key, 0, field.max);
    if (!value) return std::unexpected(value.error());
    snapshots.*field.member = *value;
  }
  return snapshots;
}

Result<ClusterLimits> parse_limits(const json& item) {
  if (!item.is_object()) return std::unexpected(invalid("limits must be an object"));
  ClusterLimits limits;
  struct Field {
    const char* key;
    std::uint32_t ClusterLimits::*member;
    std::uint64_t min;
    std::uint64_t max;
  };
  static constexpr Field fields[] = {
      {"connections_max", &ClusterLimits::connections_max, 1, 1'000'000},
      {"connections_per_address_max", &ClusterLimits::connections_per_address_max, 1, 1'000'000},
      {"idle_timeout_ms", &ClusterLimits::idle_timeout_ms, 10, 86'400'000},
      {"registrations_per_s", &ClusterLimits::registrations_per_s, 0, 1'000'000},
      {"registrations_burst", &ClusterLimits::registrations_burst, 1, 1'000'000},
      {"writes_per_s", &ClusterLimits::writes_per_s, 0, 10'000'000},
      {"writes_burst", &ClusterLimits::writes_burst, 1, 10'000'000},
  };
  if (auto ok = check_keys(
          item, "limits",
          {"connections_max", "connections_per_address_max", "idle_timeout_ms",
           "registrations_per_s", "registrations_burst", "writes_per_s", "writes_burst"});
      !ok) {
    return std::unexpected(ok.error());
  }
  for (const auto& f : fields) {
    if (!item.contains(f.key)) continue;
    auto v = unsigned_field(item, "limits", f.key, f.min, f.max);
    if (!v) return std::unexpected(v.error());
    limits.*f.member = static_cast<std::uint32_t>(*v);
  }
  if (limits.connections_per_address_max > limits.connections_max) {
    return std::unexpected(
        invalid("limits.connections_per_address_max must not exceed connections_max"));
  }
  return limits;
}

}  // namespace

std::string ReplicaAddress::client_endpoint() const {
  return host + ":" + std::to_string(client_port);
}

std::string ReplicaAddress::raft_endpoint() const { return host + ":" + std::to_string(raft_port); }

Result<ClusterConfig> ClusterConfig::parse(std::string_view text) {
  if (text.size() > config_bytes_max) {
    return std::unexpected(invalid("the file is larger than 1 MiB"));
  }
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return std::unexpected(invalid("the file is not valid JSON"));
  if (!root.is_object()) return std::unexpected(invalid("the top level must be an object"));
  if (auto ok = check_keys(root, "config", {"replicas", "timing", "tls", "limits", "snapshots"});
      !ok) {
    return std::unexpected(ok.error());
  }

  ClusterConfig config;
  auto replicas = root.find("replicas");
  if (replicas == root.end() || !replicas->is_array() || replicas->empty()) {
    return std::unexpected(invalid("replicas must be a non-empty array"));
  }
  if (replicas->size() > replicas_max) {
    return std::unexpected(invalid("replicas: at most 9 replicas are supported"));
  }
  std::set<std::uint64_t> ids;
  std::set<std::string> endpoints;
  for (std::size_t i = 0; i < replicas->size(); ++i) {
    auto replica = parse_replica((*replicas)[i], i);
    if (!replica) return std::unexpected(replica.error());
    std::string where = "replicas[" + std::to_string(i) + "]";
    if (!ids.insert(replica->id).second) {
      return std::unexpected(
          invalid(where + ".id " + std::to_string(replica->id) + " appears twice"));
    }
    for (const auto& endpoint : {replica->client_endpoint(), replica->raft_endpoint()}) {
      if (!endpoints.insert(endpoint).second) {
        return std::unexpected(invalid(where + ": address " + endpoint + " is used twice"));
      }
    }
    config.replicas.push_back(std::move(*replica));
  }
  std::sort(config.replicas.begin(), config.replicas.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });

  if (auto timing = root.find("timing"); timing != root.end()) {
    auto parsed = parse_timing(*timing);
    if (!parsed) return std::unexpected(parsed.error());
    config.timing = *parsed;
  }
  if (auto tls = root.find("tls"); tls != root.end()) {
    auto parsed = parse_tls(*tls);
    if (!parsed) return std::unexpected(parsed.error());
    config.tls = std::move(*parsed);
  }
  if (auto limits = root.find("limits"); limits != root.end()) {
    auto parsed = parse_limits(*limits);
    if (!parsed) return std::unexpected(parsed.error());
    config.limits = *parsed;
  }
  if (auto snapshots = root.find("snapshots"); snapshots != root.end()) {
    auto parsed = parse_snapshots(*snapshots);
    if (!parsed) return std::unexpected(parsed.error());
    config.snapshots = *parsed;
  }
  return config;
}

Result<ClusterConfig> ClusterConfig::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(code::config_unreadable,
                "cannot read " + path.string() + ": " +
                    (ec ? ec.message() : std::string("not a regular file")));
  }
  if (std::filesystem::file_size(path, ec) > config_bytes_max) {
    return fail(code::config_invalid, path.string() + ": the file is larger than 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code open_error(errno, std::generic_category());
    return fail(code::config_unreadable,
                "cannot read " + path.string() + ": " + open_error.message());
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto config = parse(text.str());
  if (!config) {
    return fail(config.error().code, path.string() + ": " + config.error().message);
  }
  // A relative credentials directory is relative to the cluster file, wherever it is read.
  if (config->tls && config->tls->dir.is_relative()) {
    config->tls->dir = (path.parent_path() / config->tls->dir).lexically_normal();
  }
  return config;
}

const ReplicaAddress* ClusterConfig::find(std::uint64_t id) const {
  for (const auto& replica : replicas) {
    if (replica.id == id) return &replica;
  }
  return nullptr;
}

}  // namespace auction::platform

// ChaosNetwork: namespaces, veth pairs, a bridge and nftables cuts (see the header).
#include "chaos/chaos_network.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "support/child_process.hpp"

namespace auction::test {

namespace {

constexpr auto command_timeout = std::chrono::seconds(20);
constexpr const char* table = "ppapd_chaos";

std::optional<std::filesystem::path> find_program(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run(const std::filesystem::path& program, std::vector<std::string> args) {
  test::ChildProcess child(program, std::move(args));
  child.close_input();
  CommandResult result;
  result.exit_code = child.wait_exit(command_timeout).value_or(-1);
  result.output = child.output();
  return result;
}

std::string describe(const std::filesystem::path& program, const std::vector<std::string>& args) {
  std::string text = program.filename().string();
  for (const std::string& a : args) text += " " + a;
  return text;
}

// Runs a command that must succeed; the error names it and quotes its output.
Result<void> run_checked(const std::filesystem::path& program, std::vector<std::string> args) {
  const std::string what = describe(program, args);
  CommandResult result = run(program, std::move(args));
  if (result.exit_code == 0) return {};
  return std::unexpected(
      Error{"unavailable",
            what + " failed (exit " + std::to_string(result.exit_code) + "): " + result.output});
}

bool is_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

}  // namespace

ChaosNetwork::ChaosNetwork(std::size_t replicas, std::filesystem::path ip,
                           std::filesystem::path nft)
    : replicas_(replicas),
      ip_(std::move(ip)),
      nft_(std::move(nft)),
      prefix_("ppc" + std::to_string(getpid())),
      subnet_(static_cast<int>(getpid() % 256)),
      namespace_made_(replicas, false) {}

Result<std::unique_ptr<ChaosNetwork>> ChaosNetwork::create(std::size_t replicas) {
  if (geteuid() != 0) {
    return std::unexpected(Error{"unavailable", "not running as root"});
  }
  auto ip = find_program("ip");
  auto nft = find_program("nft");
  if (!ip || !nft) {
    return std::unexpected(
        Error{"unavailable", "`ip` or `nft` is not installed (iproute2, nftables)"});
  }
  sweep_leftovers();
  std::unique_ptr<ChaosNetwork> network(new ChaosNetwork(replicas, *ip, *nft));
  if (auto built = network->build(); !built) return std::unexpected(built.error());
  return network;
}

ChaosNetwork::~ChaosNetwork() { tear_down(); }

std::string ChaosNetwork::namespace_name(std::size_t index) const {
  return prefix_ + "-" + std::to_string(index);
}

std::string ChaosNetwork::address(std::size_t index) const {
  return "10.213." + std::to_string(subnet_) + "." + std::to_string(11 + index);
}

std::vector<std::string> ChaosNetwork::exec_prefix(std::size_t index) const {
  return {"netns", "exec", namespace_name(index)};
}

Result<void> ChaosNetwork::build() {
  const std::string bridge = prefix_ + "b";
  auto step = [&](std::vector<std::string> args) { return run_checked(ip_, std::move(args)); };
  auto fail = [&](const Error& e) {
    tear_down();
    return std::unexpected(e);
  };
  // Two runs at once (ctest -j) must not share a subnet: skip octets already on a link.
  const std::string in_use = run(ip_, {"-o", "-4", "addr", "show"}).output;
  for (int tries = 0; tries < 256; ++tries) {
    if (in_use.find("10.213." + std::to_string(subnet_) + ".") == std::string::npos) break;
    subnet_ = (subnet_ + 1) % 256;
  }
  const std::string subnet = "10.213." + std::to_string(subnet_) + ".";
  if (auto r = step({"link", "add", bridge, "type", "bridge"}); !r) return fail(r.error());
  bridge_made_ = true;
  if (auto r = step({"addr", "add", subnet + "1/24", "dev", bridge}); !r) return fail(r.error());
  if (auto r = step({"link", "set", bridge, "up"}); !r) return fail(r.error());
  for (std::size_t i = 0; i < replicas_; ++i) {
    const std::string ns = namespace_name(i);
    const std::string outer = prefix_ + "h" + std::to_string(i);
    const std::string inner = prefix_ + "n" + std::to_string(i);
    if (auto r = step({"netns", "add", ns}); !r) return fail(r.error());
    namespace_made_[i] = true;
    const std::vector<std::vector<std::string>> steps = {
        {"link", "add", outer, "type", "veth", "peer", "name", inner},
        {"link", "set", inner, "netns", ns},
        {"link", "set", outer, "master", bridge},
        {"link", "set", outer, "up"},
        {"-n", ns, "addr", "add", address(i) + "/24", "dev", inner},
        {"-n", ns, "link", "set", inner, "up"},
        {"-n", ns, "link", "set", "lo", "up"},
        {"netns", "exec", ns, nft_.string(), "add", "table", "inet", table},
        {"netns", "exec", ns, nft_.string(), "add", "chain", "inet", table, "output",
         "{ type filter hook output priority 0; policy accept; }"},
    };
    for (const auto& args : steps) {
      if (auto r = step(args); !r) return fail(r.error());
    }
  }
  return {};
}

void ChaosNetwork::tear_down() {
  // Deleting a namespace deletes the veth end inside it, which deletes its peer, and the
  // namespace's nftables tables with it.
  for (std::size_t i = 0; i < replicas_; ++i) {
    if (namespace_made_[i]) run(ip_, {"netns", "del", namespace_name(i)});
    namespace_made_[i] = false;
    // A veth made before its namespace was moved into would be left in ours.
    run(ip_, {"link", "del", prefix_ + "h" + std::to_string(i)});
  }
  if (bridge_made_) run(ip_, {"link", "del", prefix_ + "b"});
  bridge_made_ = false;
}

Result<void> ChaosNetwork::cut(std::size_t from, std::size_t to) {
  return run_checked(ip_, {"netns", "exec", namespace_name(from), nft_.string(), "add", "rule",
                           "inet", table, "output", "ip", "daddr", address(to), "drop"});
}

Result<void> ChaosNetwork::heal() {
  for (std::size_t i = 0; i < replicas_; ++i) {
    auto r = run_checked(ip_, {"netns", "exec", namespace_name(i), nft_.string(), "flush", "chain",
                               "inet", table, "output"});
    if (!r) return r;
  }
  return {};
}

void ChaosNetwork::sweep_leftovers() {
  auto ip = find_program("ip");
  if (!ip) return;
  const std::regex ours(R"(^ppc([0-9]+)(b|h[0-9]+|n[0-9]+|-[0-9]+)$)");
  auto is_stale = [&](const std::string& name) {
    std::smatch m;
    return std::regex_match(name, m, ours) && !is_alive(std::stol(m[1].str()));
  };
  std::set<std::string> namespaces;
  {
    std::istringstream lines(run(*ip, {"netns", "list"}).output);
    for (std::string line; std::getline(lines, line);) {
      std::string name = line.substr(0, line.find(' '));
      if (is_stale(name)) namespaces.insert(name);
    }
  }
  for (const std::string& ns : namespaces) {
    std::fprintf(stderr, "chaos: removing namespace %s left by an earlier run\n", ns.c_str());
    run(*ip, {"netns", "del", ns});
  }
  std::istringstream lines(run(*ip, {"-o", "link", "show"}).output);
  const std::regex link_line(R"(^[0-9]+: ([^:@ ]+)[@:])");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, link_line) || !is_stale(m[1].str())) continue;
    std::fprintf(stderr, "chaos: removing link %s left by an earlier run\n", m[1].str().c_str());
    run(*ip, {"link", "del", m[1].str()});
  }
}

}  // namespace auction::test

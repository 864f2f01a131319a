// ChaosNetwork: a private network of Linux network namespaces in which the chaos test runs
// its replicas, so that it can cut the links between them.
//
// Layout (everything named with this run's prefix "ppc<pid>", so runs never collide and a
// later run can find what a crashed one left behind):
//   - a bridge "ppc<pid>b" in the test's own namespace, address 10.213.<x>.1/24, x being
//     pid % 256 or the next octet no link of this machine uses yet;
//   - per replica i (0-based) a namespace "ppc<pid>-<i>", with a veth pair whose outer end
//     "ppc<pid>h<i>" is a port of the bridge and whose inner end has 10.213.<x>.<11+i>;
//   - in each replica's namespace an nftables table `inet ppapd_chaos` with an output chain,
//     where a cut adds "ip daddr <peer> drop".
// The 10.213.x.0/24 subnet exists only on this bridge and inside these namespaces. Clients run
// in the test's namespace and reach every replica through the bridge; cuts only ever name
// replica addresses, so clients are never cut off (a partitioned leader still hears clients,
// which is the interesting case for stale reads).
//
// Everything is removed by the destructor (deleting a namespace deletes its veth end, its
// rules and, with it, the outer end), and sweep_leftovers() removes what runs that died
// without cleaning up left behind (their pid no longer exists).
// Needs root, `ip` and `nft`; create() says why not when they are missing.
// Threading: one owner thread. Never: touch an interface or namespace without this run's
// prefix, or the test namespace's firewall.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "auction/base/error.hpp"

namespace auction::test {

class ChaosNetwork {
 public:
  // Builds the bridge and `replicas` namespaces. Errors: "unavailable" with the reason (not
  // root, `ip`/`nft` missing, a command failed); then nothing is left behind.
  static Result<std::unique_ptr<ChaosNetwork>> create(std::size_t replicas);
  ~ChaosNetwork();
  ChaosNetwork(const ChaosNetwork&) = delete;
  ChaosNetwork& operator=(const ChaosNetwork&) = delete;

  // Removes namespaces and links named "ppc<pid>..." whose pid is not a live process.
  static void sweep_leftovers();

  std::size_t size() const { return replicas_; }
  // The IPv4 address replica `index` has inside its namespace.
  std::string address(std::size_t index) const;
  // The program and arguments that run `program args...` inside replica `index`'s namespace
  // (`ip netns exec`, which execs in place, so the pid is the program's own).
  std::filesystem::path ip_program() const { return ip_; }
  std::vector<std::string> exec_prefix(std::size_t index) const;

  // Drops every packet replica `from` sends to replica `to` (a one-way cut; TCP needs both
  // directions, so connections between them stall either way, as on a real network).
  // Errors: "unavailable" when nft failed.
  Result<void> cut(std::size_t from, std::size_t to);
  // Removes every cut. Errors: "unavailable" when nft failed.
  Result<void> heal();

 private:
  ChaosNetwork(std::size_t replicas, std::filesystem::path ip, std::filesystem::path nft);
  Result<void> build();
  void tear_down();
  std::string namespace_name(std::size_t index) const;

  std::size_t replicas_;
  std::filesystem::path ip_;
  std::filesystem::path nft_;
  std::string prefix_;  // "ppc<pid>"
  int subnet_ = 0;      // the third octet of 10.213.x.0/24
  bool bridge_made_ = false;
  std::vector<bool> namespace_made_;
};

}  // namespace auction::test

// The open-file limit (base/open_file_limit.hpp) with real processes: a seller whose hard
// limit is too low for an auction of the largest size says so at start, in one line, and
// still runs; one under the usual limits says nothing.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "integration/auction_cli.hpp"

using namespace auction::test;

namespace {

// `seller` for `user` on `cluster`, started by a shell that first sets the process's open-file
// limit (soft and hard) to `limit`.
std::unique_ptr<ChildProcess> seller_with_limit(const Cluster& cluster, const std::string& user,
                                                const TempDir& state, int limit) {
  const std::filesystem::path dir = cluster.config_path().parent_path();
  return std::make_unique<ChildProcess>(
      "/bin/sh",
      std::vector<std::string>{
          "-c", "ulimit -n " + std::to_string(limit) + " && exec \"$0\" \"$@\"",
          executable("seller").string(), "--config", cluster.config_path().string(), "--user", user,
          "--key-file", (dir / "keys" / (user + ".key")).string(), "--passphrase-file",
          AuctionCli::passphrase_file(dir).string(), "--state-dir", state.path().string()});
}

}  // namespace

TEST_CASE("consoles: a seller whose open-file limit is too low for a full auction says so",
          "[auction][integration]") {
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");
  auto alice = seller_with_limit(cluster, "alice", state, 256);
  const auto ready = alice->wait_for_output("alice ready at ", std::chrono::seconds(60));
  INFO(alice->output());
  REQUIRE(ready.has_value());
  const std::string out = alice->output();
  CHECK(out.find("warning: this process may hold only 256 open files and connections (its "
                 "hard limit), and an auction of 10000 buyers needs 10064") != std::string::npos);
  CHECK(out.find("ulimit -Hn") != std::string::npos);

  // Under the machine's own limits (raised to the hard one at start), nothing to say.
  AuctionCli bob("seller", cluster, "bob", {"--state-dir", (state.path() / "bob").string()});
  CHECK(bob.output().find("open files") == std::string::npos);
}

// The open-file limit: raised to the hard one, and the warning and hint it gives.
#include <catch2/catch.hpp>

#include <string>

#include "auction/base/open_file_limit.hpp"

using namespace auction;

TEST_CASE("base: the open-file limit is raised to the hard one and never lowered", "[base]") {
  const OpenFileLimit before = open_file_limit();
  REQUIRE(before.soft > 0);
  const OpenFileLimit after = raise_open_file_limit();
  CHECK(after.soft >= before.soft);
  CHECK(after.hard == before.hard);
  CHECK(after.soft <= after.hard);
  // Raised as far as it goes: again, nothing changes.
  CHECK(raise_open_file_limit().soft == after.soft);
}

TEST_CASE("base: the open-file warning says the limit, the need and how to raise it", "[base]") {
  CHECK(open_file_limit_warning({1'000'000, 1'000'000}, 10'064, "an auction").empty());
  CHECK(open_file_limit_warning({10'064, 10'064}, 10'064, "an auction").empty());
  const std::string warning = open_file_limit_warning({1024, 1024}, 10'064, "an auction");
  CHECK(warning ==
        "warning: this process may hold only 1024 open files and connections (its hard "
        "limit), and an auction needs 10064: raise the hard limit (ulimit -Hn as root, "
        "LimitNOFILE= for a systemd service, nofile in /etc/security/limits.conf)");
  CHECK(open_file_limit_warning({}, 10'064, "an auction").empty());  // unknown: nothing said
  CHECK(open_file_limit_warning({1024, 4096}, 10'064, "an auction")
            .find("(its hard limit is 4096, and raising it there failed)") != std::string::npos);
  const std::string hint = open_file_limit_hint();
  CHECK(hint.find(std::to_string(open_file_limit().soft)) != std::string::npos);
}

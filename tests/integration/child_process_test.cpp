// The multi-process test support itself: if it cannot see output, exit codes and kills
// reliably, every integration test built on it would lie.
#include <catch2/catch.hpp>

#include <csignal>

#include "support/child_process.hpp"

using namespace std::chrono_literals;
using auction::test::ChildProcess;

TEST_CASE("integration: a child's output can be awaited and its exit code read",
          "[integration][support]") {
  ChildProcess child("/bin/sh", {"-c", "echo starting; echo ready >&2; exit 3"});
  REQUIRE(child.wait_for_output("ready", 10s).has_value());
  CHECK(child.wait_exit(10s) == 3);
  CHECK_THAT(child.output(), Catch::Contains("starting"));
}

TEST_CASE("integration: a child that never prints the awaited text does not hang the test",
          "[integration][support]") {
  ChildProcess child("/bin/sh", {"-c", "echo something else"});
  CHECK_FALSE(child.wait_for_output("never printed", 10s).has_value());
}

TEST_CASE("integration: a child is killed by pid and reaped", "[integration][support]") {
  ChildProcess child("/bin/sh", {"-c", "echo up; read line; echo got $line; exec cat"});
  REQUIRE(child.wait_for_output("up", 10s));
  child.write_input("hello\n");
  REQUIRE(child.wait_for_output("got hello", 10s));
  CHECK_FALSE(child.has_exited());
  child.signal(SIGKILL);
  CHECK(child.wait_exit(10s) == 128 + SIGKILL);
}

TEST_CASE("integration: free ports and temp dirs are usable and cleaned up",
          "[integration][support]") {
  std::filesystem::path kept;
  {
    auction::test::TempDir dir;
    kept = dir.path();
    CHECK(std::filesystem::is_directory(kept));
  }
  CHECK_FALSE(std::filesystem::exists(kept));
  CHECK(auction::test::free_port() != 0);
  CHECK(auction::test::LineConnection::connect(auction::test::free_port(), 1s) == nullptr);
}

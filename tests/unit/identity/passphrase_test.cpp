// Tests of where passphrases come from: a private file's first line, an environment
// variable, and the terminal prompt, which runs in a child process on a pseudo-terminal of
// its own (so the test sees what the terminal shows, and that echo is back on afterwards),
// or in a child without any terminal.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "auction/identity/passphrase.hpp"
#include "unit/raft/file_storage_test_support.hpp"

namespace {

namespace fs = std::filesystem;
namespace code = auction::code;
using auction::identity::passphrase_from_file_text;
using auction::identity::PassphraseFile;
using auction::identity::PassphrasePrompt;
using auction::identity::PassphraseUse;
using auction::identity::PassphraseVariable;
using auction::identity::read_passphrase;
using auction::test::TempDir;

void write_file(const fs::path& path, const std::string& text, unsigned mode) {
  std::ofstream(path, std::ios::binary) << text;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// Sets an environment variable for one scope.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    REQUIRE(::setenv(name, value, 1) == 0);
  }
  ~ScopedVariable() { ::unsetenv(name_); }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  const char* name_;
};

// What a child process that asked for a passphrase reported.
struct PromptRun {
  std::string terminal_output;  // everything the terminal showed
  std::string result;           // "ok:<passphrase>" or "<code>: <message>"
  bool echo_restored = false;   // ECHO was on again after read_passphrase returned
};

// Runs read_passphrase(PassphrasePrompt, use) in a child whose controlling terminal is a new
// pseudo-terminal, typing each of `lines` once the prompt that asks for it has been shown.
// The child reports through a pipe; any step that takes over 10 s fails the test.
PromptRun run_prompt(PassphraseUse use, const std::vector<std::string>& lines) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const std::string terminal_name = ::ptsname(master);
  int report[2];
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);

  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // A new session without a terminal; opening the pseudo-terminal makes it the session's.
    ::setsid();
    const int terminal = ::open(terminal_name.c_str(), O_RDWR);
    if (terminal < 0) ::_exit(2);
    const auto passphrase = read_passphrase(PassphrasePrompt{}, use, "Passphrase: ");
    termios after{};
    ::tcgetattr(terminal, &after);
    std::string out = (after.c_lflag & ECHO) != 0 ? "1" : "0";
    out += passphrase ? "ok:" + *passphrase
                      : passphrase.error().code + ": " + passphrase.error().message;
    if (::write(report[1], out.data(), out.size()) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(report[1]);

  PromptRun run;
  const auto wait_for = [&](const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (run.terminal_output.find(text) == std::string::npos) {
      pollfd ready{.fd = master, .events = POLLIN, .revents = 0};
      if (std::chrono::steady_clock::now() > deadline || ::poll(&ready, 1, 1000) < 0) break;
      char buffer[256];
      const ssize_t n = (ready.revents & POLLIN) != 0 ? ::read(master, buffer, sizeof buffer) : 0;
      if (n > 0) run.terminal_output.append(buffer, static_cast<std::size_t>(n));
      if (n < 0) break;  // the child closed the terminal
    }
    return run.terminal_output.find(text) != std::string::npos;
  };
  std::size_t prompts_seen = 0;
  for (const std::string& line : lines) {
    const char* prompt = prompts_seen == 0 ? "Passphrase: " : "Repeat the passphrase: ";
    if (!wait_for(prompt)) break;
    ++prompts_seen;
    const std::string typed = line + "\n";
    REQUIRE(::write(master, typed.data(), typed.size()) == static_cast<ssize_t>(typed.size()));
  }

  // The child's report, then its exit.
  std::string reported;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    pollfd ready[2] = {{.fd = report[0], .events = POLLIN, .revents = 0},
                       {.fd = master, .events = POLLIN, .revents = 0}};
    if (std::chrono::steady_clock::now() > deadline) break;
    if (::poll(ready, 2, 1000) < 0) break;
    char buffer[2048];
    if ((ready[1].revents & POLLIN) != 0) {
      const ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n > 0) run.terminal_output.append(buffer, static_cast<std::size_t>(n));
    }
    if ((ready[0].revents & (POLLIN | POLLHUP)) != 0) {
      const ssize_t n = ::read(report[0], buffer, sizeof buffer);
      if (n <= 0) break;
      reported.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::kill(child, SIGKILL);  // no-op when it has finished
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(report[0]);
  ::close(master);
  REQUIRE(reported.size() >= 1);
  run.echo_restored = reported[0] == '1';
  run.result = reported.substr(1);
  return run;
}

}  // namespace

TEST_CASE("identity: a passphrase file gives its first line", "[identity][passphrase]") {
  TempDir dir;
  const fs::path file = dir / "passphrase";
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"correct horse\n", "correct horse"},
           {"correct horse", "correct horse"},
           {"correct horse\r\n", "correct horse"},
           {" spaces kept \nsecond line\n", " spaces kept "}}) {
    INFO(text);
    fs::remove(file);
    write_file(file, text, 0600);
    const auto passphrase = read_passphrase(PassphraseFile{file}, PassphraseUse::open_key, "");
    REQUIRE(passphrase.has_value());
    CHECK(*passphrase == expected);
  }
}

TEST_CASE("identity: a passphrase file that is empty, public, missing or too long is refused",
          "[identity][passphrase]") {
  TempDir dir;
  const fs::path file = dir / "passphrase";
  const auto refused = [&](const std::string& message_part) {
    const auto passphrase = read_passphrase(PassphraseFile{file}, PassphraseUse::open_key, "");
    REQUIRE_FALSE(passphrase.has_value());
    CHECK(passphrase.error().code == code::passphrase_unavailable);
    CHECK_THAT(passphrase.error().message,
               Catch::Contains(file.string()) && Catch::Contains(message_part));
  };
  SECTION("missing") { refused("cannot read"); }
  SECTION("an empty first line") {
    write_file(file, "\nsecond\n", 0600);
    refused("is empty");
  }
  SECTION("empty") {
    write_file(file, "", 0600);
    refused("is empty");
  }
  SECTION("readable by the group") {
    write_file(file, "correct horse\n", 0640);
    refused("chmod 600");
  }
  SECTION("a line past the limit") {
    write_file(file, std::string(auction::identity::passphrase_bytes_max + 1, 'x'), 0600);
    refused("longer than");
  }
  SECTION("larger than a passphrase file may be") {
    write_file(file, std::string(auction::identity::passphrase_file_bytes_max + 1, 'x'), 0600);
    refused("larger than");
  }
  CHECK(passphrase_from_file_text("a\r").value() == "a\r");  // a lone \r is not a line end
}

TEST_CASE("identity: a passphrase variable gives its whole value, and must be set",
          "[identity][passphrase]") {
  const PassphraseVariable variable{"PPAPD_TEST_PASSPHRASE"};
  {
    const ScopedVariable set("PPAPD_TEST_PASSPHRASE", "correct horse\nbattery");
    const auto passphrase = read_passphrase(variable, PassphraseUse::create_key, "");
    REQUIRE(passphrase.has_value());
    CHECK(*passphrase == "correct horse\nbattery");
  }
  const auto unset = read_passphrase(variable, PassphraseUse::open_key, "");
  REQUIRE_FALSE(unset.has_value());
  CHECK(unset.error().code == code::passphrase_unavailable);
  CHECK_THAT(unset.error().message,
             Catch::Contains("PPAPD_TEST_PASSPHRASE") && Catch::Contains("not set"));
  {
    const ScopedVariable empty("PPAPD_TEST_PASSPHRASE", "");
    const auto passphrase = read_passphrase(variable, PassphraseUse::open_key, "");
    REQUIRE_FALSE(passphrase.has_value());
    CHECK(passphrase.error().code == code::passphrase_unavailable);
    CHECK_THAT(passphrase.error().message, Catch::Contains("is empty"));
  }
}

TEST_CASE("identity: the prompt reads a passphrase on the terminal without echoing it",
          "[identity][passphrase]") {
  const PromptRun run = run_prompt(PassphraseUse::open_key, {"correct horse"});
  CHECK(run.result == "ok:correct horse");
  CHECK(run.echo_restored);
  CHECK_THAT(run.terminal_output, Catch::Contains("Passphrase: "));
  CHECK_THAT(run.terminal_output, !Catch::Contains("correct horse"));
}

TEST_CASE("identity: a new key's passphrase is asked twice and must match",
          "[identity][passphrase]") {
  SECTION("the same twice") {
    const PromptRun run = run_prompt(PassphraseUse::create_key, {"correct horse", "correct horse"});
    CHECK(run.result == "ok:correct horse");
    CHECK(run.echo_restored);
    CHECK_THAT(run.terminal_output, !Catch::Contains("correct horse"));
  }
  SECTION("two different ones") {
    const PromptRun run = run_prompt(PassphraseUse::create_key, {"correct horse", "correct hose"});
    CHECK_THAT(run.result,
               Catch::StartsWith("passphrase_unavailable: ") && Catch::Contains("differ"));
    CHECK(run.echo_restored);
  }
  SECTION("an empty one") {
    const PromptRun run = run_prompt(PassphraseUse::create_key, {""});
    CHECK_THAT(run.result,
               Catch::StartsWith("passphrase_unavailable: ") && Catch::Contains("empty"));
    CHECK(run.echo_restored);
  }
}

TEST_CASE("identity: without a terminal the prompt says how else to give the passphrase",
          "[identity][passphrase]") {
  int report[2];
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::setsid();  // a new session has no controlling terminal
    const auto passphrase = read_passphrase(PassphrasePrompt{}, PassphraseUse::open_key, "? ");
    const std::string out =
        passphrase ? "ok" : passphrase.error().code + ": " + passphrase.error().message;
    if (::write(report[1], out.data(), out.size()) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(report[1]);
  std::string reported;
  char buffer[1024];
  for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) {
    reported.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(report[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK_THAT(reported, Catch::StartsWith("passphrase_unavailable: no terminal") &&
                           Catch::Contains("--passphrase-file") &&
                           Catch::Contains("--passphrase-env"));
}

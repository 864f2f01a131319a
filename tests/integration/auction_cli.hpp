// AuctionCli: a real `seller` or `buyer` process driven through its standard input, the way a
// person at the prompt drives it, for the auction demonstrations (auction_*_test.cpp).
//
// A test sends command lines and awaits the lines the program prints (events, never sleeps);
// each expectation reads on from where the previous one matched, so the order of events is
// checked too. The process is killed and reaped when the AuctionCli goes away.
// Threading: one test thread.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "auction/identity/key_file.hpp"
#include "integration/cluster.hpp"
#include "support/child_process.hpp"

namespace auction::test {

// Safety bound of every expectation: only turns a hang into a failure.
inline constexpr std::chrono::milliseconds cli_wait_max{30'000};

class AuctionCli {
 public:
  // Starts `program` ("seller" or "buyer") for `user` on `cluster`'s config, with `extra`
  // arguments, and waits for its ready line.
  // `terminal`: pipes, or a pseudo-terminal as a person at a terminal has (ChildProcess).
  AuctionCli(const std::string& program, const Cluster& cluster, const std::string& user,
             std::vector<std::string> extra = {},
             ChildProcess::Terminal terminal = ChildProcess::Terminal::pipes)
      : user_(user) {
    const std::filesystem::path dir = cluster.config_path().parent_path();
    std::vector<std::string> args{"--config",
                                  cluster.config_path().string(),
                                  "--user",
                                  user,
                                  "--key-file",
                                  (dir / "keys" / (user + ".key")).string(),
                                  "--passphrase-file",
                                  passphrase_file(dir).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(executable(program), std::move(args), terminal);
    expect(user + " ready at ");
  }

  // The passphrase every user's key file of `dir`'s cluster is sealed with (made once, 0600).
  static std::filesystem::path passphrase_file(const std::filesystem::path& dir) {
    const std::filesystem::path path = dir / "passphrase";
    if (!std::filesystem::exists(path)) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      REQUIRE(fd >= 0);
      const std::string text = "a test passphrase\n";
      REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
      ::close(fd);
    }
    return path;
  }

  void send(const std::string& line) { process_->write_input(line + "\n"); }

  // Waits for `text` anywhere in the output so far or to come, whatever was matched before,
  // and leaves the place of the last match where it was: for a line whose order against the
  // others is not fixed (an answer that may come before or after another event).
  void expect_anywhere(const std::string& text) {
    auto end = process_->wait_for_output(text, cli_wait_max, 0);
    INFO(user_ << " did not print \"" << text << "\"; its output:\n" << process_->output());
    REQUIRE(end.has_value());
  }

  // Waits for `text` after the last match and returns the whole line that holds it.
  std::string expect(const std::string& text) {
    auto end = process_->wait_for_output(text, cli_wait_max, offset_);
    INFO(user_ << " did not print \"" << text << "\"; its output:\n" << process_->output());
    REQUIRE(end.has_value());
    const std::string out = process_->output();
    const std::size_t start = out.rfind('\n', *end - text.size());
    const std::size_t stop = out.find('\n', *end);
    offset_ = *end;
    return out.substr(start == std::string::npos ? 0 : start + 1,
                      (stop == std::string::npos ? out.size() : stop) -
                          (start == std::string::npos ? 0 : start + 1));
  }

  // Sends a command and waits for its answer.
  std::string ask(const std::string& line, const std::string& answer) {
    send(line);
    return expect(answer);
  }

  // Everything printed since the start (for checks that an event did not happen).
  std::string output() const { return process_->output(); }
  ChildProcess& process() { return *process_; }
  void kill() { process_->kill_now(); }

 private:
  std::string user_;
  std::unique_ptr<ChildProcess> process_;
  std::size_t offset_ = 0;
};

// The key pair `user`'s program made in its key file on `cluster` (AuctionCli's --key-file).
inline std::shared_ptr<const identity::KeyPair> cli_keys(const Cluster& cluster,
                                                         const std::string& user) {
  const std::filesystem::path dir = cluster.config_path().parent_path();
  auto keys = identity::load_key_file(dir / "keys" / (user + ".key"), "a test passphrase");
  REQUIRE(keys.has_value());
  return std::make_shared<const identity::KeyPair>(std::move(*keys));
}

// "13.00" for 1300 cents, as the CLIs print money.
inline std::string dollars(std::int64_t cents) {
  const std::string c = std::to_string(cents % 100);
  return std::to_string(cents / 100) + "." + (c.size() == 1 ? "0" + c : c);
}

// The round number in "... in round 6: ..." (or "round 6," at the start of an event).
inline std::uint64_t round_in(const std::string& line) {
  const std::size_t at = line.find("round ");
  REQUIRE(at != std::string::npos);
  return std::stoull(line.substr(at + 6));
}

}  // namespace auction::test

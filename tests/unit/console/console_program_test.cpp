// Tests of run_console_program (auction/console/console_program.hpp), the body both CLIs share:
// what it refuses before it makes a front end, and the order in which it drives one. The
// front end here is a recording fake; its commands come from a --script file, so nothing is
// typed and no platform is needed (the login is the fake's).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "auction/console/console_program.hpp"

using namespace auction;
using console::FrontEnd;
using console::ProgramContext;
using console::ProgramOptions;

namespace {

// A directory with a cluster file (whose replica nobody runs) and a script, removed at the end.
class ProgramFiles {
 public:
  explicit ProgramFiles(const std::string& script) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ppapd-console-program-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    std::ofstream(config()) << R"({"replicas": [{"id": 1, "host": "127.0.0.1", "client_port": 1,)"
                            << R"( "raft_port": 2}], "timing": {"tick_ms": 10,)"
                            << R"( "election_ticks": 30, "heartbeat_ticks": 3}})";
    std::ofstream(this->script()) << script;
  }
  ~ProgramFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string config() const { return (dir_ / "cluster.json").string(); }
  std::string script() const { return (dir_ / "script.txt").string(); }

  ProgramOptions options() const {
    ProgramOptions o;
    o.program = "tester";
    o.config_path = config();
    o.user = "tess";
    o.script = script();
    o.key_file = key_file();
    o.passphrase_env = "PPAPD_CONSOLE_TEST_PASSPHRASE";
    ::setenv(o.passphrase_env.c_str(), "the right passphrase", 1);
    return o;
  }
  std::string key_file() const { return (dir_ / "keys" / "tess.key").string(); }

 private:
  std::filesystem::path dir_;
};

// Records every call the program makes, in order.
class RecordingFrontEnd final : public FrontEnd {
 public:
  explicit RecordingFrontEnd(std::vector<std::string>& calls) : calls_(calls) {}

  Result<std::string> start() override {
    calls_.push_back("start");
    return std::string("127.0.0.1:9");
  }
  boost::asio::awaitable<Result<void>> async_login() override {
    calls_.push_back("login");
    co_return Result<void>{};
  }
  boost::asio::awaitable<void> async_on_ready() override {
    calls_.push_back("ready");
    co_return;
  }
  boost::asio::awaitable<bool> async_execute(std::string line) override {
    calls_.push_back("execute " + line);
    co_return line != "quit";
  }
  void stop() override { calls_.push_back("stop"); }
  std::string leaving_warning() const override { return {}; }

 private:
  std::vector<std::string>& calls_;
};

}  // namespace

TEST_CASE(
    "console: a program refuses a bad cluster file, user, --listen or --web before it makes "
    "its front end",
    "[console][program]") {
  ProgramFiles files("quit\n");
  bool made = false;
  auto make = [&](const ProgramContext&) -> Result<std::unique_ptr<FrontEnd>> {
    made = true;
    return fail(code::internal, "not reached");
  };
  ProgramOptions no_config = files.options();
  no_config.config_path = files.config() + ".missing";
  CHECK(console::run_console_program(no_config, make) == console::exit_refused);
  ProgramOptions bad_user = files.options();
  bad_user.user = "no spaces";
  CHECK(console::run_console_program(bad_user, make) == console::exit_refused);
  ProgramOptions bad_listen = files.options();
  bad_listen.listen = "127.0.0.1:112486";
  CHECK(console::run_console_program(bad_listen, make) == console::exit_refused);
  ProgramOptions no_script = files.options();
  no_script.script = files.script() + ".missing";
  CHECK(console::run_console_program(no_script, make) == console::exit_refused);
  // A web page's address the browser could not name, or no address at all.
  for (const char* web : {"0.0.0.0:8080", "[::]:8080", "[::0]:8080", "[0:0::0]:8080", "127.0.0.1",
                          "127.0.0.1:99999"}) {
    ProgramOptions bad_web = files.options();
    bad_web.web = web;
    CHECK(console::run_console_program(bad_web, make) == console::exit_refused);
  }
  CHECK_FALSE(made);
}

TEST_CASE("console: a program whose front end refuses or cannot start exits as refused",
          "[console][program]") {
  ProgramFiles files("quit\n");
  CHECK(console::run_console_program(
            files.options(), [](const ProgramContext&) -> Result<std::unique_ptr<FrontEnd>> {
              return fail(code::invalid_argument, "--max-price: not an amount");
            }) == console::exit_refused);

  class Unbindable final : public FrontEnd {
   public:
    Result<std::string> start() override { return fail(code::address_in_use, "in use"); }
    boost::asio::awaitable<Result<void>> async_login() override { co_return Result<void>{}; }
    boost::asio::awaitable<void> async_on_ready() override { co_return; }
    boost::asio::awaitable<bool> async_execute(std::string) override { co_return false; }
    void stop() override {}
    std::string leaving_warning() const override { return {}; }
  };
  CHECK(console::run_console_program(
            files.options(), [](const ProgramContext&) -> Result<std::unique_ptr<FrontEnd>> {
              return std::make_unique<Unbindable>();
            }) == console::exit_refused);
}

TEST_CASE(
    "console: a program starts, logs in, gets ready, runs each line until quit, then "
    "stops its front end",
    "[console][program]") {
  ProgramFiles files("help\n\nquit\nnever read\n");
  std::vector<std::string> calls;
  Endpoint listen;
  const int exit_code = console::run_console_program(
      files.options(), [&](const ProgramContext& context) -> Result<std::unique_ptr<FrontEnd>> {
        listen = context.listen;
        return std::make_unique<RecordingFrontEnd>(calls);
      });
  CHECK(exit_code == 0);
  CHECK(listen == Endpoint{"127.0.0.1", 0});
  CHECK(calls == std::vector<std::string>{"start", "login", "ready", "execute help", "execute ",
                                          "execute quit", "stop"});
}

TEST_CASE(
    "console: a program makes the user's key file on first use, opens it after, and refuses "
    "to start with a wrong passphrase, leaving the file as it was",
    "[console][program]") {
  ProgramFiles files("quit\n");
  std::vector<std::string> calls;
  const auto make = [&](const ProgramContext&) -> Result<std::unique_ptr<FrontEnd>> {
    return std::make_unique<RecordingFrontEnd>(calls);
  };
  CHECK(console::run_console_program(files.options(), make) == 0);
  REQUIRE(std::filesystem::exists(files.key_file()));
  CHECK((std::filesystem::status(files.key_file()).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  std::stringstream before;
  before << std::ifstream(files.key_file()).rdbuf();

  CHECK(console::run_console_program(files.options(), make) == 0);  // opens the same file

  ProgramOptions wrong = files.options();
  ::setenv(wrong.passphrase_env.c_str(), "not the passphrase", 1);
  CHECK(console::run_console_program(wrong, make) == console::exit_refused);
  std::stringstream after;
  after << std::ifstream(files.key_file()).rdbuf();
  CHECK(after.str() == before.str());
  CHECK(calls == std::vector<std::string>{"start", "login", "ready", "execute quit", "stop",
                                          "start", "login", "ready", "execute quit", "stop"});
}

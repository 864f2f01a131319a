// seller: a seller's command-line program (argument parsing and wiring only).
//
//   seller --config configs/local-3.json --user alice [--listen 127.0.0.1:0]
//          [--state-dir DIR] [--script FILE] [--json] [--push-period-ms 1000]
//
// Logs in to the platform at the address its peer server is bound to, then reads commands
// (SellerConsole: create, list, show, start, resume, cancel, wait, help, quit) from the
// terminal, a pipe or --script FILE, and prints events as they happen. Everything runs on
// one thread (one io_context); a reader thread only reads the input lines.
// Exit codes: 0 at the end of the input, `quit`, SIGINT or SIGTERM; 2 when it cannot start
// (bad arguments or config, unusable state directory, address in use), with one line why.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "auction/console/line_reader.hpp"
#include "auction/console/seller_console.hpp"
#include "auction/market/runtime/seller_runtime.hpp"
#include "auction/base/endpoint.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/version.hpp"

namespace {

namespace asio = boost::asio;
using namespace auction;

constexpr int exit_refused = 2;

int refuse(const std::string& line) {
  std::fprintf(stderr, "seller: cannot start: %s\n", line.c_str());
  return exit_refused;
}

void print_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

struct Arguments {
  std::string config_path;
  std::string user;
  std::string listen = "127.0.0.1:0";
  std::string state_dir;
  std::string script;
  bool json = false;
  unsigned push_period_ms = 1000;
};

int run(const Arguments& args) {
  auto cluster = platform::ClusterConfig::load(args.config_path);
  if (!cluster) return refuse("config " + args.config_path + ": " + cluster.error().message);
  if (!auction::is_valid_username(args.user)) {
    return refuse("--user must be 1..32 characters of A-Z a-z 0-9 _ . -");
  }
  const auto listen = parse_endpoint(args.listen);
  if (!listen) return refuse("--listen: " + listen.error().message + " (e.g. 127.0.0.1:0)");
  int script_fd = 0;
  if (!args.script.empty()) {
    script_fd = ::open(args.script.c_str(), O_RDONLY | O_CLOEXEC);
    if (script_fd < 0) return refuse("cannot open script " + args.script);
  }

  asio::io_context io(1);
  platform::Client client(io.get_executor(), platform::client_options_from(*cluster));
  market::SellerRuntimeOptions options;
  options.peer.username = args.user;
  options.peer.listen_address = listen->host;
  options.peer.listen_port = listen->port;
  options.state_dir = args.state_dir.empty() ? "seller-state-" + args.user : args.state_dir;
  options.push_period = std::chrono::milliseconds(args.push_period_ms);
  market::SellerRuntime engine(io.get_executor(), client, options);
  console::ConsoleOptions console_options;
  console_options.json = args.json;
  console::SellerConsole console(engine, print_line, console_options);
  auto address = engine.start();
  if (!address) return refuse(address.error().message);

  const bool interactive = args.script.empty() && ::isatty(0) == 1;
  console::LineReader reader(io.get_executor(), script_fd);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        if (auto ok = co_await engine.async_login(); !ok) {
          print_line("warning: cannot log in (" + ok.error().code + ": " + ok.error().message +
                     "); commands that need the platform will fail until it is back");
        }
        print_line("seller " + args.user + " ready at " + *address + " (type help)");
        co_await console.async_on_ready();
        co_await console::async_run_commands(
            reader, [&](std::string line) { return console.async_execute(std::move(line)); },
            interactive ? std::function<void()>([] {
              std::fputs("> ", stdout);
              std::fflush(stdout);
            })
                        : std::function<void()>());
      },
      [&](std::exception_ptr escaped) {
        if (escaped) {
          try {
            std::rethrow_exception(escaped);
          } catch (const std::exception& e) {
            std::fprintf(stderr, "seller: fatal: %s\n", e.what());
          }
        }
        io.stop();
      });

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) io.stop();
  });
  io.run();
  engine.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"seller: run ascending-clock auctions on the PPAPD platform"};
  Arguments args;
  app.add_option("--config", args.config_path, "cluster file, e.g. configs/local-3.json")->required();
  app.add_option("--user", args.user, "your username (1..32 of A-Z a-z 0-9 _ . -)")->required();
  app.add_option("--listen", args.listen, "HOST:PORT where buyers reach you (port 0: any free one)");
  app.add_option("--state-dir", args.state_dir,
                 "where results not yet recorded by the platform are kept (default: "
                 "seller-state-USER)");
  app.add_option("--script", args.script, "read commands from FILE instead of the terminal");
  app.add_flag("--json", args.json, "print every event and answer as one JSON line");
  app.add_option("--push-period-ms", args.push_period_ms,
                 "how often a running auction's state is pushed to the platform")
      ->check(CLI::Range(10u, 3'600'000u));
  app.set_version_flag("--version", std::string(auction::version()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : exit_refused;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "seller: fatal: %s\n", e.what());
    return 1;
  }
}

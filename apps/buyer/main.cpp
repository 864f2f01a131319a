// buyer: a buyer's command-line program (argument parsing and wiring only).
//
//   buyer --config configs/local-3.json --user bob [--listen 127.0.0.1:0]
//         [--max-price 12.50] [--script FILE] [--json]
//
// Logs in to the platform at the address its peer server is bound to (and watches again the
// auctions it joined before), then reads commands (BuyerConsole: list, show, join, leave,
// withdraw, max, wait, help, quit) from the terminal, a pipe or --script FILE, and prints
// events as they happen. Everything runs on one thread (one io_context); a reader thread
// only reads the input lines.
// Exit codes: 0 at the end of the input, `quit`, SIGINT or SIGTERM; 2 when it cannot start
// (bad arguments or config, address in use), with one line why.
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
#include "auction/base/money.hpp"
#include "auction/console/buyer_console.hpp"
#include "auction/market/runtime/buyer_runtime.hpp"
#include "auction/base/endpoint.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/version.hpp"

namespace {

namespace asio = boost::asio;
using namespace auction;

constexpr int exit_refused = 2;

int refuse(const std::string& line) {
  std::fprintf(stderr, "buyer: cannot start: %s\n", line.c_str());
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
  std::string max_price;
  std::string script;
  bool json = false;
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
  market::BuyerRuntimeOptions options;
  options.peer.username = args.user;
  options.peer.listen_address = listen->host;
  options.peer.listen_port = listen->port;
  if (!args.max_price.empty()) {
    auto max_price = auction::parse_cents(args.max_price);
    if (!max_price) return refuse("--max-price: " + max_price.error().message);
    options.peer.max_price = *max_price;
  }
  market::BuyerRuntime engine(io.get_executor(), client, options);
  console::ConsoleOptions console_options;
  console_options.json = args.json;
  console::BuyerConsole console(engine, print_line, console_options);
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
        print_line("buyer " + args.user + " ready at " + *address + " (type help)");
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
            std::fprintf(stderr, "buyer: fatal: %s\n", e.what());
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
  CLI::App app{"buyer: take part in ascending-clock auctions on the PPAPD platform"};
  Arguments args;
  app.add_option("--config", args.config_path, "cluster file, e.g. configs/local-3.json")->required();
  app.add_option("--user", args.user, "your username (1..32 of A-Z a-z 0-9 _ . -)")->required();
  app.add_option("--listen", args.listen, "HOST:PORT where sellers reach you (port 0: any free one)");
  app.add_option("--max-price", args.max_price,
                 "withdraw automatically once a price passes this amount, e.g. 12.50");
  app.add_option("--script", args.script, "read commands from FILE instead of the terminal");
  app.add_flag("--json", args.json, "print every event and answer as one JSON line");
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
    std::fprintf(stderr, "buyer: fatal: %s\n", e.what());
    return 1;
  }
}

// seller: a seller's command-line program (argument parsing and wiring only).
//
//   seller --config configs/local-3.json --user alice [--listen 127.0.0.1:0]
//          [--state-dir DIR] [--script FILE] [--json] [--push-period-ms 1000] [--resume]
//
// Logs in to the platform at the address its peer server is bound to, then reads commands
// (SellerConsole: create, list, show, start, resume, cancel, wait, help, quit) from the
// terminal, a pipe or --script FILE, and prints events as they happen. The program around
// them (checks, login, the command loop, signals) is console::run_console_program;
// everything runs on one thread, a reader thread only reads the input lines.
// Exit codes: 0 at the end of the input, `quit`, SIGINT or SIGTERM; 2 when it cannot start
// (bad arguments or config, unusable state directory, address in use), with one line why.
#include <chrono>
#include <string>

#include <CLI/CLI.hpp>

#include "auction/base/limits.hpp"
#include "auction/console/console_program.hpp"
#include "auction/console/seller_console.hpp"
#include "auction/market/runtime/seller_runtime.hpp"
#include "console_arguments.hpp"

int main(int argc, char** argv) {
  using namespace auction;
  CLI::App app{"seller: run ascending-clock auctions on the PPAPD platform"};
  console::ProgramOptions program;
  program.program = "seller";
  // A connection to every buyer of an auction, and a margin for the platform and files.
  program.open_files_needed = limits::buyers_per_auction_max + 64;
  program.open_files_needed_for =
      "an auction of " + std::to_string(limits::buyers_per_auction_max) + " buyers";
  apps::add_identity_options(app, program, "buyers");
  std::string state_dir;
  app.add_option("--state-dir", state_dir,
                 "where results not yet recorded by the platform are kept (default: "
                 "seller-state-USER)");
  apps::add_input_options(app, program);
  unsigned push_period_ms = 1000;
  app.add_option("--push-period-ms", push_period_ms,
                 "how often a running auction's state is pushed to the platform")
      ->check(CLI::Range(10u, 3'600'000u));
  app.add_flag("--resume", program.resume,
               "once ready, resume every started auction of this seller that no process runs "
               "(after a restart); without it they are listed, to resume one by one");
  if (const auto exit_code = apps::parse_arguments(app, argc, argv)) return *exit_code;
  return console::run_console_program<market::SellerRuntime, console::SellerConsole>(
      program, [&]() -> Result<market::SellerRuntimeOptions> {
        market::SellerRuntimeOptions options;
        options.state_dir = state_dir.empty() ? "seller-state-" + program.user : state_dir;
        options.push_period = std::chrono::milliseconds(push_period_ms);
        return options;
      });
}

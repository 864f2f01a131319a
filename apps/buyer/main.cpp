// buyer: a buyer's command-line program (argument parsing and wiring only).
//
//   buyer --config configs/local-3.json --user bob [--listen 127.0.0.1:0]
//         [--max-price 12.50] [--script FILE] [--json]
//
// Logs in to the platform at the address its peer server is bound to (and watches again the
// auctions it joined before), then reads commands (BuyerConsole: list, show, join, leave,
// withdraw, max, wait, help, quit) from the terminal, a pipe or --script FILE, and prints
// events as they happen. The program around them (checks, login, the command loop, signals)
// is console::run_console_program; everything runs on one thread, a reader thread only reads
// the input lines.
// Exit codes: 0 at the end of the input, `quit`, SIGINT or SIGTERM; 2 when it cannot start
// (bad arguments or config, address in use), with one line why.
#include <string>

#include <CLI/CLI.hpp>

#include "auction/base/money.hpp"
#include "auction/console/buyer_console.hpp"
#include "auction/console/console_program.hpp"
#include "auction/market/runtime/buyer_runtime.hpp"
#include "console_arguments.hpp"

int main(int argc, char** argv) {
  using namespace auction;
  CLI::App app{"buyer: take part in ascending-clock auctions on the PPAPD platform"};
  console::ProgramOptions program;
  program.program = "buyer";
  std::string max_price;
  apps::add_identity_options(app, program, "sellers");
  app.add_option("--max-price", max_price,
                 "withdraw automatically once a price passes this amount, e.g. 12.50");
  apps::add_input_options(app, program);
  if (const auto exit_code = apps::parse_arguments(app, argc, argv)) return *exit_code;
  return console::run_console_program<market::BuyerRuntime, console::BuyerConsole>(
      program, [&]() -> Result<market::BuyerRuntimeOptions> {
        market::BuyerRuntimeOptions options;
        if (!max_price.empty()) {
          auto parsed = parse_cents(max_price);
          if (!parsed) return fail(parsed.error().code, "--max-price: " + parsed.error().message);
          options.peer.max_price = *parsed;
        }
        return options;
      });
}

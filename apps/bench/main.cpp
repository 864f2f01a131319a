// bench: measures PPAPD (and etcd, for comparison) and prints what it measured.
//
//   bench platform --start configs/local-3.json --clients 1,8,32 --workload write,fetch
//   bench failover --start configs/local-3.json --tries 10
//   bench restart --start configs/local-3.json --writes 10000000
//   bench capacity --users 10000000 --auctions 1000000 --snapshot
//   bench --json ...   one JSON object per result on stdout
//
// Argument parsing and dispatch only; each mode lives in its own file (modes.hpp).
// Exit codes: 0 measured and reported; 1 the measurement failed (the reason is printed);
// 2 bad arguments.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "auction/version.hpp"
#include "modes.hpp"

int main(int argc, char** argv) {
  using namespace auction::bench;
  CLI::App app{"bench: load generators and measurements for PPAPD (and etcd, to compare)"};
  app.require_subcommand(1);
  CommonOptions common;
  int exit_code = 0;
  app.add_flag("--json", common.json, "print one JSON object per result instead of a table");
  app.set_version_flag("--version", std::string(auction::version()));
  add_platform_command(app, common, exit_code);
  add_failover_command(app, common, exit_code);
  add_etcd_command(app, common, exit_code);
  add_fanout_command(app, common, exit_code);
  add_restart_command(app, common, exit_code);
  add_capacity_command(app, common, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench: fatal: %s\n", e.what());
    return 1;
  }
  return exit_code;
}

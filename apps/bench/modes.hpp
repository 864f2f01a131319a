// The bench modes: each adds its subcommand to the command line and runs it.
//
//   platform  closed-loop writes and linearizable reads against a PPAPD cluster
//   failover  time from killing the leader to the first write the new leader acknowledges
//   fanout    one seller engine announcing rounds to B buyer engines
//   restart   memory and disk after N writes, and the time a killed cluster takes to return
//   capacity  the state machine filled to N users and M auctions, in process: memory, snapshot
//   etcd      the platform mode's loads against an etcd cluster's JSON gateway
//
// A mode prints through Report (a table, or JSON lines with --json) and sets `exit_code`:
// 0 when it ran and reported, 1 when the measurement failed (it says why), 2 for bad
// arguments (CLI11 reports those itself).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

namespace auction::bench {

struct CommonOptions {
  bool json = false;
};

// A mode's subcommand and the options its command line fills in.
template <class Options>
struct Mode {
  CLI::App* command;                 // add the mode's own options to it
  std::shared_ptr<Options> options;  // what they fill in
};

// Adds the subcommand `name`; once the command line is parsed, `exit_code` is what
// `run(options, common)` returns.
template <class Options, class Run>
Mode<Options> add_mode(CLI::App& app, std::string name, std::string description,
                       const CommonOptions& common, int& exit_code, Run run) {
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(std::move(name), std::move(description));
  command->callback([options, run, &common, &exit_code] { exit_code = run(*options, common); });
  return {command, options};
}

void add_platform_command(CLI::App& app, const CommonOptions& common, int& exit_code);
void add_failover_command(CLI::App& app, const CommonOptions& common, int& exit_code);
void add_etcd_command(CLI::App& app, const CommonOptions& common, int& exit_code);
void add_fanout_command(CLI::App& app, const CommonOptions& common, int& exit_code);
void add_restart_command(CLI::App& app, const CommonOptions& common, int& exit_code);
void add_capacity_command(CLI::App& app, const CommonOptions& common, int& exit_code);

}  // namespace auction::bench

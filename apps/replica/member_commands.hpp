// The operator's subcommands of `replica`: membership changes and leadership transfer,
// sent to the cluster's admin ops (docs/operations.md, "Changing the members").
//
//   replica member list    --config FILE
//   replica member add     --config FILE --id N   (N's addresses: its entry in FILE)
//   replica member promote --config FILE --id N [--wait SECONDS]
//   replica member remove  --config FILE --id N
//   replica transfer       --config FILE [--to N]
//
// Each connects as the operator, with the cluster file's tls.dir/admin.crt and admin.key
// (or --cert/--key), finds the leader, prints what happened in a line or a table, and exits
// 0 when it happened, 1 when the cluster refused or the outcome is unknown (the line says
// which), 2 on a bad command line or cluster file.
#pragma once

#include <cstdint>
#include <string>

namespace replica_cli {

struct MemberCommand {
  std::string action;  // list, add, promote, remove, transfer
  std::string config_path;
  std::uint64_t id = 0;          // add, promote, remove: the member; transfer: the target (0: any)
  std::string certificate_file;  // empty: tls.dir/admin.crt
  std::string private_key_file;  // empty: tls.dir/admin.key
  int wait_seconds = 0;          // promote: how long to wait for the learner to catch up
};

// Runs one subcommand to its end; returns the exit code.
int run_member_command(const MemberCommand& command);

}  // namespace replica_cli

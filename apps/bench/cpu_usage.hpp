// CpuUsage: CPU seconds (user + system) used by this process or by another one, read from
// /proc, so a report can show whether the load generator or the servers were the bottleneck.
// Never: fails loudly; a process that is gone or unreadable reads as nullopt.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace auction::bench {

double own_cpu_seconds();
std::optional<double> process_cpu_seconds(pid_t pid);
// The sum over `pids`; nullopt if any of them cannot be read.
std::optional<double> processes_cpu_seconds(const std::vector<pid_t>& pids);

}  // namespace auction::bench

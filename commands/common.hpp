// Options shared by the commands that read packages (validate, import): package limits,
// parallel jobs, recursion.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <thread>

#include "core/package/scan.hpp"

namespace eductl {

struct LimitArgs {
  std::uint64_t max_entries = 100000;
  std::string max_unpacked = "20GiB";
  double max_ratio = 200;
};

void add_limit_options(CLI::App* cmd, LimitArgs& args);
// Throws CLI::ValidationError on a malformed size (exit 2).
ScanLimits to_scan_limits(const LimitArgs& args);

inline unsigned default_jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace eductl

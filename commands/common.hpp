// Options shared by the commands that read packages (validate, import): package limits,
// parallel jobs, recursion.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <thread>

#include "core/package/scan.hpp"

namespace eductl {

struct LimitArgs {
  std::uint64_t max_entries = 100000;
  std::string max_unpacked = "20GiB";
  double max_ratio = 200;
  std::string max_sidecar = "16MiB";
};

void add_limit_options(CLI::App* cmd, LimitArgs& args);
// Only for commands that read books.csv or listing files (import).
void add_sidecar_option(CLI::App* cmd, LimitArgs& args);
void add_jobs_option(CLI::App* cmd, unsigned& jobs, const std::string& description);
// Throws CLI::ValidationError on a malformed size (exit 2).
ScanLimits to_scan_limits(const LimitArgs& args);

inline unsigned default_jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

// "10000000" -> "10,000,000": bounds in messages are read, not counted.
std::string group_thousands(std::uint64_t n);

}  // namespace eductl

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

// The book filters of the commands that list books (catalog list, search): --stage, --grade,
// --subject, --edition, --kind, into any filter with those string members.
template <class Filter>
void add_book_filter_options(CLI::App* cmd, Filter& f, int& grade) {
  cmd->add_option("--stage", f.stage, "primary, junior, senior or special");
  cmd->add_option("--grade", grade, "Books for this grade (1-12; spans count)")->check(CLI::Range(1, 12));
  cmd->add_option("--subject", f.subject, "Subject code, e.g. math, chinese, arts-music");
  cmd->add_option("--edition", f.edition, "Edition text, e.g. 人教版 (substring match)");
  cmd->add_option("--kind", f.kind, "Book kind: student, teacher, reader, atlas or practice");
}

// "10000000" -> "10,000,000": bounds in messages are read, not counted.
std::string group_thousands(std::uint64_t n);

}  // namespace eductl

#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "commands/context.hpp"

namespace eductl {

struct ReportOptions {
  std::vector<std::string> by{"province"};
  std::string since, until;
  std::vector<std::string> provinces;
  std::string subject, grade, stage, edition, publisher, book, lesson, resource_kind;
  std::size_t top = 0;
  bool csv = false;
  std::string html;   // write a self-contained HTML page here
  std::string map;    // mapping file for non-blob URLs (default <data>/usage-map.tsv when present)
};

void register_report(CLI::App& app, Context& ctx, int& exit_code);
int run_report(const ReportOptions& opts, const Context& ctx);

}  // namespace eductl

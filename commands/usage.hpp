#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "commands/context.hpp"
#include "core/usage/ingest.hpp"

namespace eductl {

struct UsageIngestOptions {
  std::vector<std::string> logs;  // files or "-"
  std::string region;             // "450000" or a province name
  usage::IngestOptions ingest;
};

void register_usage(CLI::App& app, Context& ctx, int& exit_code);
int run_usage_ingest(const UsageIngestOptions& opts, const Context& ctx);

}  // namespace eductl

#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>
#include <vector>

#include "commands/context.hpp"
#include "commands/common.hpp"

namespace eductl {

struct ValidateOptions {
  std::vector<std::filesystem::path> paths;
  bool recursive = false;
  unsigned jobs = default_jobs();
  bool strict = false;
  bool deep = false;  // also decode each video for its first seconds (ffmpeg)
  LimitArgs limits;
};

void register_validate(CLI::App& app, Context& ctx, int& exit_code);
int run_validate(const ValidateOptions& opts, const Context& ctx);

}  // namespace eductl

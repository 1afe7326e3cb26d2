#pragma once
#include <CLI/CLI.hpp>

#include "commands/context.hpp"

namespace eductl {
void register_search(CLI::App& app, Context& ctx, int& exit_code);
}  // namespace eductl

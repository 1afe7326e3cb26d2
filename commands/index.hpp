#pragma once
#include <CLI/CLI.hpp>

#include "commands/context.hpp"

namespace eductl {
void register_index(CLI::App& app, Context& ctx, int& exit_code);
}  // namespace eductl

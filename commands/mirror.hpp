#pragma once
#include <CLI/CLI.hpp>

#include "commands/context.hpp"

namespace eductl {
// The `mirror` group: keygen, sign, verify (publish, sync, status and export come later).
void register_mirror(CLI::App& app, Context& ctx, int& exit_code);
}  // namespace eductl

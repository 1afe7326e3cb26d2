// Builds the eductl command line (CLI11), runs the chosen command and maps every outcome,
// including parse errors and exceptions, to the documented exit codes.
#pragma once

namespace eductl {
int run_app(int argc, char** argv);
}  // namespace eductl

#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "commands/context.hpp"
#include "core/mirror/minisign.hpp"
#include "core/util/result.hpp"

namespace eductl {
// The `mirror` group: keygen, publish, sync, status, export, sign, verify.
void register_mirror(CLI::App& app, Context& ctx, int& exit_code);
// One file per subcommand: commands/mirror_publish.cpp, mirror_sync.cpp,
// mirror_status.cpp, mirror_export.cpp (keygen, sign and verify live in mirror.cpp).
void register_mirror_publish(CLI::App* mirror, Context& ctx, int& exit_code);
void register_mirror_sync(CLI::App* mirror, Context& ctx, int& exit_code);
void register_mirror_status(CLI::App* mirror, Context& ctx, int& exit_code);
void register_mirror_export(CLI::App* mirror, Context& ctx, int& exit_code);

// Loads a secret key, asking for a password only when the file is encrypted.
Result<minisign::SecretKey> load_signing_key(const std::filesystem::path& key_file);
// --trust takes a .pub file or, like minisign -P, the base64 key itself.
Result<minisign::PublicKey> load_trusted_key(const std::string& trust);
}  // namespace eductl

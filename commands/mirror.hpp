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
// publish, sync, status and export (commands/mirror_snapshot.cpp).
void register_snapshot_commands(CLI::App* mirror, Context& ctx, int& exit_code);

// Loads a secret key, asking for a password only when the file is encrypted.
Result<minisign::SecretKey> load_signing_key(const std::filesystem::path& key_file);
// --trust takes a .pub file or, like minisign -P, the base64 key itself.
Result<minisign::PublicKey> load_trusted_key(const std::string& trust);
}  // namespace eductl

// File-system primitives with crash safety: atomic file replace (temp + fsync + rename +
// directory fsync) and small helpers. Everything that persists goes through these.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "core/util/result.hpp"

namespace eductl {

// Writes `data` to `path` so that a crash leaves either the old file or the new one.
// `mode` applies from the first byte (secret keys are 0600 and never readable by others,
// not even as the temp file); the umask may narrow it further.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned mode = 0644);
Result<std::string> read_file(const std::filesystem::path& path, std::uint64_t max_bytes = 64ull << 20);
Status fsync_dir(const std::filesystem::path& dir);
Status make_dirs(const std::filesystem::path& dir);
std::string errno_text(int err);

}  // namespace eductl

// File-system primitives with crash safety: atomic file replace (temp + fsync + rename +
// directory fsync) and small helpers. Everything that persists goes through these.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/util/result.hpp"

namespace eductl {

// Writes `data` to `path` so that a crash leaves either the old file or the new one.
// `mode` applies from the first byte (secret keys are 0600 and never readable by others,
// not even as the temp file); the umask may narrow it further.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned mode = 0644);

// Why a file named by untrusted input (a sidecar, a listing) was not read. Such files are
// opened without following a symbolic link and without blocking on a FIFO, and only a
// regular file within the size cap is read, so no input can hang the tool or exhaust memory.
enum class FileRefusal { none, missing, symlink, not_regular, too_large, unreadable };

struct BoundedRead {
  std::string data;
  FileRefusal refusal = FileRefusal::none;
  std::string detail;  // human words for the refusal, e.g. "is a FIFO", "is larger than 16 MiB"
};

// Reads a regular file of at most `max_bytes`; anything else is refused (never read).
BoundedRead read_untrusted_file(const std::filesystem::path& path, std::uint64_t max_bytes);
// The same, as a Result: a refusal is an ErrorKind::bad_input error.
Result<std::string> read_file(const std::filesystem::path& path, std::uint64_t max_bytes = 64ull << 20);
// A database file and its companions (-wal, -shm, -journal) must each be a regular file
// or absent, checked with lstat before SQLite opens anything: a FIFO would block the open
// for ever, a directory, device or symbolic link is not what eductl left there.
// bad_input naming the file and what it is, with what to do.
Status check_database_files(const std::filesystem::path& file);
Status fsync_dir(const std::filesystem::path& dir);
// Flushes a file written by another library (SQLite) before it is renamed into place.
Status fsync_file(const std::filesystem::path& file);
// syncfs(2) on the file system holding `dir`: one flush for a batch of files.
Status sync_file_system(const std::filesystem::path& dir);
Status make_dirs(const std::filesystem::path& dir);
std::string errno_text(int err);

}  // namespace eductl

// Reads a zip file's central directory (with ZIP64) without touching entry data. It
// supplies what libarchive does not expose: each entry's compressed size (for the
// compression-ratio guard), the UTF-8 name flag (bit 11) and the compression method.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace eductl {

struct ZipDirEntry {
  std::string raw_name;
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint16_t flags = 0;
  std::uint16_t method = 0;  // 0 stored, 8 deflate
  bool utf8_flag() const { return flags & 0x0800; }
};

// nullopt when the file is not a zip or its directory is unreadable (libarchive then
// reports the corruption).
std::optional<std::vector<ZipDirEntry>> read_zip_directory(const std::filesystem::path& file);

}  // namespace eductl

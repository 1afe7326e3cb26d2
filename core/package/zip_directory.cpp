#include "core/package/zip_directory.hpp"

#include <cstring>
#include <fstream>

namespace eductl {
namespace {

std::uint64_t le(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool read_at(std::ifstream& in, std::uint64_t off, void* buf, std::size_t n) {
  in.clear();
  in.seekg(static_cast<std::streamoff>(off));
  in.read(static_cast<char*>(buf), static_cast<std::streamsize>(n));
  return static_cast<std::size_t>(in.gcount()) == n;
}

}  // namespace

std::optional<std::vector<ZipDirEntry>> read_zip_directory(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  const std::uint64_t size = static_cast<std::uint64_t>(in.tellg());
  if (size < 22) return std::nullopt;
  const std::uint64_t tail_len = std::min<std::uint64_t>(size, 65535 + 22);
  std::vector<unsigned char> tail(tail_len);
  if (!read_at(in, size - tail_len, tail.data(), tail_len)) return std::nullopt;
  std::int64_t eocd = -1;
  for (std::int64_t i = static_cast<std::int64_t>(tail_len) - 22; i >= 0; --i)
    if (std::memcmp(&tail[i], "PK\x05\x06", 4) == 0) {
      eocd = i;
      break;
    }
  if (eocd < 0) return std::nullopt;
  const unsigned char* e = &tail[eocd];
  std::uint64_t count = le(e + 10, 2);
  std::uint64_t cd_size = le(e + 12, 4);
  std::uint64_t cd_off = le(e + 16, 4);
  const std::uint64_t eocd_abs = size - tail_len + static_cast<std::uint64_t>(eocd);
  if ((count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_off == 0xFFFFFFFF) && eocd_abs >= 20) {
    unsigned char loc[20];
    if (read_at(in, eocd_abs - 20, loc, 20) && std::memcmp(loc, "PK\x06\x07", 4) == 0) {
      unsigned char e64[56];
      if (!read_at(in, le(loc + 8, 8), e64, 56) || std::memcmp(e64, "PK\x06\x06", 4) != 0)
        return std::nullopt;
      count = le(e64 + 32, 8);
      cd_size = le(e64 + 40, 8);
      cd_off = le(e64 + 48, 8);
    }
  }
  if (cd_off > size || cd_size > size - cd_off || cd_size > (1ull << 31)) return std::nullopt;
  std::vector<unsigned char> cd(cd_size);
  if (!read_at(in, cd_off, cd.data(), cd_size)) return std::nullopt;
  std::vector<ZipDirEntry> out;
  std::size_t p = 0;
  while (out.size() < count && p + 46 <= cd.size()) {
    const unsigned char* h = &cd[p];
    if (std::memcmp(h, "PK\x01\x02", 4) != 0) return std::nullopt;
    ZipDirEntry z;
    z.flags = static_cast<std::uint16_t>(le(h + 8, 2));
    z.method = static_cast<std::uint16_t>(le(h + 10, 2));
    z.compressed_size = le(h + 20, 4);
    z.uncompressed_size = le(h + 24, 4);
    const std::size_t name_len = le(h + 28, 2), extra_len = le(h + 30, 2), comment_len = le(h + 32, 2);
    if (p + 46 + name_len + extra_len + comment_len > cd.size()) return std::nullopt;
    z.raw_name.assign(reinterpret_cast<const char*>(h + 46), name_len);
    // ZIP64 extra field: sizes replaced by 0xFFFFFFFF live there, in order.
    const unsigned char* x = h + 46 + name_len;
    for (std::size_t q = 0; q + 4 <= extra_len;) {
      const std::size_t id = le(x + q, 2), len = le(x + q + 2, 2);
      if (q + 4 + len > extra_len) break;
      if (id == 0x0001) {
        std::size_t r = q + 4;
        if (z.uncompressed_size == 0xFFFFFFFF && r + 8 <= q + 4 + len) z.uncompressed_size = le(x + r, 8), r += 8;
        if (z.compressed_size == 0xFFFFFFFF && r + 8 <= q + 4 + len) z.compressed_size = le(x + r, 8);
      }
      q += 4 + len;
    }
    out.push_back(std::move(z));
    p += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

}  // namespace eductl

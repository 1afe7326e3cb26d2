// Feeds arbitrary bytes to the package scanner as an archive file (zip, tar, tar.gz, …):
// libarchive, the zip central-directory reader, name decoding, nested zip/EPUB checks.
#include <unistd.h>

#include <clocale>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/validate/validator.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::setlocale(LC_ALL, "C.UTF-8");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = [] {
    char tmpl[] = "/tmp/eductl-fuzz-XXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    return std::string(tmpl);
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  eductl::ScanLimits limits;
  limits.max_entries = 1000;
  limits.max_unpacked = 64 << 20;
  auto report = eductl::validate_package(path, limits);
  (void)report;
  return 0;
}

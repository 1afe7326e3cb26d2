// Feeds arbitrary bytes to the manifest parser, the JSON Schema validator and the
// manifest rules, as if they were a package's manifest.json.
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/validate/validator.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::setlocale(LC_ALL, "C.UTF-8");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  eductl::ScanResult scan;
  scan.manifest_found = true;
  scan.manifest_size = size;
  scan.manifest_text.assign(reinterpret_cast<const char*>(data), size);
  eductl::ScannedFile f;
  f.path = "book.pdf";
  f.size = 10;
  eductl::summarise_media("%PDF-1.4\n%%EOF", "%PDF-1.4\n%%EOF", f.media);
  scan.files.push_back(f);
  eductl::PackageReport report;
  eductl::check_manifest(scan, report);
  return 0;
}

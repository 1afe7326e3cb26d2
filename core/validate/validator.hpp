// Judges one package against textbook-package/1: the scan's container findings, the
// manifest's JSON Schema, then the rules the schema cannot say (check digits, grade vs
// stage, listed ⇔ present, hashes, media content, lessons and page ranges).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "core/package/book.hpp"
#include "core/package/scan.hpp"
#include "core/findings/finding.hpp"

namespace eductl {

struct PackageReport {
  std::string path;
  std::optional<BookRecord> book;  // set when the manifest parsed as a JSON object
  ScanResult scan;
  Findings findings;               // container, manifest and media findings, in that order
  // Unreadable or corrupt containers are bad input (exit 3), not mere findings.
  bool unreadable() const { return scan.unreadable || scan.corrupt; }
  bool valid(bool strict = false) const {
    return !unreadable() && !has_errors(findings) && (!strict || findings.empty());
  }
};

// Reads the package once and writes nothing. Errors: bad_input when the path does not
// exist; interrupted.
Result<PackageReport> validate_package(const std::filesystem::path& path, const ScanLimits& limits,
                                       const ByteProgress& progress = {});

// The manifest checks on an already scanned package; exposed for unit tests.
void check_manifest(const ScanResult& scan, PackageReport& report);

}  // namespace eductl

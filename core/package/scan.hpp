// One streaming pass over a package: every entry is checked for container-level rules
// (paths, links, duplicates, limits), hashed, sniffed and, for zips inside, inspected;
// the manifest is kept in memory. An optional BlobSink receives file bytes as they
// pass: import's second read uses one to stage the content the store lacks.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/package/entry_source.hpp"
#include "core/package/media.hpp"
#include "core/findings/finding.hpp"

namespace eductl {

inline constexpr std::uint64_t k_default_max_sidecar = 16ull << 20;

struct ScanLimits {
  std::uint64_t max_entries = 100000;
  std::uint64_t max_unpacked = 20ull << 30;
  double max_ratio = 200.0;
  std::uint64_t ratio_floor = 1 << 20;  // the ratio applies once an entry is over this
  std::uint64_t max_manifest = 4 << 20;
  // books.csv of a PDF folder, a platform listing: read whole and parsed in memory, where
  // they take several times their size, so a cap keeps a hostile one from exhausting RAM.
  std::uint64_t max_sidecar = k_default_max_sidecar;
};

struct ScannedFile {
  std::string path;      // UTF-8, relative to the package root (top folder stripped)
  std::uint64_t size = 0;
  std::string sha256;
  bool complete = true;  // false when reading stopped early (limit hit, corrupt data)
  MediaFacts media;
};

struct ScanResult {
  std::string container;          // "zip", "tar.gz", "directory", ...
  std::string root_prefix;        // "人教版数学七上/" when the single top-folder rule applied
  std::vector<ScannedFile> files; // regular files, manifest.json excluded
  bool manifest_found = false;
  std::uint64_t manifest_size = 0;
  std::string manifest_text;      // empty when absent or over the limit
  std::string manifest_sha256;
  bool unreadable = false;        // the container could not be opened at all
  bool corrupt = false;           // reading broke off: truncated or damaged data
  // Entries after a limit or corruption finding were never seen: what is absent may be
  // there, so checks of absence (listed file missing, no manifest) must not run.
  bool stopped_early = false;
  std::uint64_t unpacked_bytes = 0;
  std::uint64_t entries = 0;
  Findings findings;              // container-level findings
};

// Receives file bytes during the scan (import's content store).
class BlobSink {
 public:
  virtual ~BlobSink() = default;
  virtual Status begin_file(const std::string& raw_path) = 0;
  virtual Status write(const void* data, std::size_t size) = 0;
  // Called after the whole file went through write(); `sha256` is its hash.
  virtual Status end_file(const std::string& sha256, std::uint64_t size) = 0;
  virtual void abort_file() = 0;
  // A sink that only copies (import's second read, which stages content already judged):
  // the scan then skips hashing and media checks, and does not read the entries the sink
  // does not want at all. The sink verifies what it gets itself; end_file's hash is empty.
  virtual bool copy_only() const { return false; }
  virtual bool wants(const std::string& raw_path) const {
    (void)raw_path;
    return true;
  }
};

// Called with bytes read so far, often; must be cheap and thread-safe.
using ByteProgress = std::function<void(std::uint64_t delta)>;

// One plain file through the same pass as a package entry (hash, media facts, nested
// zip inspection, sink), for sources that deliver bare files (a PDF folder).
// Limits apply as to a package; findings (corruption, ratio) land in `findings`.
Result<ScannedFile> scan_file(const std::filesystem::path& file, const std::string& name, const ScanLimits& limits,
                              Findings& findings, BlobSink* sink = nullptr, const ByteProgress& progress = {});

// Errors: bad_input only when the path does not exist or is not a file/directory;
// interrupted; or what the sink returned. Corrupt containers are findings.
Result<ScanResult> scan_package(const std::filesystem::path& path, const ScanLimits& limits,
                                BlobSink* sink = nullptr, const ByteProgress& progress = {});

}  // namespace eductl

// `mirror export DIR`: copies the tree this data folder serves (a mirror's snapshot or a
// publisher's public/) to a folder, e.g. a USB disk, for `mirror sync DIR` at a school
// with no network. Every byte is hashed as it is copied; files land under temporary
// names and are renamed when complete, so a re-run resumes where it stopped; the index
// and its signature come last, so an unfinished export is never taken for a whole one.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>

#include "core/data/data_folder.hpp"
#include "core/findings/finding.hpp"
#include "core/mirror/selection.hpp"

namespace eductl::mirror {

// Beside the index in an export: the selection it was written with (unsigned: it only
// chooses books, every byte is still checked against the signed index).
constexpr const char* k_export_info = "export.json";

struct ExportOptions {
  std::filesystem::path dir;
  snapshot::Selection selection;
  bool verify_existing = false;  // re-hash files a previous run left in DIR
  std::function<void(std::uint64_t files, std::uint64_t bytes)> on_plan;
  std::function<void(std::uint64_t bytes_done, std::uint64_t files_done)> progress;
};

struct ExportResult {
  std::int64_t version = 0;
  std::uint64_t books = 0, blobs = 0, bytes = 0;            // what DIR now holds
  std::uint64_t files_written = 0, bytes_written = 0;       // copied by this run
  std::uint64_t files_kept = 0;                             // already there from an earlier run
  std::uint64_t removed = 0;
  Findings findings;  // MIR-BLOB-MISSING / MIR-BLOB-CORRUPT in the source: nothing finished
};

Result<ExportResult> export_tree(const DataFolder& data, const ExportOptions& options);

}  // namespace eductl::mirror

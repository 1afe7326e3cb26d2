// The import pipeline: inputs are read and judged in parallel (content staged on the
// way), then taken into the catalogue by a single writer in input order: blobs first,
// then the book's rows in one SQLite transaction. A refused or failed item leaves
// nothing behind; a crash at any instant leaves the previous state or the new one
// (orphan blobs at worst, which `store gc` removes).
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog/catalog.hpp"
#include "core/package/scan.hpp"
#include "core/store/blob_store.hpp"
#include "core/findings/finding.hpp"

namespace eductl {

struct ImportOptions {
  ScanLimits limits;
  unsigned jobs = 1;
  bool dry_run = false;
  int keep_revisions = 0;           // 0 keeps every revision
  std::string format = "auto";      // importer name, or auto
  std::string command_line;         // recorded in import_runs
  bool recursive = false;
  bool deep = false;                // decode every video (MED-VIDEO-UNDECODABLE refuses the package)
};

enum class ImportOutcome { imported, unchanged, refused, failed, skipped, would_import };
std::string_view to_string(ImportOutcome o);

struct ImportItemResult {
  std::string source;
  BookKey key;
  std::optional<std::int64_t> revision;
  ImportOutcome outcome = ImportOutcome::failed;
  std::string title;
  Findings findings;
  std::string message;        // for failed / unchanged / refused by revision rules
  std::uint64_t bytes = 0;
  CommitStats stored;
};

struct ImportSummary {
  std::vector<ImportItemResult> items;
  RunCounts counts;
  std::uint64_t skipped = 0;
  std::uint64_t would_import = 0;
  CommitStats store;
  std::uint64_t unreadable = 0;
  bool interrupted = false;
  std::int64_t run_id = 0;  // 0 when nothing was written
};

struct ImportCallbacks {
  std::function<void(std::uint64_t inputs, std::uint64_t bytes)> on_start;
  std::function<void(std::uint64_t bytes)> on_bytes;
  std::function<void()> on_input_done;
  std::function<void(const ImportItemResult&)> on_item;
};

// Errors: locked (another writer), internal (disk, database). Bad inputs are items.
Result<ImportSummary> run_import(const std::filesystem::path& data_dir, const std::vector<std::filesystem::path>& inputs,
                                 const ImportOptions& options, const ImportCallbacks& callbacks = {});

}  // namespace eductl

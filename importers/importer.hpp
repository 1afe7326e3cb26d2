// One importer per source format behind one interface, and the registry that picks the
// importer for an input. An importer reads an input into ImportItems: each a book with
// its findings and, for a valid input that carries content, the blobs the store lacks,
// staged by a second read (see staging_sink.hpp), not committed.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/package/book.hpp"
#include "core/package/scan.hpp"
#include "core/store/blob_store.hpp"
#include "core/findings/finding.hpp"

namespace eductl {

struct ImportItem {
  std::string source_path;          // the input, or "listing.json#<record id>"
  std::optional<BookRecord> book;   // absent when nothing could be read
  Findings findings;
  std::string digest;               // identifies the delivered bytes: same digest = same delivery
  std::uint64_t bytes = 0;          // content bytes of the book
  std::vector<StagedBlob> blobs;    // content the store lacked, staged; committed only if the item is taken
  std::uint64_t present_blobs = 0;  // content the store already held (not written again)
  std::uint64_t present_bytes = 0;
  // Sources without revisions (the platform listing) are snapshots of the truth: a
  // changed record becomes the next revision instead of a revision conflict.
  bool auto_revision = false;
  bool unreadable = false;          // the input could not be read at all (exit 3)
  std::string error;                // why, when unreadable or skipped
};

struct ImporterContext {
  BlobStore* store = nullptr;  // null: read and judge only (a dry run stages nothing)
  ScanLimits limits;
  ByteProgress progress;
  bool deep = false;  // decode every video too (validate --deep); undecodable ones refuse the package
};

class Importer {
 public:
  virtual ~Importer() = default;
  virtual std::string_view name() const = 0;         // "textbook-package/1", "platform-listing", "pdf-folder"
  virtual std::string_view description() const = 0;
  virtual bool accepts(const std::filesystem::path& input) const = 0;
  // Errors are interrupted or internal (store) failures; bad input is items' findings.
  virtual Result<std::vector<ImportItem>> read(const std::filesystem::path& input, const ImporterContext& ctx) const = 0;
};

// Helpers the importers share.
ImportItem unreadable_item(std::string source, std::string why);
// An input that is no package (found by discovery in a batch folder): skipped, saying why.
ImportItem skipped_item(std::string source, std::string why);
// One item per distinct Finding::entry (a listing record, a CSV row), carrying that
// entry's findings: refused when any is an error, skipped otherwise.
void add_finding_items(std::vector<ImportItem>& items, const Findings& findings,
                       const std::function<std::string(const std::string& entry)>& source_of);
// SHA-256 of everything a metadata source says of a book (meta, files, contents):
// the "same bytes" test of re-delivery for sources without a manifest.
std::string book_digest(const BookRecord& book);

const std::vector<std::unique_ptr<Importer>>& importer_registry();
// The importer named `format` ("auto": the first whose accepts() is true; textbook
// packages are the fallback). Null when `format` names no importer.
const Importer* find_importer(const std::filesystem::path& input, std::string_view format);

}  // namespace eductl
